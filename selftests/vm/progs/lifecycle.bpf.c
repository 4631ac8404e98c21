// SPDX-License-Identifier: GPL-2.0-only
/*
 * A policy with init and exit ops: init returns what the test set in
 * init_ret, both count their calls; its fast op passes every fault on.
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

int init_ret;			/* what init() returns */
__u64 init_calls, exit_calls, fast_calls;

SEC("struct_ops.s/init")
int BPF_PROG(lifecycle_init)
{
	init_calls++;
	return init_ret;
}

SEC("struct_ops.s/exit")
void BPF_PROG(lifecycle_exit)
{
	exit_calls++;
}

SEC("struct_ops/fault")
int BPF_PROG(lifecycle_fault, struct iommu_fault_ctx *fault)
{
	fast_calls++;
	return IOMMU_FAULT_STATUS_NONE;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)lifecycle_fault,
	.init = (void *)lifecycle_init,
	.exit = (void *)lifecycle_exit,
	.name = "lifecycle",
};
