// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: writes the context outside scratch. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/fault")
int BPF_PROG(neg_fault, struct iommu_fault_ctx *fault)
{
	fault->addr = 0;
	return IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)neg_fault,
	.name = "neg",
};
