// SPDX-License-Identifier: GPL-2.0-only
/* make bench: the fast op answers every fault HANDLED (retry) at once. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/fault")
int BPF_PROG(bench_handled_fault, struct iommu_fault_ctx *fault)
{
	return IOMMU_FAULT_STATUS_HANDLED;
}

IOMMU_FAULT_POLICY(bench_handled) = {
	.fault = (void *)bench_handled_fault,
	.name = "bench_handled",
};
