/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommu-fault-bpf: BPF policies for IOMMU faults - user-visible ABI.
 *
 * The statuses are what a policy's ops return; their effect on a fault is
 * described in Documentation (docs/) and resolved by the core in
 * iommu_fault_verdict.c.
 */
#ifndef _UAPI_LINUX_IOMMU_FAULT_BPF_H
#define _UAPI_LINUX_IOMMU_FAULT_BPF_H

#include <linux/types.h>

/**
 * enum iommu_fault_status - verdict of a policy op
 * @IOMMU_FAULT_STATUS_NONE: not mine: ask the next policy, then the stock
 *	kernel path
 * @IOMMU_FAULT_STATUS_FAILURE: abort this access, abort every other pending
 *	fault of the device and quarantine the device until it is reset
 * @IOMMU_FAULT_STATUS_INVALID: abort this access only
 * @IOMMU_FAULT_STATUS_HANDLED: the cause is fixed, retry the access
 * @IOMMU_FAULT_STATUS_IGNORE: no answer now; the fault stays pending until
 *	it is answered by cookie or its deadline passes
 * @IOMMU_FAULT_STATUS_DEFER: (fast op only) run the policy's sleepable op
 *	from a workqueue and take its verdict
 *
 * Only recoverable (stalled) faults are answered; for an unrecoverable
 * fault any status but NONE is counted as a policy error and treated as
 * NONE.
 */
enum iommu_fault_status {
	IOMMU_FAULT_STATUS_NONE = 0,
	IOMMU_FAULT_STATUS_FAILURE,
	IOMMU_FAULT_STATUS_INVALID,
	IOMMU_FAULT_STATUS_HANDLED,
	IOMMU_FAULT_STATUS_IGNORE,
	IOMMU_FAULT_STATUS_DEFER,
	__IOMMU_FAULT_STATUS_MAX,
};

/**
 * enum iommu_fault_stage - where a policy op runs
 * @IOMMU_FAULT_STAGE_ATOMIC: the fast op, in the IOMMU driver's fault path;
 *	may not sleep
 * @IOMMU_FAULT_STAGE_SLEEPABLE: the sleepable op, from a workqueue after
 *	the fast op returned DEFER
 */
enum iommu_fault_stage {
	IOMMU_FAULT_STAGE_ATOMIC = 0,
	IOMMU_FAULT_STAGE_SLEEPABLE,
};

#endif /* _UAPI_LINUX_IOMMU_FAULT_BPF_H */
