// SPDX-License-Identifier: GPL-2.0-only
/* Must not attach: no fast op. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops.s/fault_sleepable")
int BPF_PROG(neg_sleepable, struct iommu_fault_ctx *fault)
{
	return IOMMU_FAULT_STATUS_HANDLED;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault_sleepable = (void *)neg_sleepable,
	.name = "neg",
};
