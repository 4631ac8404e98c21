// SPDX-License-Identifier: GPL-2.0-only
/*
 * observe: see every fault, decide nothing.
 *
 * What it does: counts the faults of each device, recoverable and not,
 * and sends a record of each to a ring buffer.  It returns NONE, so the
 * next policy (or the stock kernel path) decides as if it were not there.
 *
 * When to use it: first, on a system you do not know yet: which devices
 * fault, where, how often.  A policy sees only the faults no policy
 * before it decided, and a device's own policies run before the global
 * ones: attached globally it sees what the device policies leave; to see
 * every fault of a device, attach it to that device with a lower
 * priority number than the device's other policies (as `make run` does).
 *
 * What it exposes:
 *   counts (hash, key: device name, value: struct observe_counts):
 *	faults per device, by kind, and the last address;
 *   events (ring buffer of struct observe_event, 256 KiB): one record per
 *	fault; when the reader is slow the record is dropped and counted in
 *	the global `dropped` (observe.bss);
 *   seen (global): every fault it was shown.
 *
 * Expected verdicts: NONE for every fault.  `faultctl policy show` counts
 * its calls; `faultctl stats show` shows the verdicts the rest of the chain
 * gave.
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

struct observe_counts {
	__u64 recoverable;
	__u64 unrecoverable;
	__u64 last_addr;
	__u64 last_seq;
};

struct observe_event {
	char dev[IOMMU_FAULT_DEV_LEN];
	__u64 addr;
	__u64 seq;
	__u64 timestamp;
	__u32 sid;
	__u32 pasid;
	__u32 flags;		/* IOMMU_FAULT_CTX_* */
	__u32 perm;		/* IOMMU_FAULT_CTX_PERM_* */
	__u32 reason;		/* enum iommu_fault_reason */
	__u32 event;		/* the IOMMU's own event id */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct iommu_fault_dev_key);
	__type(value, struct observe_counts);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

__u64 seen;
__u64 dropped;

SEC("struct_ops/fault")
int BPF_PROG(observe_fault, struct iommu_fault_ctx *fault)
{
	struct iommu_fault_dev_key key;
	struct observe_counts *c, zero = {};
	struct observe_event *e;

	__sync_fetch_and_add(&seen, 1);
	iommu_fault_dev_key(fault, &key);
	c = bpf_map_lookup_elem(&counts, &key);
	if (!c) {
		bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&counts, &key);
	}
	if (c) {
		if (iommu_fault_recoverable(fault))
			__sync_fetch_and_add(&c->recoverable, 1);
		else
			__sync_fetch_and_add(&c->unrecoverable, 1);
		c->last_addr = fault->addr;
		c->last_seq = fault->seq;
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return IOMMU_FAULT_STATUS_NONE;
	}
	__builtin_memcpy(e->dev, key.name, sizeof(e->dev));
	e->addr = fault->addr;
	e->seq = fault->seq;
	e->timestamp = fault->timestamp;
	e->sid = fault->sid;
	e->pasid = fault->pasid;
	e->flags = fault->flags;
	e->perm = fault->perm;
	e->reason = fault->reason;
	e->event = fault->event;
	bpf_ringbuf_submit(e, 0);
	return IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(observe) = {
	.fault = (void *)observe_fault,
	.name = "observe",
	/* Each record carries the fault's time. */
	.flags = IOMMU_FAULT_OPS_TIMESTAMP,
};
