// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf verdict resolution.
 *
 * BPF does not range-check a struct_ops return value, so every int a
 * policy can return is mapped here, in one place, to what the core does
 * with the fault.  Kept free of locking and state so that the whole
 * semantics table is unit-tested (iommu_fault_bpf_kunit.c).
 */
#include <linux/export.h>
#include <kunit/visibility.h>
#include "iommu_fault_bpf_private.h"

static struct iommu_fault_resolution
resolve(enum iommu_fault_action action, enum iommu_fault_misuse misuse)
{
	return (struct iommu_fault_resolution){
		.action = action,
		.misuse = misuse,
	};
}

/* Nothing can be answered: only NONE is a valid verdict. */
static struct iommu_fault_resolution resolve_unrecoverable(int status)
{
	if (status == IOMMU_FAULT_STATUS_NONE)
		return resolve(IOMMU_FAULT_ACT_NEXT, IOMMU_FAULT_MISUSE_NONE);
	if (status > IOMMU_FAULT_STATUS_NONE &&
	    status < __IOMMU_FAULT_STATUS_MAX)
		return resolve(IOMMU_FAULT_ACT_NEXT,
			       IOMMU_FAULT_MISUSE_UNRECOVERABLE);
	return resolve(IOMMU_FAULT_ACT_NEXT, IOMMU_FAULT_MISUSE_BAD_VERDICT);
}

/**
 * iommu_fault_resolve() - map a policy op's return value to an action
 * @status: the value the op returned (any int: not checked by the verifier)
 * @stage: which op returned it
 * @recoverable: the fault is stalled and waits for an answer
 * @has_sleepable: the policy has a sleepable op to defer to
 *
 * Return: the action and, when the verdict was not valid where it was
 * returned, why (the caller counts it).  Invalid verdicts on a
 * recoverable fault abort it, so a broken policy cannot leave a
 * transaction stalled.
 */
struct iommu_fault_resolution
iommu_fault_resolve(int status, enum iommu_fault_stage stage,
		    bool recoverable, bool has_sleepable)
{
	if (!recoverable)
		return resolve_unrecoverable(status);

	switch (status) {
	case IOMMU_FAULT_STATUS_NONE:
		return resolve(IOMMU_FAULT_ACT_NEXT, IOMMU_FAULT_MISUSE_NONE);
	case IOMMU_FAULT_STATUS_HANDLED:
		return resolve(IOMMU_FAULT_ACT_RETRY, IOMMU_FAULT_MISUSE_NONE);
	case IOMMU_FAULT_STATUS_INVALID:
		return resolve(IOMMU_FAULT_ACT_ABORT, IOMMU_FAULT_MISUSE_NONE);
	case IOMMU_FAULT_STATUS_FAILURE:
		return resolve(IOMMU_FAULT_ACT_QUARANTINE,
			       IOMMU_FAULT_MISUSE_NONE);
	case IOMMU_FAULT_STATUS_IGNORE:
		return resolve(IOMMU_FAULT_ACT_PARK, IOMMU_FAULT_MISUSE_NONE);
	case IOMMU_FAULT_STATUS_DEFER:
		if (stage == IOMMU_FAULT_STAGE_ATOMIC && has_sleepable)
			return resolve(IOMMU_FAULT_ACT_DEFER,
				       IOMMU_FAULT_MISUSE_NONE);
		fallthrough;
	default:
		return resolve(IOMMU_FAULT_ACT_ABORT,
			       IOMMU_FAULT_MISUSE_BAD_VERDICT);
	}
}
EXPORT_SYMBOL_IF_KUNIT(iommu_fault_resolve);
