// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf pending faults.
 *
 * A parked or deferred fault takes a slot of a pre-allocated pool, so the
 * fast stage never allocates; a full pool makes the dispatcher answer the
 * fault at once.  Every way of answering a pending fault (a response by
 * cookie, the deadline, quarantine, policy detach, device removal, the
 * deferred verdict) first *claims* the slot under iommu_fault_pending_lock:
 * only one claim succeeds, so a fault is answered exactly once, and a
 * stale cookie (the slot's generation moved on) finds nothing.
 *
 * Slot states:
 *   FREE       on the free stack
 *   PARKED     waits for an answer or its deadline
 *   QUEUED     its policy's sleepable op is queued
 *   RUNNING    its policy's sleepable op runs
 *   ANSWERING  claimed; the claimer answers it, then frees it
 *   ORPHANED   claimed while its worker ran; the worker frees it
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "iommu_fault_bench.h"
#include "iommu_fault_pending.h"

enum pending_state {
	PENDING_FREE,
	PENDING_PARKED,
	PENDING_QUEUED,
	PENDING_RUNNING,
	PENDING_ANSWERING,
	PENDING_ORPHANED,
};

/*
 * One slot of the pool, 256 bytes on 64-bit (without lockdep's maps in
 * the work item): the context and what the answer needs.  The deadline
 * keeps the low 32 bits of jiffies (deadlines are at most an hour away);
 * the generation, bumped when the slot is freed, kills old cookies.
 */
struct iommu_fault_pending {
	struct iommu_fault_ctx ctx;
	struct iommu_fault_dev *fdev;
	struct iommu_fault_policy *policy;
	struct list_head node;		/* live list, or the free list */
	struct work_struct work;
	u32 deadline;			/* jiffies, low 32 bits */
	u32 gen : 29;
	u32 state : 3;			/* enum pending_state */
};

#ifndef CONFIG_LOCKDEP
static_assert(sizeof(struct iommu_fault_pending) <= 256);
#endif

static DEFINE_SPINLOCK(iommu_fault_pending_lock);
static struct iommu_fault_pending *pool;
static LIST_HEAD(iommu_fault_pending_free);
static u32 pool_size, nr_free;
static LIST_HEAD(iommu_fault_pending_live);	/* oldest first */
static u32 deadline_ms = IOMMU_FAULT_DEADLINE_MS_DEFAULT;
/* The watchdog fires at the earliest deadline (pending lock). */
static bool watchdog_armed;
static unsigned long watchdog_at;
static DEFINE_MUTEX(iommu_fault_limits_lock);
static struct workqueue_struct *iommu_fault_wq;

static void pending_work(struct work_struct *work);

/* For the benchmark's floor: the deferred stage's workqueue, bare. */
void iommu_fault_pending_queue_work(struct work_struct *work)
{
	queue_work(iommu_fault_wq, work);
}

size_t iommu_fault_pending_slot_size(void)
{
	return sizeof(struct iommu_fault_pending);
}

static void pending_watchdog(struct work_struct *work);
static DECLARE_DELAYED_WORK(iommu_fault_watchdog, pending_watchdog);

static u64 slot_cookie(const struct iommu_fault_pending *p)
{
	return ((u64)p->gen << 32) | (u32)(p - pool + 1);
}

static int pool_alloc(u32 size)
{
	struct iommu_fault_pending *new_pool;
	LIST_HEAD(new_free);
	u32 i;

	new_pool = kvcalloc(size, sizeof(*new_pool), GFP_KERNEL);
	if (!new_pool)
		return -ENOMEM;
	for (i = 0; i < size; i++) {
		INIT_WORK(&new_pool[i].work, pending_work);
		list_add_tail(&new_pool[i].node, &new_free);
	}

	spin_lock(&iommu_fault_pending_lock);
	if (pool && nr_free != pool_size) {
		spin_unlock(&iommu_fault_pending_lock);
		kvfree(new_pool);
		return -EBUSY;
	}
	swap(pool, new_pool);
	INIT_LIST_HEAD(&iommu_fault_pending_free);
	list_splice(&new_free, &iommu_fault_pending_free);
	pool_size = size;
	nr_free = size;
	spin_unlock(&iommu_fault_pending_lock);

	kvfree(new_pool);
	return 0;
}

int iommu_fault_pending_init(void)
{
	iommu_fault_wq = alloc_workqueue("iommu_fault_bpf", WQ_UNBOUND, 0);
	if (!iommu_fault_wq)
		return -ENOMEM;
	return pool_alloc(IOMMU_FAULT_POOL_DEFAULT);
}

/* Back to the free list; the cookie it had is dead from now on. */
static void slot_free(struct iommu_fault_pending *p)
{
	lockdep_assert_held(&iommu_fault_pending_lock);
	p->state = PENDING_FREE;
	p->gen++;
	p->policy = NULL;
	p->fdev = NULL;
	list_add(&p->node, &iommu_fault_pending_free);
	nr_free++;
}

/* The full jiffies value of a slot's deadline. */
static unsigned long slot_deadline(const struct iommu_fault_pending *p)
{
	return jiffies + (long)(s32)(p->deadline - (u32)jiffies);
}

/*
 * Claim a live slot for answering.  Returns true when the caller now owns
 * the answer: it must answer p->ctx and then call slot_release(p).
 */
static bool slot_claim(struct iommu_fault_pending *p)
{
	lockdep_assert_held(&iommu_fault_pending_lock);
	switch (p->state) {
	case PENDING_QUEUED:
		if (!cancel_work(&p->work)) {
			/* Its worker is starting: it frees the slot. */
			p->state = PENDING_ORPHANED;
			break;
		}
		fallthrough;
	case PENDING_PARKED:
		p->state = PENDING_ANSWERING;
		break;
	case PENDING_RUNNING:
		p->state = PENDING_ORPHANED;
		break;
	default:
		return false;
	}
	list_del_init(&p->node);
	return true;
}

/* After the claimer answered: free the slot unless a worker still uses it. */
static void slot_release(struct iommu_fault_pending *p)
{
	spin_lock(&iommu_fault_pending_lock);
	if (p->state == PENDING_ANSWERING)
		slot_free(p);
	spin_unlock(&iommu_fault_pending_lock);
}

static void watchdog_arm(unsigned long at)
{
	long delay = (long)(at - jiffies);

	mod_delayed_work(system_wq, &iommu_fault_watchdog, max(delay, 0L));
}

bool iommu_fault_pend(struct iommu_fault_dev *fdev,
		      struct iommu_fault_policy *policy,
		      const struct iommu_fault_ctx *ctx, bool defer)
{
	unsigned long deadline;
	struct iommu_fault_pending *p;
	bool rearm;

	spin_lock(&iommu_fault_pending_lock);
	if (!nr_free || fdev->gone) {
		spin_unlock(&iommu_fault_pending_lock);
		return false;
	}
	p = list_first_entry(&iommu_fault_pending_free,
			     struct iommu_fault_pending, node);
	nr_free--;
	p->ctx = *ctx;
	p->ctx.cookie = slot_cookie(p);
	p->fdev = fdev;
	p->policy = policy;
	deadline = jiffies + msecs_to_jiffies(READ_ONCE(deadline_ms));
	p->deadline = deadline;
	p->state = defer ? PENDING_QUEUED : PENDING_PARKED;
	list_move_tail(&p->node, &iommu_fault_pending_live);
	if (defer) {
		iommu_fault_bench_mark(fdev, &p->ctx, IOMMU_FAULT_BENCH_QUEUED);
		queue_work(iommu_fault_wq, &p->work);
	}
	rearm = !watchdog_armed || time_before(deadline, watchdog_at);
	if (rearm) {
		watchdog_armed = true;
		watchdog_at = deadline;
	}
	spin_unlock(&iommu_fault_pending_lock);

	atomic64_inc(defer ? &fdev->stats.deferred : &fdev->stats.ignored);
	if (rearm)
		watchdog_arm(deadline);
	return true;
}

/* The deferred stage: the owning policy's sleepable op decides. */
static void pending_work(struct work_struct *work)
{
	struct iommu_fault_pending *p =
		container_of(work, struct iommu_fault_pending, work);
	struct iommu_fault_policy *policy;
	struct iommu_fault_dev *fdev;
	enum iommu_fault_action act;
	struct iommu_fault_ctx ctx;

	iommu_fault_bench_mark(p->fdev, &p->ctx,
			       IOMMU_FAULT_BENCH_STARTED);
	spin_lock(&iommu_fault_pending_lock);
	if (p->state != PENDING_QUEUED) {
		/* Claimed before we ran (ORPHANED): ours to free. */
		slot_free(p);
		spin_unlock(&iommu_fault_pending_lock);
		return;
	}
	p->state = PENDING_RUNNING;
	policy = p->policy;
	fdev = p->fdev;
	spin_unlock(&iommu_fault_pending_lock);

	act = iommu_fault_run_sleepable(policy, &p->ctx);

	spin_lock(&iommu_fault_pending_lock);
	if (p->state == PENDING_ORPHANED) {
		/* Answered meanwhile (deadline, detach, ...): verdict dropped. */
		slot_free(p);
		spin_unlock(&iommu_fault_pending_lock);
		return;
	}
	if (act == IOMMU_FAULT_ACT_PARK) {
		p->state = PENDING_PARKED;
		spin_unlock(&iommu_fault_pending_lock);
		return;
	}
	list_del_init(&p->node);
	ctx = p->ctx;
	slot_free(p);
	spin_unlock(&iommu_fault_pending_lock);

	if (act == IOMMU_FAULT_ACT_NEXT)
		iommu_fault_continue(fdev, &ctx, policy);
	else
		iommu_fault_apply(fdev, &ctx, policy, act);
}

/*
 * Claim and abort every live slot @match selects; @timeout counts them as
 * deadline expiries.  Returns how many.
 */
static unsigned int abort_matching(bool (*match)(struct iommu_fault_pending *,
						 const void *),
				   const void *arg, bool timeout)
{
	struct iommu_fault_pending *p, *tmp;
	unsigned int n = 0;
	LIST_HEAD(claimed);

	spin_lock(&iommu_fault_pending_lock);
	list_for_each_entry_safe(p, tmp, &iommu_fault_pending_live, node) {
		if (!match(p, arg))
			continue;
		if (slot_claim(p))
			list_add_tail(&p->node, &claimed);
	}
	spin_unlock(&iommu_fault_pending_lock);

	list_for_each_entry_safe(p, tmp, &claimed, node) {
		list_del_init(&p->node);
		if (timeout)
			atomic64_inc(&p->fdev->stats.timeouts);
		iommu_fault_answer(p->fdev, &p->ctx, false);
		slot_release(p);
		n++;
	}
	return n;
}

static bool match_policy(struct iommu_fault_pending *p, const void *arg)
{
	return p->policy == arg;
}

static bool match_dev(struct iommu_fault_pending *p, const void *arg)
{
	return p->fdev == arg;
}

/*
 * @policy is off every chain: abort its pending faults and wait for its
 * deferred stage to finish, so nothing refers to it afterwards.
 */
void iommu_fault_pending_policy_gone(struct iommu_fault_policy *policy)
{
	abort_matching(match_policy, policy, false);
	flush_workqueue(iommu_fault_wq);
}

/* Link update: @new inherits @old's pending faults. */
void iommu_fault_pending_policy_move(struct iommu_fault_policy *old,
				     struct iommu_fault_policy *new)
{
	struct iommu_fault_pending *p;

	spin_lock(&iommu_fault_pending_lock);
	list_for_each_entry(p, &iommu_fault_pending_live, node)
		if (p->policy == old)
			p->policy = new;
	spin_unlock(&iommu_fault_pending_lock);
	/* A worker that started with @old is done with it after this. */
	flush_workqueue(iommu_fault_wq);
}

/* Quarantine: abort the device's pending faults.  Does not sleep. */
void iommu_fault_pending_dev_abort(struct iommu_fault_dev *fdev)
{
	abort_matching(match_dev, fdev, false);
}

/* Device removal: nothing of @fdev may stay pending or running. */
void iommu_fault_pending_dev_gone(struct iommu_fault_dev *fdev)
{
	spin_lock(&iommu_fault_pending_lock);
	fdev->gone = true;
	spin_unlock(&iommu_fault_pending_lock);
	abort_matching(match_dev, fdev, false);
	flush_workqueue(iommu_fault_wq);
}

static bool match_expired(struct iommu_fault_pending *p, const void *arg)
{
	return time_after_eq(*(const unsigned long *)arg, slot_deadline(p));
}

static void pending_watchdog(struct work_struct *work)
{
	unsigned long now = jiffies, next = 0;
	struct iommu_fault_pending *p;
	bool more = false;

	abort_matching(match_expired, &now, true);

	/* Sleep until the earliest deadline left, if any. */
	spin_lock(&iommu_fault_pending_lock);
	list_for_each_entry(p, &iommu_fault_pending_live, node) {
		if (!more || time_before(slot_deadline(p), next))
			next = slot_deadline(p);
		more = true;
	}
	watchdog_armed = more;
	watchdog_at = next;
	spin_unlock(&iommu_fault_pending_lock);
	if (more)
		watchdog_arm(next);
}

/**
 * iommu_fault_respond() - answer a pending fault by its cookie
 * @cookie: iommu_fault_ctx::cookie of the fault
 * @status: HANDLED (retry), INVALID (abort) or FAILURE (abort and
 *	quarantine the device)
 *
 * Return: 0, -EINVAL for another status, -ENOENT when no fault with this
 * cookie is pending (already answered, or never was): nothing is sent.
 */
int iommu_fault_respond(u64 cookie, int status)
{
	u32 idx = (u32)cookie - 1, gen = cookie >> 32;
	struct iommu_fault_pending *p = NULL;

	if (status != IOMMU_FAULT_STATUS_HANDLED &&
	    status != IOMMU_FAULT_STATUS_INVALID &&
	    status != IOMMU_FAULT_STATUS_FAILURE)
		return -EINVAL;

	spin_lock(&iommu_fault_pending_lock);
	if (idx < pool_size && pool[idx].gen == gen && slot_claim(&pool[idx]))
		p = &pool[idx];
	spin_unlock(&iommu_fault_pending_lock);
	if (!p)
		return -ENOENT;

	iommu_fault_answer(p->fdev, &p->ctx,
			   status == IOMMU_FAULT_STATUS_HANDLED);
	if (status == IOMMU_FAULT_STATUS_FAILURE) {
		WRITE_ONCE(p->fdev->quarantined, true);
		iommu_fault_pending_dev_abort(p->fdev);
	}
	slot_release(p);
	return 0;
}

/*
 * The device of the fault whose sleepable op runs with @ctx (a slot's
 * context); NULL for any other pointer.  The device cannot go away while
 * the op runs: removal waits for the workqueue.
 */
struct device *iommu_fault_pending_ctx_device(const struct iommu_fault_ctx *ctx)
{
	struct iommu_fault_pending *p =
		container_of(ctx, struct iommu_fault_pending, ctx);

	if (!pool || p < pool || p >= pool + pool_size)
		return NULL;
	if (p->state != PENDING_RUNNING && p->state != PENDING_ORPHANED)
		return NULL;
	return p->fdev->dev;
}

int iommu_fault_pending_set_limits(u32 size, u32 ms)
{
	int ret = 0;

	if (size > IOMMU_FAULT_POOL_MAX || ms > IOMMU_FAULT_DEADLINE_MS_MAX)
		return -ERANGE;
	mutex_lock(&iommu_fault_limits_lock);
	if (size && size != pool_size)
		ret = pool_alloc(size);
	if (!ret && ms)
		WRITE_ONCE(deadline_ms, ms);
	mutex_unlock(&iommu_fault_limits_lock);
	return ret;
}

void iommu_fault_pending_limits(u32 *size, u32 *ms, u32 *in_use)
{
	spin_lock(&iommu_fault_pending_lock);
	*size = pool_size;
	*in_use = pool_size - nr_free;
	spin_unlock(&iommu_fault_pending_lock);
	*ms = READ_ONCE(deadline_ms);
}

/* Up to @max live faults, oldest first; *total gets how many there are. */
int iommu_fault_pending_list(struct iommu_fault_pending_info *out, u32 max,
			     u32 *total)
{
	u64 now = ktime_get_ns();
	struct iommu_fault_pending *p;
	u32 n = 0;

	spin_lock(&iommu_fault_pending_lock);
	list_for_each_entry(p, &iommu_fault_pending_live, node) {
		if (n < max) {
			struct iommu_fault_pending_info *i = &out[n];

			memset(i, 0, sizeof(*i));
			i->cookie = p->ctx.cookie;
			i->age_ns = now - p->ctx.timestamp;
			strscpy(i->dev, p->ctx.dev_name, sizeof(i->dev));
			strscpy(i->policy, p->policy->ops->name,
				sizeof(i->policy));
			i->addr = p->ctx.addr;
			i->sid = p->ctx.sid;
			i->pasid = p->ctx.pasid;
			i->flags = p->ctx.flags;
			i->deferred = p->state == PENDING_QUEUED ||
				      p->state == PENDING_RUNNING;
		}
		n++;
	}
	spin_unlock(&iommu_fault_pending_lock);
	*total = n;
	return min(n, max);
}
