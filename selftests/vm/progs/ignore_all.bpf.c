// SPDX-License-Identifier: GPL-2.0-only
/* Parks every recoverable fault (IGNORE) for an answer from user space. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/fault")
int BPF_PROG(ignore_all_fault, struct iommu_fault_ctx *fault)
{
	if (fault->flags & IOMMU_FAULT_CTX_RECOVERABLE)
		return IOMMU_FAULT_STATUS_IGNORE;
	return IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)ignore_all_fault,
	.name = "ignore_all",
};
