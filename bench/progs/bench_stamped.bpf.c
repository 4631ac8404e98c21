// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench's breakdown (scenario 8): bench_handled's HANDLED, after
 * reading the clock as its program starts.  One fault at a time, so its
 * n-th call is the run's n-th record: the stamp goes to prog[n].
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"
#include "../bench_marks.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, BENCH_MARK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} prog SEC(".maps");

__u32 calls;

SEC("struct_ops/fault")
int BPF_PROG(bench_stamped_fault, struct iommu_fault_ctx *fault)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 i = calls++;
	__u64 *t = bpf_map_lookup_elem(&prog, &i);

	if (t)
		*t = now;
	return IOMMU_FAULT_STATUS_HANDLED;
}

IOMMU_FAULT_POLICY(bench_stamped) = {
	.fault = (void *)bench_stamped_fault,
	.name = "bench_stamped",
};
