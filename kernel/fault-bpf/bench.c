// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timestamps for `make bench` (CONFIG_IOMMU_FAULT_BPF_BENCH).
 *
 * While a run is under way, record i of those injected gets t0 when it
 * enters the driver's event path and t1 once its resume command has been
 * issued: by the core (a policy's verdict, fast or deferred: the fault's
 * sequence number gives i) or, for a fault the core did not claim, by the
 * driver's stock path before the inject loop moves on.  In a floor run
 * the records take the same path to the core, which hands each to a bare
 * work item on the deferred stage's workqueue instead of the policies:
 * the work issues the same resume command.  So the floor and a deferred
 * policy are timed between the same two points.  User space computes the
 * percentiles.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "bench.h"
#include "iommu_fault_bpf_private.h"

#define BENCH_MAX	BIT(20)
#define T1_CLAIMED	1	/* the core owns the answer; t1 comes later */

/* One floor round trip: a work item and the fault it answers. */
struct bench_floor_item {
	struct work_struct work;
	struct iommu_fault_dev *fdev;
	struct iommu_fault_ctx ctx;
	u32 idx;
};

static DEFINE_MUTEX(bench_lock);	/* ctl calls */
static struct {
	bool active;			/* written under bench_lock */
	struct iommu_fault_dev *fdev;
	u32 count;
	atomic_t next;			/* records given a t0 */
	atomic_t answered;
	u64 seq0;			/* seq of the first timed record */
	u64 *t0, *t1;
	u64 *tq, *tw;			/* SPANS runs: queue_work, work start */
	struct bench_floor_item *floor;
} bench;

/* On during a floor run only: other faults do not even test it. */
DEFINE_STATIC_KEY_FALSE(iommu_fault_bench_floor_key);

static bool bench_on(const struct iommu_fault_dev *fdev)
{
	/* Paired with the smp_store_release() that starts a run. */
	return smp_load_acquire(&bench.active) &&
	       (!fdev || fdev == bench.fdev);
}

/*
 * Every hook runs in an RCU read-side section: once a run is switched off,
 * synchronize_rcu() guarantees no hook still touches its arrays.
 */
int iommu_fault_bench_record_begin(void)
{
	int idx = -1;

	rcu_read_lock();
	if (bench_on(NULL)) {
		idx = atomic_inc_return(&bench.next) - 1;
		if (idx < bench.count)
			WRITE_ONCE(bench.t0[idx], ktime_get_ns());
		else
			idx = -1;
	}
	rcu_read_unlock();
	return idx;
}
EXPORT_SYMBOL_GPL(iommu_fault_bench_record_begin);

/* @idx is answered now, unless t1 moved on from @old (0 or T1_CLAIMED). */
static void set_t1(u32 idx, u64 old)
{
	if (cmpxchg(&bench.t1[idx], old, ktime_get_ns()) == old)
		atomic_inc(&bench.answered);
}

/*
 * After the driver handled record @idx: when the core did not answer it,
 * the stock path did, if @stock_answers (the driver knows which records
 * its stock path answers; an unrecoverable fault is never answered).
 */
void iommu_fault_bench_record_end(int idx, bool stock_answers)
{
	rcu_read_lock();
	/* Not when the core answered it: no clock read of ours in its way. */
	if (idx >= 0 && stock_answers && bench_on(NULL) &&
	    !READ_ONCE(bench.t1[idx]))
		set_t1(idx, 0);
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(iommu_fault_bench_record_end);

/*
 * The record index of @ctx, or -1: faults the run did not time (not
 * injected, or injected beyond @count) have none.
 */
static int seq_idx(const struct iommu_fault_ctx *ctx)
{
	u64 i = ctx->seq - bench.seq0;

	return i < min_t(u32, atomic_read(&bench.next), bench.count) ?
	       (int)i : -1;
}

void iommu_fault_bench_claimed(struct iommu_fault_dev *fdev,
			       const struct iommu_fault_ctx *ctx)
{
	int idx;

	rcu_read_lock();
	if (bench_on(fdev)) {
		idx = seq_idx(ctx);
		if (idx >= 0)
			cmpxchg(&bench.t1[idx], 0, T1_CLAIMED);
	}
	rcu_read_unlock();
}

static void mark(int idx, enum iommu_fault_bench_mark at)
{
	u64 *t = at == IOMMU_FAULT_BENCH_QUEUED ? bench.tq : bench.tw;

	if (t && idx >= 0)
		WRITE_ONCE(t[idx], ktime_get_ns());
}

/* A deferred fault reached queue_work(), or its work item began. */
void iommu_fault_bench_mark(struct iommu_fault_dev *fdev,
			    const struct iommu_fault_ctx *ctx,
			    enum iommu_fault_bench_mark at)
{
	rcu_read_lock();
	if (bench_on(fdev))
		mark(seq_idx(ctx), at);
	rcu_read_unlock();
}

/*
 * A floor run: a bare round trip through the workqueue instead of the
 * policies.  Returns true when @ctx is one of its records (now the work
 * item's to answer).  Called before the core numbers the fault, so that
 * a device's sequence numbers keep counting the faults it counted: the
 * record is the one the inject loop began last (it injects one at a
 * time, with the event IRQ off).
 */
bool __iommu_fault_bench_floor(struct iommu_fault_dev *fdev,
			       const struct iommu_fault_ctx *ctx)
{
	struct bench_floor_item *it;
	int idx = -1;

	rcu_read_lock();
	if (bench_on(fdev) && bench.floor) {
		idx = atomic_read(&bench.next) - 1;
		if (idx >= 0 && idx < bench.count && !bench.t1[idx]) {
			it = &bench.floor[idx];
			it->ctx = *ctx;
			WRITE_ONCE(bench.t1[idx], T1_CLAIMED);
			mark(idx, IOMMU_FAULT_BENCH_QUEUED);
			iommu_fault_pending_queue_work(&iommu_fault_sys_core.pool,
						       &it->work);
		} else {
			idx = -1;
		}
	}
	rcu_read_unlock();
	return idx >= 0;
}

void iommu_fault_bench_answered(struct iommu_fault_dev *fdev,
				const struct iommu_fault_ctx *ctx)
{
	int idx;
	u64 old;

	rcu_read_lock();
	if (bench_on(fdev)) {
		idx = seq_idx(ctx);
		/* Claimed (answered later) or not (answered by the fast stage). */
		old = idx >= 0 ? READ_ONCE(bench.t1[idx]) : U64_MAX;
		if (old <= T1_CLAIMED)
			set_t1(idx, old);
	}
	rcu_read_unlock();
}

static void bench_floor_work(struct work_struct *work)
{
	struct bench_floor_item *it =
		container_of(work, struct bench_floor_item, work);

	mark(it->idx, IOMMU_FAULT_BENCH_STARTED);
	it->fdev->src->ops->respond(it->fdev, &it->ctx, true);
	set_t1(it->idx, T1_CLAIMED);
}

/* A floor run needs the core on the fault path, policies or not. */
static void bench_floor_keys(bool on)
{
	if (on) {
		static_branch_inc(&iommu_fault_bpf_active);
		static_branch_enable(&iommu_fault_bench_floor_key);
	} else {
		static_branch_disable(&iommu_fault_bench_floor_key);
		static_branch_dec(&iommu_fault_bpf_active);
	}
}

static void bench_free(void)
{
	bench.active = false;
	if (bench.fdev)
		iommu_fault_dev_put(bench.fdev);
	bench.fdev = NULL;
	kvfree(bench.t0);
	kvfree(bench.t1);
	kvfree(bench.tq);
	kvfree(bench.tw);
	kvfree(bench.floor);
	bench.tq = NULL;
	bench.tw = NULL;
	bench.t0 = NULL;
	bench.t1 = NULL;
	bench.floor = NULL;
}

static int bench_start(struct iommu_fault_ctl_bench *b, bool floor)
{
	bool spans = b->flags & IOMMU_FAULT_BENCH_F_SPANS;
	struct iommu_fault_dev *fdev;
	u32 i;

	if (bench.active)
		return -EBUSY;
	if (!b->count || b->count > BENCH_MAX ||
	    b->flags & ~IOMMU_FAULT_BENCH_F_SPANS || b->__reserved)
		return -EINVAL;
	b->dev[sizeof(b->dev) - 1] = '\0';
	/* Held until the result: its removal waits for the run's end. */
	fdev = iommu_fault_dev_find(&iommu_fault_sys_core, b->dev);
	if (!fdev)
		return -ENODEV;
	bench.fdev = fdev;
	bench.t0 = kvcalloc(b->count, sizeof(u64), GFP_KERNEL);
	bench.t1 = kvcalloc(b->count, sizeof(u64), GFP_KERNEL);
	if (floor)
		bench.floor = kvcalloc(b->count, sizeof(*bench.floor),
				       GFP_KERNEL);
	if (spans) {
		bench.tq = kvcalloc(b->count, sizeof(u64), GFP_KERNEL);
		bench.tw = kvcalloc(b->count, sizeof(u64), GFP_KERNEL);
	}
	if (!bench.t0 || !bench.t1 || (floor && !bench.floor) ||
	    (spans && (!bench.tq || !bench.tw))) {
		bench_free();
		return -ENOMEM;
	}
	bench.count = b->count;
	atomic_set(&bench.next, 0);
	atomic_set(&bench.answered, 0);
	bench.seq0 = atomic64_read(&fdev->seq) + 1;
	for (i = 0; floor && i < b->count; i++) {
		struct bench_floor_item *it = &bench.floor[i];

		INIT_WORK(&it->work, bench_floor_work);
		it->fdev = fdev;
		it->idx = i;
		/* Up to BENCH_MAX items: seconds on a debug kernel. */
		if (!(i % 1024))
			cond_resched();
	}
	/* The hooks see the arrays and seq0 once they see the run on. */
	smp_store_release(&bench.active, true);
	if (floor)
		bench_floor_keys(true);
	return 0;
}

/*
 * Record @i's three spans; zeros unless it went through the workqueue in
 * that order (a worker that starts after someone else answered its fault
 * does not count).
 */
static int put_spans(u64 lat, u32 i, u64 __user *out)
{
	u64 s[3] = {};

	if (lat && bench.tq && bench.t0[i] < bench.tq[i] &&
	    bench.tq[i] < bench.tw[i] && bench.tw[i] < bench.t1[i]) {
		s[0] = bench.tq[i] - bench.t0[i];
		s[1] = bench.tw[i] - bench.tq[i];
		s[2] = bench.t1[i] - bench.tw[i];
	}
	return copy_to_user(out, s, sizeof(s)) ? -EFAULT : 0;
}

static int bench_result(struct iommu_fault_ctl_bench *b)
{
	u64 __user *ulat = u64_to_user_ptr(b->lat_ns);
	u64 __user *uspan = u64_to_user_ptr(b->span_ns);
	unsigned long until = jiffies + msecs_to_jiffies(b->count);
	u32 n, i;
	u64 t;

	if (!bench.active)
		return -ENOENT;
	n = min_t(u32, atomic_read(&bench.next), bench.count);
	while (atomic_read(&bench.answered) < n && time_before(jiffies, until))
		msleep(20);
	/* No late answer may touch the arrays once they are freed. */
	WRITE_ONCE(bench.active, false);
	if (bench.floor)
		bench_floor_keys(false);
	synchronize_rcu();
	/* Every floor work was queued before that: wait for them. */
	if (bench.floor)
		for (i = 0; i < n; i++)
			flush_work(&bench.floor[i].work);

	b->recorded = n;
	b->answered = 0;
	b->first_ns = n ? bench.t0[0] : 0;
	b->last_ns = 0;
	for (i = 0; i < n; i++) {
		u64 lat = 0;

		if (bench.t1[i] > T1_CLAIMED) {
			lat = bench.t1[i] - bench.t0[i];
			b->answered++;
			b->last_ns = max(b->last_ns, bench.t1[i]);
		}
		if ((b->lat_ns && put_user(lat, ulat + i)) ||
		    (b->span_ns && put_spans(lat, i, uspan + 3 * i))) {
			bench_free();
			return -EFAULT;
		}
	}
	t = ktime_get_ns();
	for (i = 0; i < 1000; i++)
		ktime_get_ns();
	b->ts_cost_ns = (ktime_get_ns() - t) / 1000;
	b->pending_size = iommu_fault_pending_slot_size();
	bench_free();
	return 0;
}

int iommu_fault_bench_ctl(struct iommu_fault_ctl_bench *b)
{
	int ret;

	mutex_lock(&bench_lock);
	switch (b->op) {
	case IOMMU_FAULT_BENCH_START:
	case IOMMU_FAULT_BENCH_FLOOR:
		ret = bench_start(b, b->op == IOMMU_FAULT_BENCH_FLOOR);
		break;
	case IOMMU_FAULT_BENCH_STATUS:
		if (!bench.active) {
			ret = -ENOENT;
			break;
		}
		b->recorded = min_t(u32, atomic_read(&bench.next), bench.count);
		b->answered = atomic_read(&bench.answered);
		ret = 0;
		break;
	case IOMMU_FAULT_BENCH_RESULT:
		ret = bench_result(b);
		break;
	default:
		ret = -EINVAL;
	}
	mutex_unlock(&bench_lock);
	return ret;
}
