// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: the fast op may not be sleepable. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops.s/fault")
int BPF_PROG(neg_fault, struct iommu_fault_ctx *fault)
{
	return IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)neg_fault,
	.name = "neg",
};
