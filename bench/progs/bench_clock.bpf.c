// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench's clock, outside the fault path: BPF tracing programs on the
 * unmodified kernel, attached only while the benchmark (or its test) runs.
 *
 * t0: record i of those the benchmark process injects enters the SMMUv3
 *     driver's event handler (fentry on arm_smmu_handle_evt(), the one the
 *     event-queue thread calls; other processes' records and the thread's
 *     own are not timed).
 * t1: its answer goes to the driver, whichever stage decided it: fentry
 *     on the SMMUv3 fault source's respond op (a policy's verdict, fast
 *     or deferred) and on the driver's iommu_ops::page_response (the
 *     stock 6.12 path).  Both are only ever called through a pointer, so
 *     never inlined; each issues the CMD_RESUME at once.  Record i
 *     carries the tag (base + i) mod 2^16, and the answered record is the
 *     newest one entered with the answer's tag: no more than 2^16 are ever
 *     in flight (IOMMU_FAULT_POOL_MAX).
 * With "page_requests" set, the records are the page requests this process
 * raises on the iommufd selftest's mock device instead (one at a time):
 * t0 when io-pgfault gets one (fentry on iommu_report_device_fault()), t1
 * when it is answered or handed on: fentry on the mock's page_response
 * (a policy's verdict) or fexit of iommufd's iopf_handler (the stock path:
 * the group is in the fault queue, for the VMM to answer).  Its group is
 * its tag, as a stall's.
 * By stage (when "stages" is set; one fault at a time): when the newest
 * record is kept pending (fentry on iommu_fault_pending_take()), when its
 * deferred stage is queued and when its work starts (the workqueue
 * tracepoints, for the core's deferred-stage work function), and when its
 * sleepable op has returned (fentry on iommu_fault_pending_run_end(), the
 * worker's next call; ../bench_clock.h, bench_stage).  One probe each,
 * each run once a fault.
 * Marked (when "marks" is set; one fault at a time): when the newest
 * record passes the points of ../bench_marks.h, into tm (BENCH_MARKS per
 * record); the program's own point is the stamping policy's.
 *
 * User space zeroes the arrays (they are mmap-able), sets count and base,
 * then sets active; it reads "answered" to pace one-at-a-time runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "../bench_marks.h"

char LICENSE[] SEC("license") = "GPL";

#define BENCH_CLOCK_MAX	(1U << 17)	/* records a run can time */

#define CLOCK_ARRAY(name)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_ARRAY);		\
		__uint(map_flags, BPF_F_MMAPABLE);		\
		__uint(max_entries, BENCH_CLOCK_MAX);		\
		__type(key, __u32);				\
		__type(value, __u64);				\
	} name SEC(".maps")

CLOCK_ARRAY(t0);	/* record entered the driver */
CLOCK_ARRAY(t1);	/* its resume was issued */
CLOCK_ARRAY(tk);	/* it was kept pending */
CLOCK_ARRAY(tq);	/* its deferred stage was queued */
CLOCK_ARRAY(tw);	/* its deferred stage's work started */
CLOCK_ARRAY(tv);	/* its sleepable op returned */
/* By stage: 1 + the CPU that queued it (low half), that ran it (high). */
CLOCK_ARRAY(cpus);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, BENCH_MARK_MAX * BENCH_MARKS);
	__type(key, __u32);
	__type(value, __u64);
} tm SEC(".maps");	/* the breakdown's marks, record by record */

const volatile __u32 tgid;	/* the injecting process */
extern const void deferred_stage __ksym __weak;

__u32 active, stages, marks, page_requests, count, base;
__u32 entered;			/* records given a t0 */
__u32 answered;			/* of them, given a t1 */

static void stamp(void *array, __u32 i, __u64 now)
{
	__u64 *t = bpf_map_lookup_elem(array, &i);

	if (t && !*t)
		*t = now;
}

static void enter(__u64 now, bool page_request)
{
	__u32 i;

	if (!active || page_requests != page_request ||
	    bpf_get_current_pid_tgid() >> 32 != tgid)
		return;
	i = __sync_fetch_and_add(&entered, 1);
	if (i < count)
		stamp(&t0, i, now);
}

SEC("fentry/arm_smmu_handle_evt")
int BPF_PROG(record_entered, struct arm_smmu_device *smmu, u64 *evt)
{
	enter(bpf_ktime_get_ns(), false);
	return 0;
}

SEC("fentry/iommu_report_device_fault")
int BPF_PROG(page_request_entered, struct device *dev, struct iopf_fault *evt)
{
	enter(bpf_ktime_get_ns(), true);
	return 0;
}

/* Record of tag @tag answered at @now, once. */
static void answer(__u32 tag, __u64 now)
{
	__u32 n = entered, i;
	__u64 *t;

	if (!active)
		return;
	if (n > count)
		n = count;
	i = n - 1 - ((base + n - 1 - tag) & 0xffff);
	if (!n || i >= n)
		return;
	t = bpf_map_lookup_elem(&t0, &i);
	if (!t || !*t)
		return;
	t = bpf_map_lookup_elem(&t1, &i);
	if (t && !__sync_val_compare_and_swap(t, 0, now))
		__sync_fetch_and_add(&answered, 1);
}

SEC("fentry/fault_bpf_respond")
int BPF_PROG(policy_answer, struct iommu_fault_dev *fdev,
	     const struct iommu_fault_ctx *fault, void *handle, bool retry)
{
	__u64 now = bpf_ktime_get_ns();

	answer(fault->grpid, now);
	return 0;
}

SEC("fentry/arm_smmu_page_response")
int BPF_PROG(stock_answer, struct device *dev, struct iopf_fault *evt,
	     struct iommu_page_response *resp)
{
	__u64 now = bpf_ktime_get_ns();

	answer(resp->grpid, now);
	return 0;
}

SEC("fentry/mock_domain_page_response")
int BPF_PROG(mock_answer, struct device *dev, struct iopf_fault *evt,
	     struct iommu_page_response *resp)
{
	__u64 now = bpf_ktime_get_ns();

	if (page_requests)
		answer(resp->grpid, now);
	return 0;
}

SEC("fexit/iommufd_fault_iopf_handler")
int BPF_PROG(mock_handed_on, struct iopf_group *group, int ret)
{
	__u64 now = bpf_ktime_get_ns();

	if (page_requests && !ret)
		answer(group->last_fault.fault.prm.grpid, now);
	return 0;
}

/* The newest record's index in a by-stage run; -1 outside one. */
static int staged(void)
{
	__u32 n = entered;

	if (!active || !stages || !n || n > count)
		return -1;
	return n - 1;
}

/* The newest record's deferred stage, if @work is one: @shift, its CPU. */
static void stage(void *array, struct work_struct *work, int shift)
{
	__u64 now = bpf_ktime_get_ns();
	int i = staged();
	__u64 *c;

	if (i < 0 || (__u64)work->func != (__u64)&deferred_stage)
		return;
	stamp(array, i, now);
	c = bpf_map_lookup_elem(&cpus, &i);
	if (c && !((*c >> shift) & 0xffffffff))
		*c |= (__u64)(bpf_get_smp_processor_id() + 1) << shift;
}

/* A program at @where that stamps the newest record into @array. */
#define STAGE_PROG(name, where, array)			\
	SEC(where)					\
	int BPF_PROG(name)				\
	{						\
		__u64 now = bpf_ktime_get_ns();		\
		int i = staged();			\
							\
		if (i >= 0)				\
			stamp(&array, i, now);		\
		return 0;				\
	}

STAGE_PROG(stage_kept, "fentry/iommu_fault_pending_take", tk)

SEC("tp_btf/workqueue_queue_work")
int BPF_PROG(stage_queued, int req_cpu, struct pool_workqueue *pwq,
	     struct work_struct *work)
{
	stage(&tq, work, 0);
	return 0;
}

SEC("tp_btf/workqueue_execute_start")
int BPF_PROG(stage_started, struct work_struct *work)
{
	stage(&tw, work, 32);
	return 0;
}

STAGE_PROG(stage_decided, "fentry/iommu_fault_pending_run_end", tv)

/* Mark @k of the newest record, once. */
static void mark(__u32 k)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 n = entered;

	if (active && marks && n && n <= count && n <= BENCH_MARK_MAX)
		stamp(&tm, (n - 1) * BENCH_MARKS + k, now);
}

/* A program at @where that marks point @k. */
#define MARK_PROG(name, where, k)		\
	SEC(where)				\
	int BPF_PROG(name)			\
	{					\
		mark(k);			\
		return 0;			\
	}

MARK_PROG(mark_claim, "fentry/__arm_smmu_fault_bpf_claim", BENCH_MARK_CLAIM)
MARK_PROG(mark_report, "fentry/__iommu_fault_report", BENCH_MARK_REPORT)
MARK_PROG(mark_verdict, "tp_btf/iommu_fault_bpf_verdict", BENCH_MARK_VERDICT)
MARK_PROG(mark_response, "tp_btf/iommu_fault_bpf_response", BENCH_MARK_RESPONSE)

/* The cost of one clock read: 1000 back to back, averaged. */
__u64 clock_cost_ns;

SEC("syscall")
int clock_cost(void *ctx)
{
	__u64 t = bpf_ktime_get_ns();
	int i;

	for (i = 0; i < 1000; i++)
		bpf_ktime_get_ns();
	clock_cost_ns = (bpf_ktime_get_ns() - t) / 1000;
	return 0;
}
