// SPDX-License-Identifier: GPL-2.0-only
/*
 * A policy the VM selftests steer at run time: its verdicts come from
 * globals the test sets through the skeleton, and it records what it saw.
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

int fast_verdict;		/* what fault() returns */
int sleep_verdict;		/* what fault_sleepable() returns */
int do_populate;		/* fault_sleepable() calls the populate kfunc */
__u8 mark;			/* written to scratch[0] when non-zero */

__u64 fast_calls, sleep_calls;
__u64 last_addr, last_cookie, last_seq;
__u32 last_pasid;
__u32 last_sid, last_flags, last_perm, last_reason, last_stage, last_raw_kind;
__u32 last_event, last_grpid;
__u8 seen_mark, sleep_seen_mark;
int populate_ret;

SEC("struct_ops/fault")
int BPF_PROG(test_fault, struct iommu_fault_ctx *fault)
{
	fast_calls++;
	last_addr = fault->addr;
	last_sid = fault->sid;
	last_flags = fault->flags;
	last_perm = fault->perm;
	last_reason = fault->reason;
	last_seq = fault->seq;
	last_stage = fault->stage;
	last_pasid = fault->pasid;
	last_raw_kind = fault->raw_kind;
	last_event = fault->event;
	last_grpid = fault->grpid;
	seen_mark = fault->scratch[0];
	if (mark)
		fault->scratch[0] = mark;
	return fast_verdict;
}

SEC("struct_ops.s/fault_sleepable")
int BPF_PROG(test_fault_sleepable, struct iommu_fault_ctx *fault)
{
	sleep_calls++;
	last_cookie = fault->cookie;
	last_stage = fault->stage;
	sleep_seen_mark = fault->scratch[0];
	if (do_populate)
		populate_ret = bpf_iommu_fault_populate(fault);
	return sleep_verdict;
}

/* Answer a pending fault from a syscall program (bpf_prog_test_run). */
struct respond_args {
	__u64 cookie;
	int status;
	int ret;
};

SEC("syscall")
int respond(struct respond_args *args)
{
	args->ret = bpf_iommu_fault_respond(args->cookie, args->status);
	return 0;
}

IOMMU_FAULT_POLICY(policy) = {
	.fault = (void *)test_fault,
	.fault_sleepable = (void *)test_fault_sleepable,
	.name = "test",
};
