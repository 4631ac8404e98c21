/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Verdict resolution: what a policy's return value means for a fault.
 * Private to the iommu-fault-bpf core and its KUnit tests.
 */
#ifndef _IOMMU_FAULT_VERDICT_H
#define _IOMMU_FAULT_VERDICT_H

#include <linux/types.h>
#include <uapi/linux/iommu_fault_bpf.h>

/**
 * enum iommu_fault_action - what the core does with a fault after one op
 * @IOMMU_FAULT_ACT_NEXT: ask the next policy (stock path at chain end)
 * @IOMMU_FAULT_ACT_RETRY: answer the fault, retry the access
 * @IOMMU_FAULT_ACT_ABORT: answer the fault, abort the access
 * @IOMMU_FAULT_ACT_QUARANTINE: abort, abort the device's other pending
 *	faults and quarantine the device
 * @IOMMU_FAULT_ACT_PARK: keep the fault pending until answered or expired
 * @IOMMU_FAULT_ACT_DEFER: queue the policy's sleepable op
 */
enum iommu_fault_action {
	IOMMU_FAULT_ACT_NEXT,
	IOMMU_FAULT_ACT_RETRY,
	IOMMU_FAULT_ACT_ABORT,
	IOMMU_FAULT_ACT_QUARANTINE,
	IOMMU_FAULT_ACT_PARK,
	IOMMU_FAULT_ACT_DEFER,
};

/**
 * enum iommu_fault_misuse - how a verdict broke the rules, for the counters
 * @IOMMU_FAULT_MISUSE_NONE: the verdict was valid where it was returned
 * @IOMMU_FAULT_MISUSE_BAD_VERDICT: unknown value, DEFER from the sleepable
 *	op, or DEFER from a policy without a sleepable op
 * @IOMMU_FAULT_MISUSE_UNRECOVERABLE: a verdict other than NONE for a fault
 *	that cannot be answered (coerced to NONE)
 */
enum iommu_fault_misuse {
	IOMMU_FAULT_MISUSE_NONE,
	IOMMU_FAULT_MISUSE_BAD_VERDICT,
	IOMMU_FAULT_MISUSE_UNRECOVERABLE,
};

struct iommu_fault_resolution {
	enum iommu_fault_action action;
	enum iommu_fault_misuse misuse;
};

struct iommu_fault_resolution
iommu_fault_resolve(int status, enum iommu_fault_stage stage,
		    bool recoverable, bool has_sleepable);

#endif /* _IOMMU_FAULT_VERDICT_H */
