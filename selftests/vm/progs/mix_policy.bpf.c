// SPDX-License-Identifier: GPL-2.0-only
/*
 * A policy that mixes every way a recoverable fault can be answered, by
 * the fault's sequence number, for the exactly-once stress test:
 *
 *   seq % 8 == 0  HANDLED                 (fast)
 *   seq % 8 == 1  INVALID                 (fast)
 *   seq % 8 == 2  NONE                    (stock path)
 *   seq % 8 == 3  DEFER -> HANDLED        (sleepable)
 *   seq % 8 == 4  DEFER -> IGNORE         (parked; its cookie queued)
 *   seq % 8 == 5  DEFER -> INVALID, and answers a parked cookie by kfunc
 *   seq % 8 == 6  IGNORE                  (never answered: deadline)
 *   seq % 8 == 7  an unknown status       (bad verdict: abort)
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16384);
	__type(value, __u64);
} parked SEC(".maps");

__u64 fast_calls, sleep_calls, kfunc_answered, kfunc_enoent;
/* The seq of the first fault it saw (faults come from one injector). */
__u64 first_seq;
int seen_first;

SEC("struct_ops/fault")
int BPF_PROG(mix_fault, struct iommu_fault_ctx *fault)
{
	fast_calls++;
	if (!seen_first) {
		first_seq = fault->seq;
		seen_first = 1;
	}
	if (!(fault->flags & IOMMU_FAULT_CTX_RECOVERABLE))
		return IOMMU_FAULT_STATUS_NONE;
	switch (fault->seq % 8) {
	case 0:
		return IOMMU_FAULT_STATUS_HANDLED;
	case 1:
		return IOMMU_FAULT_STATUS_INVALID;
	case 2:
		return IOMMU_FAULT_STATUS_NONE;
	case 6:
		return IOMMU_FAULT_STATUS_IGNORE;
	case 7:
		return 42;
	default:
		return IOMMU_FAULT_STATUS_DEFER;
	}
}

SEC("struct_ops.s/fault_sleepable")
int BPF_PROG(mix_fault_sleepable, struct iommu_fault_ctx *fault)
{
	__u64 cookie = fault->cookie;
	int ret;

	sleep_calls++;
	switch (fault->seq % 8) {
	case 3:
		return IOMMU_FAULT_STATUS_HANDLED;
	case 4:
		if (bpf_map_push_elem(&parked, &cookie, 0))
			return IOMMU_FAULT_STATUS_INVALID;
		return IOMMU_FAULT_STATUS_IGNORE;
	default:
		if (!bpf_map_pop_elem(&parked, &cookie)) {
			ret = bpf_iommu_fault_respond(cookie,
						      IOMMU_FAULT_STATUS_HANDLED);
			if (!ret)
				kfunc_answered++;
			else
				kfunc_enoent++;
		}
		return IOMMU_FAULT_STATUS_INVALID;
	}
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)mix_fault,
	.fault_sleepable = (void *)mix_fault_sleepable,
	.name = "mix",
};
