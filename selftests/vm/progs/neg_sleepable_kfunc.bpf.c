// SPDX-License-Identifier: GPL-2.0-only
/* Must not load: the fast op calls a sleepable kfunc. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/fault")
int BPF_PROG(neg_fault, struct iommu_fault_ctx *fault)
{
	return bpf_iommu_fault_populate(fault) ? IOMMU_FAULT_STATUS_INVALID :
						 IOMMU_FAULT_STATUS_HANDLED;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)neg_fault,
	.name = "neg",
};
