// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf pending faults.
 *
 * A parked or deferred fault takes a slot of a pre-allocated pool, so the
 * fast stage never allocates; a full pool makes the dispatcher answer the
 * fault at once.  Every way of answering a pending fault (a response by
 * cookie, the deadline, quarantine, policy detach, device removal, the
 * deferred verdict) first *claims* the slot under the pool's lock:
 * only one claim succeeds, so a fault is answered exactly once, and a
 * stale cookie finds nothing.
 *
 * Slot states (the pool's lock):
 *   FREE       on the free list
 *   PARKED     live: waits for an answer or its deadline
 *   QUEUED     live: its policy's sleepable op is queued
 *   RUNNING    live: its policy's sleepable op runs
 *   ANSWERING  claimed: its claimer answers it, then frees it
 *   ORPHANED   claimed while its worker was starting or running: the
 *              claimer answers it, the worker's verdict is dropped, and
 *              the last of the two to finish frees it
 *   ABANDONED  an ORPHANED slot whose claimer is done: its worker frees it
 *
 * Live slots are on the live list in the order they were pended, which is
 * the order of their cookies and of their deadlines (the deadline is a
 * time since the fault was pended, the same for all).  A claimed slot is
 * off it, and only its claimer uses its list node.
 *
 * A slot's device and policy stay valid while it is live.  Whoever uses
 * them after dropping the lock holds a reference on both: a claimer until
 * it answered, a queued or running worker until it is done.  Device
 * removal and policy detach claim what they can and then wait for those
 * references, so neither returns while anyone still answers one of their
 * faults or runs one of their ops.
 */
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "iommu_fault_bench.h"
#include "iommu_fault_pending.h"
#include "iommu_fault_policy.h"

enum pending_state {
	PENDING_FREE,
	PENDING_PARKED,
	PENDING_QUEUED,
	PENDING_RUNNING,
	PENDING_ANSWERING,
	PENDING_ORPHANED,
	PENDING_ABANDONED,
};

/*
 * One slot of the pool: the context and what the answer needs.  While
 * the slot is in use, ctx.cookie names it (0 when free).  @pended keeps
 * the low 32 bits of jiffies: a live slot is claimed at its deadline, at
 * most an hour later.
 */
struct iommu_fault_pending {
	struct iommu_fault_ctx ctx;
	struct iommu_fault_dev *fdev;
	struct iommu_fault_policy *policy;
	struct list_head node;		/* live list, or the free list */
	struct work_struct work;
	u32 pended;			/* jiffies, low 32 bits */
	u32 state;			/* enum pending_state */
};

/* The context, 216 bytes, and 72 of bookkeeping (64-bit, no lockdep). */
#ifndef CONFIG_LOCKDEP
static_assert(sizeof(struct iommu_fault_pending) <= 288);
#endif

/* Slots claimed, answered and released per turn of the lock. */
#define PENDING_BATCH	32

static void pending_work(struct work_struct *work);
static void pending_watchdog(struct work_struct *work);

/*
 * The pool of a slot in use: its device's core's.  The device stays while
 * the slot is live, and while a worker or a claimer holds it.
 */
static struct iommu_fault_pool *slot_pool(const struct iommu_fault_pending *p)
{
	return &p->fdev->core->pool;
}

/* For the benchmark's floor: the deferred stage's workqueue, bare. */
void iommu_fault_pending_queue_work(struct iommu_fault_pool *pool,
				    struct work_struct *work)
{
	queue_work(pool->wq, work);
}

size_t iommu_fault_pending_slot_size(void)
{
	return sizeof(struct iommu_fault_pending);
}

static int pool_alloc(struct iommu_fault_pool *pool, u32 size)
{
	struct iommu_fault_pending *new_pool;
	unsigned long flags;
	LIST_HEAD(new_free);
	u32 i;

	/* A size the memory cannot hold is the caller's error: no warning. */
	new_pool = kvcalloc(size, sizeof(*new_pool), GFP_KERNEL | __GFP_NOWARN);
	if (!new_pool)
		return -ENOMEM;
	for (i = 0; i < size; i++) {
		INIT_WORK(&new_pool[i].work, pending_work);
		list_add_tail(&new_pool[i].node, &new_free);
		/* Tens of microseconds a slot with debug objects and KASAN. */
		if (!(i % 1024))
			cond_resched();
	}

	spin_lock_irqsave(&pool->lock, flags);
	/* Claimed and abandoned slots are not free: their users finish first. */
	if (pool->slots && pool->nr_free != pool->size) {
		spin_unlock_irqrestore(&pool->lock, flags);
		kvfree(new_pool);
		return -EBUSY;
	}
	swap(pool->slots, new_pool);
	INIT_LIST_HEAD(&pool->free);
	list_splice(&new_free, &pool->free);
	pool->size = size;
	pool->nr_free = size;
	pool->cookie_shift = order_base_2(size);
	spin_unlock_irqrestore(&pool->lock, flags);

	kvfree(new_pool);
	return 0;
}

/* Parked faults stall their devices: answer them before the machine stops. */
static int pending_reboot(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	iommu_fault_pending_abort_all(container_of(nb, struct iommu_fault_pool,
						   reboot_nb));
	return NOTIFY_DONE;
}

/**
 * iommu_fault_pool_init() - an empty pool of the default size
 * @pool: zeroed
 *
 * The pool is usable even when this fails: with no slot, every fault a
 * policy parks or defers is answered at once, as for a full pool.
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int iommu_fault_pool_init(struct iommu_fault_pool *pool)
{
	int ret;

	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->free);
	INIT_LIST_HEAD(&pool->live);
	pool->deadline_ms = IOMMU_FAULT_DEADLINE_MS_DEFAULT;
	INIT_DELAYED_WORK(&pool->watchdog, pending_watchdog);
	mutex_init(&pool->limits_lock);
	/* It answers stalled DMA, which reclaim may be waiting for. */
	pool->wq = alloc_workqueue("iommu_fault_bpf",
				   WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!pool->wq)
		return -ENOMEM;
	ret = pool_alloc(pool, IOMMU_FAULT_POOL_DEFAULT);
	if (ret) {
		destroy_workqueue(pool->wq);
		pool->wq = NULL;
		return ret;
	}
	pool->reboot_nb.notifier_call = pending_reboot;
	register_reboot_notifier(&pool->reboot_nb);
	return 0;
}

/**
 * iommu_fault_pool_destroy() - answer what is pending and free the pool
 * @pool: from iommu_fault_pool_init(), whose devices are all removed
 *
 * Context: process context, sleeps.
 */
void iommu_fault_pool_destroy(struct iommu_fault_pool *pool)
{
	if (!pool->wq)
		return;
	unregister_reboot_notifier(&pool->reboot_nb);
	iommu_fault_pending_abort_all(pool);
	destroy_workqueue(pool->wq);
	cancel_delayed_work_sync(&pool->watchdog);
	WARN_ON(pool->nr_free != pool->size);
	kvfree(pool->slots);
	pool->slots = NULL;
	pool->wq = NULL;
}

/* Back to the free list; the cookie it had names nothing from now on. */
static void slot_free(struct iommu_fault_pool *pool,
		      struct iommu_fault_pending *p)
{
	lockdep_assert_held(&pool->lock);
	p->state = PENDING_FREE;
	p->ctx.cookie = 0;
	p->policy = NULL;
	p->fdev = NULL;
	list_add(&p->node, &pool->free);
	pool->nr_free++;
}

static bool slot_live(const struct iommu_fault_pending *p)
{
	return p->state == PENDING_PARKED || p->state == PENDING_QUEUED ||
	       p->state == PENDING_RUNNING;
}

/* A cookie larger than any before, naming @p. */
static u64 slot_new_cookie(struct iommu_fault_pool *pool,
			   struct iommu_fault_pending *p)
{
	unsigned int shift = pool->cookie_shift;

	lockdep_assert_held(&pool->lock);
	pool->last_cookie = (((pool->last_cookie >> shift) + 1) << shift) |
			    (u64)(p - pool->slots);
	return pool->last_cookie;
}

/* The slot @cookie names, if it is still in use with that cookie. */
static struct iommu_fault_pending *cookie_slot(struct iommu_fault_pool *pool,
					       u64 cookie)
{
	u64 idx = cookie & (BIT_ULL(pool->cookie_shift) - 1);

	lockdep_assert_held(&pool->lock);
	if (!cookie || idx >= pool->size || pool->slots[idx].ctx.cookie != cookie)
		return NULL;
	return &pool->slots[idx];
}

/* The live slot after @p, or NULL. */
static struct iommu_fault_pending *live_next(struct iommu_fault_pool *pool,
					     struct iommu_fault_pending *p)
{
	return list_is_last(&p->node, &pool->live) ? NULL :
	       list_next_entry(p, node);
}

/* The first live slot pended after the one @cookie named (0: the first). */
static struct iommu_fault_pending *live_after(struct iommu_fault_pool *pool,
					      u64 cookie)
{
	struct iommu_fault_pending *p = cookie_slot(pool, cookie);

	if (p && slot_live(p))
		return live_next(pool, p);
	/* Gone meanwhile: skip what came before it (cookies grow). */
	list_for_each_entry(p, &pool->live, node)
		if (p->ctx.cookie > cookie)
			return p;
	return NULL;
}

/* When live slot @p reaches its deadline, as a full jiffies value. */
static unsigned long slot_deadline(struct iommu_fault_pool *pool,
				   const struct iommu_fault_pending *p)
{
	unsigned long pended = jiffies - (u32)((u32)jiffies - p->pended);

	return pended + msecs_to_jiffies(READ_ONCE(pool->deadline_ms));
}

/*
 * Claim a live slot for answering.  Returns true when the caller now owns
 * the answer: it answers p->ctx for p->fdev and holds a reference on the
 * device and on the policy until slot_release(p), so that neither device
 * removal nor policy detach returns while it answers.
 */
static bool slot_claim(struct iommu_fault_pool *pool,
		       struct iommu_fault_pending *p)
{
	lockdep_assert_held(&pool->lock);
	switch (p->state) {
	case PENDING_QUEUED:
		if (cancel_work(&p->work)) {
			/* It will not run: its references are the claimer's. */
			p->state = PENDING_ANSWERING;
			list_del_init(&p->node);
			return true;
		}
		/* Its worker is starting: it will see ORPHANED. */
		p->state = PENDING_ORPHANED;
		break;
	case PENDING_PARKED:
		p->state = PENDING_ANSWERING;
		break;
	case PENDING_RUNNING:
		p->state = PENDING_ORPHANED;
		break;
	default:
		return false;
	}
	iommu_fault_dev_get(p->fdev);
	iommu_fault_policy_get(p->policy);
	list_del_init(&p->node);
	return true;
}

/* After the claimer answered: it lets go of the slot and its references. */
static void slot_release(struct iommu_fault_pool *pool,
			 struct iommu_fault_pending *p)
{
	struct iommu_fault_policy *policy = p->policy;
	struct iommu_fault_dev *fdev = p->fdev;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	if (p->state == PENDING_ANSWERING)
		slot_free(pool, p);
	else
		p->state = PENDING_ABANDONED;	/* ORPHANED: the worker frees it */
	spin_unlock_irqrestore(&pool->lock, flags);
	iommu_fault_policy_put(policy);
	iommu_fault_dev_put(fdev);
}

/* A worker of a claimed slot is done with it (its verdict is dropped). */
static void slot_worker_done(struct iommu_fault_pool *pool,
			     struct iommu_fault_pending *p)
{
	lockdep_assert_held(&pool->lock);
	if (p->state == PENDING_ORPHANED)
		p->state = PENDING_ANSWERING;	/* the claimer frees it */
	else
		slot_free(pool, p);		/* ABANDONED */
}

/*
 * Queue the watchdog for @at, under the lock: whoever changes what the
 * oldest deadline is also has the last word on when it fires.
 */
static void watchdog_arm(struct iommu_fault_pool *pool, unsigned long at)
{
	long delay = (long)(at - jiffies);

	lockdep_assert_held(&pool->lock);
	pool->watchdog_armed = true;
	pool->watchdog_at = at;
	mod_delayed_work(system_wq, &pool->watchdog, max(delay, 0L));
}

int iommu_fault_pend(struct iommu_fault_dev *fdev,
		     struct iommu_fault_policy *policy,
		     const struct iommu_fault_ctx *ctx, bool defer)
{
	struct iommu_fault_pool *pool = &fdev->core->pool;
	struct iommu_fault_pending *p;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&pool->lock, flags);
	/*
	 * Checked under the lock: a removal or a quarantine sweep that takes
	 * it after us finds the slot, one before us is seen here.
	 */
	if (fdev->gone) {
		ret = -ENODEV;
		goto unlock;
	}
	if (iommu_fault_dev_quarantined(fdev)) {
		ret = -EPERM;
		goto unlock;
	}
	if (!pool->nr_free) {
		ret = -ENOSPC;
		goto unlock;
	}
	p = list_first_entry(&pool->free, struct iommu_fault_pending, node);
	pool->nr_free--;
	p->ctx = *ctx;
	p->ctx.cookie = slot_new_cookie(pool, p);
	p->fdev = fdev;
	p->policy = policy;
	p->pended = jiffies;
	list_move_tail(&p->node, &pool->live);
	if (defer) {
		p->state = PENDING_QUEUED;
		iommu_fault_dev_get(fdev);
		iommu_fault_policy_get(policy);
		iommu_fault_bench_mark(fdev, &p->ctx, IOMMU_FAULT_BENCH_QUEUED);
		queue_work(pool->wq, &p->work);
	} else {
		p->state = PENDING_PARKED;
	}
	/*
	 * The newest deadline is the latest, unless the deadline was lowered
	 * since the watchdog was queued for a slot answered by now.
	 */
	if (!pool->watchdog_armed ||
	    time_before(slot_deadline(pool, p), pool->watchdog_at))
		watchdog_arm(pool, slot_deadline(pool, p));
unlock:
	spin_unlock_irqrestore(&pool->lock, flags);
	if (ret)
		return ret;
	atomic64_inc(defer ? &fdev->stats.deferred : &fdev->stats.ignored);
	return 0;
}

/* The deferred stage: the owning policy's sleepable op decides. */
static void pending_work(struct work_struct *work)
{
	struct iommu_fault_pending *p =
		container_of(work, struct iommu_fault_pending, work);
	/* Queued or running, the slot keeps its device: the worker's ref. */
	struct iommu_fault_pool *pool = slot_pool(p);
	struct iommu_fault_policy *policy;
	struct iommu_fault_dev *fdev;
	enum iommu_fault_action act;
	struct iommu_fault_ctx ctx;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	policy = p->policy;
	fdev = p->fdev;
	iommu_fault_bench_mark(fdev, &p->ctx, IOMMU_FAULT_BENCH_STARTED);
	if (p->state != PENDING_QUEUED) {
		/* Claimed before it started: its claimer answers it. */
		slot_worker_done(pool, p);
		goto unlock;
	}
	p->state = PENDING_RUNNING;
	spin_unlock_irqrestore(&pool->lock, flags);

	act = iommu_fault_run_sleepable(policy, &p->ctx);

	spin_lock_irqsave(&pool->lock, flags);
	if (p->state != PENDING_RUNNING) {
		/* Claimed meanwhile (deadline, detach, ...): verdict dropped. */
		slot_worker_done(pool, p);
		goto unlock;
	}
	if (act == IOMMU_FAULT_ACT_PARK) {
		p->state = PENDING_PARKED;	/* its place and deadline stay */
		goto unlock;
	}
	list_del_init(&p->node);
	ctx = p->ctx;
	slot_free(pool, p);
	spin_unlock_irqrestore(&pool->lock, flags);

	if (act == IOMMU_FAULT_ACT_NEXT)
		iommu_fault_continue(fdev, &ctx, policy);
	else
		iommu_fault_apply(fdev, &ctx, policy, act);
	goto put;
unlock:
	spin_unlock_irqrestore(&pool->lock, flags);
put:
	iommu_fault_policy_put(policy);
	iommu_fault_dev_put(fdev);
}

#if IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_TEST_SEAMS)
/* KUnit: @done completes once a link update has moved the faults. */
void iommu_fault_pending_test_on_move(struct iommu_fault_pool *pool,
				      struct completion *done)
{
	WRITE_ONCE(pool->test_moved, done);
}

static void test_note_moved(struct iommu_fault_pool *pool)
{
	struct completion *done = READ_ONCE(pool->test_moved);

	if (done)
		complete(done);
}

/*
 * KUnit: the most live slots a watchdog run looked at beyond those it
 * aborted (at most one: the first that had not expired).
 */
u32 iommu_fault_pending_test_watchdog_overscan(struct iommu_fault_pool *pool)
{
	return READ_ONCE(pool->test_overscan);
}

static void test_note_watchdog(struct iommu_fault_pool *pool,
			       unsigned int visited, unsigned int aborted)
{
	if (visited - aborted > pool->test_overscan)
		WRITE_ONCE(pool->test_overscan, visited - aborted);
}
#else
static inline void test_note_moved(struct iommu_fault_pool *pool)
{
}

static inline void test_note_watchdog(struct iommu_fault_pool *pool,
				      unsigned int visited,
				      unsigned int aborted)
{
}
#endif

/* What a sweep of the live list claims. */
struct pending_sweep {
	bool (*match)(struct iommu_fault_pool *pool,
		      struct iommu_fault_pending *p, const void *arg);
	const void *arg;
	bool timeout;		/* count them as deadline expiries */
	bool stop_early;	/* the first live slot not matched ends it */
	unsigned int visited;	/* out: live slots looked at */
};

/*
 * Claim and abort every live slot @s matches, PENDING_BATCH at a time so
 * that the lock is never held for long.  Returns how many.
 */
static unsigned int sweep(struct iommu_fault_pool *pool,
			  struct pending_sweep *s)
{
	struct iommu_fault_pending *p, *tmp;
	unsigned long flags;
	unsigned int n = 0, batch;
	u64 cursor = 0;
	bool more = true;
	LIST_HEAD(claimed);

	while (more) {
		batch = 0;
		spin_lock_irqsave(&pool->lock, flags);
		p = live_after(pool, cursor);
		while (p && batch < PENDING_BATCH) {
			tmp = live_next(pool, p);
			s->visited++;
			if (s->match(pool, p, s->arg)) {
				slot_claim(pool, p);
				list_add_tail(&p->node, &claimed);
				batch++;
			} else if (s->stop_early) {
				tmp = NULL;
			} else {
				cursor = p->ctx.cookie;
			}
			p = tmp;
		}
		more = p;
		spin_unlock_irqrestore(&pool->lock, flags);

		list_for_each_entry_safe(p, tmp, &claimed, node) {
			list_del_init(&p->node);
			if (s->timeout)
				atomic64_inc(&p->fdev->stats.timeouts);
			iommu_fault_answer(p->fdev, &p->ctx, false);
			slot_release(pool, p);
			n++;
		}
	}
	return n;
}

static bool match_policy(struct iommu_fault_pool *pool,
			 struct iommu_fault_pending *p, const void *arg)
{
	return p->policy == arg;
}

static bool match_dev(struct iommu_fault_pool *pool,
		      struct iommu_fault_pending *p, const void *arg)
{
	return p->fdev == arg;
}

static bool match_any(struct iommu_fault_pool *pool,
		      struct iommu_fault_pending *p, const void *arg)
{
	return true;
}

static bool match_expired(struct iommu_fault_pool *pool,
			  struct iommu_fault_pending *p, const void *arg)
{
	return time_after_eq(*(const unsigned long *)arg,
			     slot_deadline(pool, p));
}

/*
 * @policy is off every chain: abort its pending faults and wait until no
 * op of it runs and no worker refers to it.
 */
void iommu_fault_pending_policy_gone(struct iommu_fault_policy *policy)
{
	struct pending_sweep s = { .match = match_policy, .arg = policy };

	sweep(&policy->core->pool, &s);
	iommu_fault_policy_wait_unused(policy);
}

/*
 * Link update: @new takes over @old's parked faults and, when it takes
 * @old's place (@same_place: same chain, same priority), its queued ones.
 * Queued faults of a replacement elsewhere run @old's sleepable op, which
 * still exists until this returns; so do the ones already running.
 * Returns once nothing refers to @old.
 */
void iommu_fault_pending_policy_move(struct iommu_fault_policy *old,
				     struct iommu_fault_policy *new,
				     bool same_place)
{
	struct iommu_fault_pool *pool = &old->core->pool;
	struct iommu_fault_pending *p;
	unsigned long flags;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		spin_lock_irqsave(&pool->lock, flags);
		list_for_each_entry(p, &pool->live, node) {
			if (p->policy != old)
				continue;
			if (p->state == PENDING_PARKED) {
				p->policy = new;
			} else if (p->state == PENDING_QUEUED && same_place) {
				/* Its worker will run @new's op. */
				iommu_fault_policy_get(new);
				iommu_fault_policy_put(old);
				p->policy = new;
			}
		}
		spin_unlock_irqrestore(&pool->lock, flags);
		/* Then the faults @old's workers parked, once they are done. */
		if (!pass) {
			test_note_moved(pool);
			iommu_fault_policy_wait_unused(old);
		}
	}
}

/* Quarantine: abort the device's pending faults.  Does not sleep. */
void iommu_fault_pending_dev_abort(struct iommu_fault_dev *fdev)
{
	struct pending_sweep s = { .match = match_dev, .arg = fdev };

	sweep(&fdev->core->pool, &s);
}

/*
 * Device removal: @fdev takes no new pending fault, and the ones it has
 * are aborted.  The caller then waits for the device's references.
 */
void iommu_fault_pending_dev_gone(struct iommu_fault_dev *fdev)
{
	struct iommu_fault_pool *pool = &fdev->core->pool;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	fdev->gone = true;
	spin_unlock_irqrestore(&pool->lock, flags);
	iommu_fault_pending_dev_abort(fdev);
}

/* Every pending fault of every device, aborted (shutdown). */
void iommu_fault_pending_abort_all(struct iommu_fault_pool *pool)
{
	struct pending_sweep s = { .match = match_any };

	sweep(pool, &s);
}

/* Aborts what reached its deadline: the oldest slots, nothing beyond. */
static void pending_watchdog(struct work_struct *work)
{
	struct iommu_fault_pool *pool =
		container_of(to_delayed_work(work), struct iommu_fault_pool,
			     watchdog);
	unsigned long now = jiffies, flags;
	struct pending_sweep s = {
		.match = match_expired, .arg = &now,
		.timeout = true, .stop_early = true,
	};
	struct iommu_fault_pending *p;
	unsigned int n;

	n = sweep(pool, &s);
	test_note_watchdog(pool, s.visited, n);

	/* Sleep until the oldest deadline left, if any. */
	spin_lock_irqsave(&pool->lock, flags);
	p = list_first_entry_or_null(&pool->live, struct iommu_fault_pending,
				     node);
	pool->watchdog_armed = false;
	if (p)
		watchdog_arm(pool, slot_deadline(pool, p));
	spin_unlock_irqrestore(&pool->lock, flags);
}

/**
 * iommu_fault_respond() - answer a pending fault by its cookie
 * @pool: the pool of the core the fault is pending in
 * @cookie: iommu_fault_ctx::cookie of the fault
 * @status: HANDLED (retry), INVALID (abort) or FAILURE (abort and
 *	quarantine the device)
 * @dev: when not NULL, only a fault of the device of this name may be
 *	answered (the caller is a policy bound to one device)
 *
 * Context: any; does not sleep.
 * Return: 0, -EINVAL for another status, -ENOENT when no fault with this
 * cookie is pending (already answered, or never was), -EPERM when it is
 * another device's: nothing is sent.
 */
int iommu_fault_respond(struct iommu_fault_pool *pool, u64 cookie,
			int status, const char *dev)
{
	struct iommu_fault_pending *p;
	unsigned long flags;
	int ret = 0;

	if (status != IOMMU_FAULT_STATUS_HANDLED &&
	    status != IOMMU_FAULT_STATUS_INVALID &&
	    status != IOMMU_FAULT_STATUS_FAILURE)
		return -EINVAL;

	spin_lock_irqsave(&pool->lock, flags);
	p = cookie_slot(pool, cookie);
	if (!p || !slot_live(p))
		ret = -ENOENT;
	else if (dev && strcmp(dev, dev_name(p->fdev->dev)))
		ret = -EPERM;
	else
		slot_claim(pool, p);
	spin_unlock_irqrestore(&pool->lock, flags);
	if (ret)
		return ret;

	iommu_fault_answer(p->fdev, &p->ctx,
			   status == IOMMU_FAULT_STATUS_HANDLED);
	if (status == IOMMU_FAULT_STATUS_FAILURE)
		iommu_fault_quarantine(p->fdev);
	slot_release(pool, p);
	return 0;
}

/*
 * The policy whose sleepable op the current task runs, if any: the
 * slot's, while its worker holds a reference on it.
 */
struct iommu_fault_policy *iommu_fault_pending_running_policy(void)
{
	struct work_struct *work = current_work();
	struct iommu_fault_pending *p;

	if (!work || work->func != pending_work)
		return NULL;
	p = container_of(work, struct iommu_fault_pending, work);
	return p->policy;
}

/*
 * The device of the fault whose sleepable op runs with @ctx (a slot's
 * context); NULL for any other pointer.  The device cannot go away while
 * the op runs: its worker holds a reference.
 */
struct device *iommu_fault_pending_ctx_device(const struct iommu_fault_ctx *ctx)
{
	struct iommu_fault_pending *p =
		container_of(ctx, struct iommu_fault_pending, ctx);
	struct work_struct *work = current_work();

	if (!work || work->func != pending_work ||
	    &p->work != work)
		return NULL;
	return p->fdev->dev;
}

int iommu_fault_pending_set_limits(struct iommu_fault_pool *pool, u32 size,
				   u32 ms)
{
	struct iommu_fault_pending *p;
	unsigned long flags;
	int ret = 0;

	if (size > IOMMU_FAULT_POOL_MAX || ms > IOMMU_FAULT_DEADLINE_MS_MAX)
		return -ERANGE;
	mutex_lock(&pool->limits_lock);
	if (size && size != pool->size)
		ret = pool_alloc(pool, size);
	if (!ret && ms) {
		/* Every pending fault's deadline moves: rearm for the oldest. */
		spin_lock_irqsave(&pool->lock, flags);
		WRITE_ONCE(pool->deadline_ms, ms);
		p = list_first_entry_or_null(&pool->live,
					     struct iommu_fault_pending, node);
		if (p)
			watchdog_arm(pool, slot_deadline(pool, p));
		spin_unlock_irqrestore(&pool->lock, flags);
	}
	mutex_unlock(&pool->limits_lock);
	return ret;
}

void iommu_fault_pending_limits(struct iommu_fault_pool *pool, u32 *size,
				u32 *ms, u32 *in_use)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	*size = pool->size;
	*in_use = pool->size - pool->nr_free;
	spin_unlock_irqrestore(&pool->lock, flags);
	*ms = READ_ONCE(pool->deadline_ms);
}

/*
 * Up to @max live faults pended after the one @after names (0: from the
 * oldest), oldest first.  At most PENDING_BATCH: list the rest with the
 * cookie of the last one.  Returns how many.
 */
int iommu_fault_pending_list(struct iommu_fault_pool *pool, u64 after,
			     struct iommu_fault_pending_info *out, u32 max)
{
	struct iommu_fault_pending *p;
	unsigned long flags;
	u32 n = 0;

	max = min_t(u32, max, PENDING_BATCH);
	spin_lock_irqsave(&pool->lock, flags);
	for (p = live_after(pool, after); p && n < max; p = live_next(pool, p)) {
		struct iommu_fault_pending_info *i = &out[n++];

		memset(i, 0, sizeof(*i));
		i->cookie = p->ctx.cookie;
		i->reported_ns = p->ctx.timestamp;
		strscpy(i->dev, p->ctx.dev_name, sizeof(i->dev));
		strscpy(i->policy, p->policy->ops->name, sizeof(i->policy));
		i->addr = p->ctx.addr;
		i->sid = p->ctx.sid;
		i->pasid = p->ctx.pasid;
		i->flags = p->ctx.flags;
		i->deferred = p->state != PENDING_PARKED;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return n;
}

#if IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_TEST_SEAMS)
/*
 * Tests (KUnit, the edu driver's populate_hold): at most @n sleepable ops
 * at once, so that the next stay queued; 0 for the default again.
 */
void iommu_fault_pending_test_max_active(struct iommu_fault_pool *pool, int n)
{
	workqueue_set_max_active(pool->wq, n ? n : WQ_DFL_ACTIVE);
}

/* KUnit: every worker queued so far has finished. */
void iommu_fault_pending_test_flush(struct iommu_fault_pool *pool)
{
	flush_workqueue(pool->wq);
}
#endif
