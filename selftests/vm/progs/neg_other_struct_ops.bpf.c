// SPDX-License-Identifier: GPL-2.0-only
/*
 * Must not load: another struct_ops type (bpf_dummy_ops) calling our
 * kfunc.  6.12 has no per-struct_ops kfunc filter; ours compares the
 * program's attach BTF id with struct iommu_fault_ops.
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

SEC("struct_ops/test_1")
int BPF_PROG(other_test_1, struct bpf_dummy_ops_state *state)
{
	return bpf_iommu_fault_respond(1, IOMMU_FAULT_STATUS_HANDLED);
}

SEC(".struct_ops")
struct bpf_dummy_ops other = {
	.test_1 = (void *)other_test_1,
};
