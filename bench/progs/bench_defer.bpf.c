// SPDX-License-Identifier: GPL-2.0-only
/* make bench: the fast op DEFERs, the sleepable op answers HANDLED. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/fault")
int BPF_PROG(bench_defer_fault, struct iommu_fault_ctx *fault)
{
	return IOMMU_FAULT_STATUS_DEFER;
}

SEC("struct_ops.s/fault_sleepable")
int BPF_PROG(bench_defer_fault_sleepable, struct iommu_fault_ctx *fault)
{
	return IOMMU_FAULT_STATUS_HANDLED;
}

IOMMU_FAULT_POLICY(bench_defer) = {
	.fault = (void *)bench_defer_fault,
	.fault_sleepable = (void *)bench_defer_fault_sleepable,
	.name = "bench_defer",
};
