// SPDX-License-Identifier: GPL-2.0-only
/* make bench: a policy that decides nothing (NONE): a link of a chain. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/fault")
int BPF_PROG(bench_none_fault, struct iommu_fault_ctx *fault)
{
	return IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(bench_none) = {
	.fault = (void *)bench_none_fault,
	.name = "bench_none",
};
