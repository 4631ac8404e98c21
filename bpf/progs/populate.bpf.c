// SPDX-License-Identifier: GPL-2.0-only
/*
 * populate: map the page a device stalled on, then let it retry.
 *
 * What it does: a recoverable fault inside the window [window_start,
 * window_end) is deferred (DEFER); the sleepable op asks the owner of the
 * device's domain to map the page (bpf_iommu_fault_populate(): the
 * callback the domain's driver registered) and returns HANDLED, so the
 * SMMU retries the access, or INVALID when the owner could not map it.
 * A fault on an SVA domain is not its business: the kfunc refuses it
 * (-EOPNOTSUPP) and the policy passes it on (NONE) to the stock path,
 * whose SVA handler pages it in.
 * A recoverable fault outside the window, and every unrecoverable fault,
 * is not its business: NONE.
 *
 * The fast op hands the page address to the sleepable op through the
 * context's scratch area (struct populate_scratch): the sleepable op
 * populates exactly the page the fast op decided on, and a scratch
 * without the magic (a fault it did not defer) is refused.
 *
 * When to use it: demand paging for a device whose domain owner can map
 * on request: a driver that populates its domain lazily.  The window keeps it away from addresses that must never be
 * mapped behind a device's back.
 *
 * Configuration (globals in .data, set at load with
 * `faultctl policy load populate.bpf.o set window_start 0x100000 ...`):
 *   window_start, window_end: the window; empty (the default) defers
 *	nothing.
 * Counters (.bss): deferred, populated, populate_failed, bad_scratch.
 *
 * Expected verdicts: fast op DEFER (in the window, recoverable) or NONE;
 * sleepable op HANDLED (populated), NONE (an SVA domain) or INVALID (the
 * owner refused, no owner, or scratch not ours).
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

#define POPULATE_MAGIC	0x706f70756c617465ULL	/* "populate" */
#define PAGE_MASK_4K	(~0xfffULL)
#define EOPNOTSUPP	95	/* the kfunc's answer for an SVA domain */

__u64 window_start SEC(".data") = 0;
__u64 window_end SEC(".data") = 0;

__u64 deferred, populated, populate_failed, bad_scratch;
int last_error;

/* What the fast op leaves for the sleepable op, in ctx->scratch. */
struct populate_scratch {
	__u64 magic;
	__u64 page;
};

SEC("struct_ops/fault")
int BPF_PROG(populate_fault, struct iommu_fault_ctx *fault)
{
	__u64 addr = fault->addr;

	if (!iommu_fault_recoverable(fault) || addr < window_start ||
	    addr >= window_end)
		return IOMMU_FAULT_STATUS_NONE;
	/* Only scratch may be written: two 8-byte stores into it. */
	*(__u64 *)&fault->scratch[0] = POPULATE_MAGIC;
	*(__u64 *)&fault->scratch[8] = addr & PAGE_MASK_4K;
	__sync_fetch_and_add(&deferred, 1);
	return IOMMU_FAULT_STATUS_DEFER;
}

SEC("struct_ops.s/fault_sleepable")
int BPF_PROG(populate_fault_sleepable, struct iommu_fault_ctx *fault)
{
	int ret;

	if (*(__u64 *)&fault->scratch[0] != POPULATE_MAGIC ||
	    *(__u64 *)&fault->scratch[8] != (fault->addr & PAGE_MASK_4K)) {
		__sync_fetch_and_add(&bad_scratch, 1);
		return IOMMU_FAULT_STATUS_INVALID;
	}
	ret = bpf_iommu_fault_populate(fault);
	if (ret == -EOPNOTSUPP)
		return IOMMU_FAULT_STATUS_NONE;
	if (ret) {
		last_error = ret;
		__sync_fetch_and_add(&populate_failed, 1);
		return IOMMU_FAULT_STATUS_INVALID;
	}
	__sync_fetch_and_add(&populated, 1);
	return IOMMU_FAULT_STATUS_HANDLED;
}

IOMMU_FAULT_POLICY(populate) = {
	.fault = (void *)populate_fault,
	.fault_sleepable = (void *)populate_fault_sleepable,
	.name = "populate",
};
