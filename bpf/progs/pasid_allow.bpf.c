// SPDX-License-Identifier: GPL-2.0-only
/*
 * pasid_allow: only the PASIDs a device is allowed to use may fault.
 *
 * What it does: a recoverable fault tagged with a PASID (SubstreamID)
 * that the map `allowed` does not list for its device is aborted
 * (INVALID) and counted; an allowed one goes on down the chain (NONE), to
 * the policy that resolves it.  Faults without a PASID are not its
 * business (NONE).  Unrecoverable faults with a PASID that is not allowed
 * cannot be answered: they pass (NONE) but are counted too, as the record
 * of a process the device should not be working for.
 *
 * When to use it: in front of the stock path's SVA handler (or a
 * populate policy), so that a device can only make the kernel page in
 * memory for the address spaces it was given; with a guest, for the
 * PASIDs assigned to it.
 *
 * What it exposes:
 *   allowed (hash, key: struct pasid_allow_key {device name, PASID},
 *	value: __u8, any): the allow list; fill it before faults arrive,
 *	change it at any time (bpftool map update, or the skeleton);
 *   denied (hash, key: device name, value: __u64): refusals per device.
 *
 * Expected verdicts: NONE (no PASID, or allowed), INVALID (recoverable,
 * PASID not allowed).
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

struct pasid_allow_key {
	struct iommu_fault_dev_key dev;
	__u32 pasid;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct pasid_allow_key);
	__type(value, __u8);
} allowed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct iommu_fault_dev_key);
	__type(value, __u64);
} denied SEC(".maps");

SEC("struct_ops/fault")
int BPF_PROG(pasid_allow_fault, struct iommu_fault_ctx *fault)
{
	struct pasid_allow_key key = {};
	__u64 one = 1, *n;

	if (!(fault->flags & IOMMU_FAULT_CTX_PASID_VALID))
		return IOMMU_FAULT_STATUS_NONE;
	iommu_fault_dev_key(fault, &key.dev);
	key.pasid = fault->pasid;
	if (bpf_map_lookup_elem(&allowed, &key))
		return IOMMU_FAULT_STATUS_NONE;

	n = bpf_map_lookup_elem(&denied, &key.dev);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&denied, &key.dev, &one, BPF_NOEXIST);
	return iommu_fault_recoverable(fault) ? IOMMU_FAULT_STATUS_INVALID :
						IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(pasid_allow) = {
	.fault = (void *)pasid_allow_fault,
	.name = "pasid_allow",
};
