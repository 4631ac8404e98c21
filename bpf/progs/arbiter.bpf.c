// SPDX-License-Identifier: GPL-2.0-only
/*
 * arbiter: leave every recoverable fault to user space.
 *
 * What it does: parks each recoverable fault (IGNORE).  User space finds
 * it with `faultctl fault pending` (IOMMU_FAULT_IOC_LIST_PENDING: cookie,
 * device, address, PASID, age), decides, and answers with `faultctl fault
 * respond COOKIE handled|invalid|failure` (IOMMU_FAULT_IOC_RESPOND), or a
 * SEC("syscall") BPF program with bpf_iommu_fault_respond().  The cookie
 * is given when the fault is parked, after the fast op returned: the op
 * itself sees 0, which is why the pending list, not a ring buffer of the
 * op's, is the interface.  Unrecoverable faults pass (NONE).
 *
 * Deadlines: a parked fault waits at most the subsystem's deadline
 * (`faultctl config set deadline MS`, default 1000 ms), then the kernel
 * answers it ABORT and counts a timeout; a response after that fails
 * with "unknown cookie" and sends nothing.  The device stays stalled
 * while its fault waits, so keep the deadline shorter than what the
 * device (or its driver's own timeout) tolerates.  Parked faults also
 * take slots of the pending pool (`faultctl config set pool N`); when it is
 * full, new faults are aborted at once and counted as pool_full.
 *
 * When to use it: the model for relaying faults to a guest (a VMM
 * forwards the fault, the guest's answer comes back as the response),
 * and for a human or a test deciding fault by fault.
 *
 * What it exposes: parked (.bss): faults it parked.
 *
 * Expected verdicts: IGNORE for recoverable faults, NONE otherwise; the
 * final answer is user space's, or ABORT at the deadline.
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

__u64 parked;

SEC("struct_ops/fault")
int BPF_PROG(arbiter_fault, struct iommu_fault_ctx *fault)
{
	if (!iommu_fault_recoverable(fault))
		return IOMMU_FAULT_STATUS_NONE;
	__sync_fetch_and_add(&parked, 1);
	return IOMMU_FAULT_STATUS_IGNORE;
}

IOMMU_FAULT_POLICY(arbiter) = {
	.fault = (void *)arbiter_fault,
	.name = "arbiter",
};
