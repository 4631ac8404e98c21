// SPDX-License-Identifier: GPL-2.0-only
/*
 * host_range: the host answers the page requests in the range it owns,
 * and passes every other one on, to the guest.
 *
 * What it does: a recoverable fault whose address is in [lo, hi) is the
 * host's: it is answered at once (HANDLED: the host keeps that range
 * mapped, e.g. a ring it shares with the device) and counted.  Any other
 * fault goes on down the chain (NONE): with nothing after it, to the
 * stock path -- for a device assigned through iommufd, its fault queue,
 * read by the VMM, which answers it for the guest.  Unrecoverable faults
 * pass (NONE).
 *
 * When to use it: "policies first, then the guest": attach it to the
 * device the VMM was given (dev), so that the faults the host can answer
 * never make the round trip through the VMM and the guest.
 *
 * Configuration (globals in .data; at load with `faultctl policy load
 * host_range.bpf.o dev DEV set lo 0x100000 set hi 0x200000`):
 *   lo, hi: the host's range, [lo, hi); default empty (passes all).
 * Counters (.bss): answered (HANDLED), passed (NONE, recoverable).
 *
 * Expected verdicts: HANDLED in the range, NONE elsewhere.
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

__u64 lo SEC(".data");
__u64 hi SEC(".data");

__u64 answered, passed;

SEC("struct_ops/fault")
int BPF_PROG(host_range_fault, struct iommu_fault_ctx *fault)
{
	if (!iommu_fault_recoverable(fault))
		return IOMMU_FAULT_STATUS_NONE;
	if (fault->addr >= lo && fault->addr < hi) {
		__sync_fetch_and_add(&answered, 1);
		return IOMMU_FAULT_STATUS_HANDLED;
	}
	__sync_fetch_and_add(&passed, 1);
	return IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(host_range) = {
	.fault = (void *)host_range_fault,
	.name = "host_range",
};
