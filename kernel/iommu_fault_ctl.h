/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the control device (iommu_fault_ctl.c) asks of the dispatcher.
 */
#ifndef _IOMMU_FAULT_CTL_H
#define _IOMMU_FAULT_CTL_H

#include <linux/types.h>
#include <uapi/linux/iommu_fault_bpf.h>

struct iommu_fault_core;

void iommu_fault_counts(struct iommu_fault_core *core, u32 *nr_policies,
			u32 *nr_devices, u64 *orphans);
int iommu_fault_dev_ctl(struct iommu_fault_core *core,
			struct iommu_fault_ctl_dev *out, bool reset);
int iommu_fault_policy_ctl(struct iommu_fault_core *core,
			   struct iommu_fault_ctl_policy *out);
int iommu_fault_inject(struct iommu_fault_core *core, const char *name,
		       const void *raw, size_t len, u32 count, u32 flags);

#endif /* _IOMMU_FAULT_CTL_H */
