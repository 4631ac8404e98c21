// SPDX-License-Identifier: GPL-2.0-only
/* A policy with no sleepable op: its DEFER cannot be honoured. */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

int fast_verdict;
__u64 fast_calls;

SEC("struct_ops/fault")
int BPF_PROG(fast_only_fault, struct iommu_fault_ctx *fault)
{
	fast_calls++;
	return fast_verdict;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)fast_only_fault,
	.name = "fast_only",
};
