// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: struct_ops programs must be GPL-compatible. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "Proprietary";

SEC("struct_ops/fault")
int BPF_PROG(neg_fault, struct iommu_fault_ctx *fault)
{
	return IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)neg_fault,
	.name = "neg",
};
