// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf pending faults: the pool, and only the pool.
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
 *
 * The pool answers nothing and runs no op itself: it hands claimed slots
 * to its caller, the dispatcher, which answers them and releases them.
 * The work items it queues (the deferred stage, the expiry) are the
 * dispatcher's, given at init.
 */
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "iommu_fault_bpf_private.h"

enum pending_state {
	PENDING_FREE,
	PENDING_PARKED,
	PENDING_QUEUED,
	PENDING_RUNNING,
	PENDING_ANSWERING,
	PENDING_ORPHANED,
	PENDING_ABANDONED,
};

/* The context, 216 bytes, and 80 of bookkeeping (64-bit, no lockdep). */
#ifndef CONFIG_LOCKDEP
static_assert(sizeof(struct iommu_fault_pending) <= 296);
#endif

/* Slots claimed per turn of the lock. */
#define PENDING_BATCH	32

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
		INIT_WORK(&new_pool[i].work, pool->deferred_stage);
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

/**
 * iommu_fault_pool_init() - an empty pool of the default size
 * @pool: zeroed
 * @deferred_stage: the work each slot queues for a deferred fault
 * @expire: the work that answers slots at their deadline; it claims them
 *	with an IOMMU_FAULT_SWEEP_EXPIRED sweep, then calls
 *	iommu_fault_pending_rearm()
 *
 * The pool is usable even when this fails: with no slot, every fault a
 * policy parks or defers is answered at once, as for a full pool.
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int iommu_fault_pool_init(struct iommu_fault_pool *pool,
			  work_func_t deferred_stage, work_func_t expire)
{
	int ret;

	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->free);
	INIT_LIST_HEAD(&pool->live);
	pool->deadline_ms = IOMMU_FAULT_DEADLINE_MS_DEFAULT;
	pool->deferred_stage = deferred_stage;
	INIT_DELAYED_WORK(&pool->watchdog, expire);
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
	}
	return ret;
}

/**
 * iommu_fault_pool_destroy() - free an empty pool
 * @pool: from iommu_fault_pool_init(), with nothing pending
 *
 * Context: process context, sleeps.
 */
void iommu_fault_pool_destroy(struct iommu_fault_pool *pool)
{
	if (!pool->wq)
		return;
	destroy_workqueue(pool->wq);
	cancel_delayed_work_sync(&pool->watchdog);
	WARN_ON(pool->nr_free != pool->size);
	kvfree(pool->slots);
	pool->slots = NULL;
	pool->wq = NULL;
}

/*
 * make bench's goal: a pending fault in 256 bytes (lockdep makes the work
 * item larger).
 */
static_assert(IS_ENABLED(CONFIG_LOCKDEP) ||
	      sizeof(struct iommu_fault_pending) <= 256);

/* Back to the free list; the cookie it had names nothing from now on. */
static void slot_free(struct iommu_fault_pool *pool,
		      struct iommu_fault_pending *p)
{
	lockdep_assert_held(&pool->lock);
	p->state = PENDING_FREE;
	p->rec.cookie = 0;
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
	if (!cookie || idx >= pool->size || pool->slots[idx].rec.cookie != cookie)
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
		if (p->rec.cookie > cookie)
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
 * the answer: it answers p's fault for p->fdev and holds a reference on the
 * device and on the policy until iommu_fault_pending_release(), so that
 * neither device removal nor policy detach returns while it answers.
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

/**
 * iommu_fault_pending_release() - the claimer of @p answered it
 * @pool: @p's pool
 * @p: a slot the caller claimed
 *
 * Lets go of the slot and of the references the claim took.
 *
 * Context: any; does not sleep.
 */
void iommu_fault_pending_release(struct iommu_fault_pool *pool,
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

/**
 * iommu_fault_pending_ctx() - the context of a pending fault
 * @p: a slot in use: live, claimed, or its worker's
 * @ctx: out: @p's fault, as its sleepable op and its answer see it
 *
 * Context: any; does not sleep.  @p's device is held by its worker or its
 * claimer.
 */
void iommu_fault_pending_ctx(const struct iommu_fault_pending *p,
			     struct iommu_fault_ctx *ctx)
{
	ctx->stage = IOMMU_FAULT_STAGE_SLEEPABLE;
	ctx->__reserved = 0;
	memcpy(ctx->dev_name, p->fdev->name, sizeof(ctx->dev_name));
	ctx->rec = p->rec;
}

/**
 * iommu_fault_pending_take() - keep a fault pending in a slot
 * @fdev: its device
 * @policy: the policy that parked or deferred it
 * @ctx: the fault; copied, with a new cookie (and the time, if it has none)
 * @handle: the driver's handle on it, kept for the answer
 * @defer: queue the deferred stage for it, instead of parking it
 *
 * Context: any; does not sleep.
 * Return: 0; -ENOSPC when the pool is full, -EPERM when @fdev is
 * quarantined, -ENODEV when it is being removed: the caller answers it.
 */
int iommu_fault_pending_take(struct iommu_fault_dev *fdev,
			     struct iommu_fault_policy *policy,
			     const struct iommu_fault_ctx *ctx, void *handle,
			     bool defer)
{
	struct iommu_fault_pool *pool = &fdev->core->pool;
	/* Not stamped when reported: its time pending counts from here. */
	u64 since = ctx->timestamp ?: ktime_get_ns();
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
	p->rec = ctx->rec;
	p->rec.timestamp = since;
	p->rec.cookie = slot_new_cookie(pool, p);
	p->handle = handle;
	p->fdev = fdev;
	p->policy = policy;
	p->pended = jiffies;
	list_move_tail(&p->node, &pool->live);
	if (defer) {
		p->state = PENDING_QUEUED;
		iommu_fault_dev_get(fdev);
		iommu_fault_policy_get(policy);
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

/**
 * iommu_fault_pending_run_begin() - the deferred stage of @p starts
 * @pool: @p's pool
 * @p: the slot whose work runs
 * @fdev: out: its device; the worker's reference, put when it is done
 * @policy: out: the policy whose sleepable op runs; ditto
 *
 * Return: false when the slot was claimed before its work started: its
 * claimer answers it, and the worker only puts its references.
 */
bool iommu_fault_pending_run_begin(struct iommu_fault_pool *pool,
				   struct iommu_fault_pending *p,
				   struct iommu_fault_dev **fdev,
				   struct iommu_fault_policy **policy)
{
	unsigned long flags;
	bool run = true;

	spin_lock_irqsave(&pool->lock, flags);
	*policy = p->policy;
	*fdev = p->fdev;
	if (p->state == PENDING_QUEUED)
		p->state = PENDING_RUNNING;
	else
		run = false;
	if (!run)
		slot_worker_done(pool, p);
	spin_unlock_irqrestore(&pool->lock, flags);
	return run;
}

/**
 * iommu_fault_pending_run_end() - the sleepable op of @p returned
 * @pool: @p's pool
 * @p: the slot whose work runs
 * @park: the op parked the fault (IGNORE): it stays pending, in its place
 *	and with its deadline
 * @handle: out, for IOMMU_FAULT_RUN_DONE: the driver's handle on it
 *
 * Return: what became of the slot.
 */
enum iommu_fault_run_end
iommu_fault_pending_run_end(struct iommu_fault_pool *pool,
			    struct iommu_fault_pending *p, bool park,
			    void **handle)
{
	enum iommu_fault_run_end end;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	if (p->state != PENDING_RUNNING) {
		/* Claimed meanwhile (deadline, detach, ...): verdict dropped. */
		slot_worker_done(pool, p);
		end = IOMMU_FAULT_RUN_DROPPED;
	} else if (park) {
		p->state = PENDING_PARKED;
		end = IOMMU_FAULT_RUN_PARKED;
	} else {
		list_del_init(&p->node);
		*handle = p->handle;
		slot_free(pool, p);
		end = IOMMU_FAULT_RUN_DONE;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return end;
}

#if IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_TEST_SEAMS)
/* KUnit: @done completes once a link update has moved the faults. */
void iommu_fault_pending_test_on_move(struct iommu_fault_pool *pool,
				      struct completion *done)
{
	WRITE_ONCE(pool->test_moved, done);
}

void iommu_fault_pending_test_note_moved(struct iommu_fault_pool *pool)
{
	struct completion *done = READ_ONCE(pool->test_moved);

	if (done)
		complete(done);
}

/*
 * KUnit: the most live slots an expiry looked at beyond those it aborted
 * (at most one: the first that had not expired).
 */
u32 iommu_fault_pending_test_watchdog_overscan(struct iommu_fault_pool *pool)
{
	return READ_ONCE(pool->test_overscan);
}

void iommu_fault_pending_test_note_watchdog(struct iommu_fault_pool *pool,
					    unsigned int visited,
					    unsigned int aborted)
{
	if (visited - aborted > pool->test_overscan)
		WRITE_ONCE(pool->test_overscan, visited - aborted);
}
#endif

void iommu_fault_sweep_init(struct iommu_fault_sweep *s,
			    enum iommu_fault_sweep_match match,
			    const void *arg)
{
	*s = (struct iommu_fault_sweep) {
		.match = match, .arg = arg, .now = jiffies,
	};
}

static bool sweep_matches(struct iommu_fault_pool *pool,
			  const struct iommu_fault_sweep *s,
			  const struct iommu_fault_pending *p)
{
	switch (s->match) {
	case IOMMU_FAULT_SWEEP_ALL:
		return true;
	case IOMMU_FAULT_SWEEP_POLICY:
		return p->policy == s->arg;
	case IOMMU_FAULT_SWEEP_DEV:
		return p->fdev == s->arg;
	case IOMMU_FAULT_SWEEP_EXPIRED:
		return time_after_eq(s->now, slot_deadline(pool, p));
	}
	return false;
}

/**
 * iommu_fault_pending_claim_batch() - claim the next live slots of a sweep
 * @pool: the pool
 * @s: from iommu_fault_sweep_init(); sets @s->done when no live slot is
 *	left to look at
 * @claimed: gets the slots claimed, to answer and then release
 *
 * At most a batch per call, so the lock is never held for long.  An
 * expiry sweep stops at the first slot that has not expired: the live
 * list is in deadline order.
 *
 * Context: any; does not sleep.
 * Return: how many slots it claimed.
 */
unsigned int iommu_fault_pending_claim_batch(struct iommu_fault_pool *pool,
					     struct iommu_fault_sweep *s,
					     struct list_head *claimed)
{
	struct iommu_fault_pending *p, *next;
	unsigned int batch = 0;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	p = live_after(pool, s->cursor);
	while (p && batch < PENDING_BATCH) {
		next = live_next(pool, p);
		s->visited++;
		if (sweep_matches(pool, s, p)) {
			slot_claim(pool, p);
			list_add_tail(&p->node, claimed);
			batch++;
		} else if (s->match == IOMMU_FAULT_SWEEP_EXPIRED) {
			next = NULL;
		} else {
			s->cursor = p->rec.cookie;
		}
		p = next;
	}
	s->done = !p;
	spin_unlock_irqrestore(&pool->lock, flags);
	return batch;
}

/**
 * iommu_fault_pending_move() - a link update moves @old's pending faults
 * @pool: their pool
 * @old: the policy replaced
 * @new: its replacement
 * @same_place: @new takes @old's place (same chain, same priority)
 *
 * @new takes over @old's parked faults and, in @old's place, its queued
 * ones.  Queued faults of a replacement elsewhere run @old's sleepable
 * op, which still exists until the update returns; so do the ones already
 * running.  The caller calls it again once @old's workers are done, for
 * the faults they parked.
 */
void iommu_fault_pending_move(struct iommu_fault_pool *pool,
			      struct iommu_fault_policy *old,
			      struct iommu_fault_policy *new, bool same_place)
{
	struct iommu_fault_pending *p;
	unsigned long flags;

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
}

/*
 * @gone: @fdev takes no new pending fault from now on (its removal, or the
 * start of a quiesce); !@gone: it takes them again (a quiesce's end).
 */
void iommu_fault_pending_set_gone(struct iommu_fault_dev *fdev, bool gone)
{
	struct iommu_fault_pool *pool = &fdev->core->pool;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	fdev->gone = gone;
	spin_unlock_irqrestore(&pool->lock, flags);
}

/* After an expiry sweep: sleep until the oldest deadline left, if any. */
void iommu_fault_pending_rearm(struct iommu_fault_pool *pool)
{
	struct iommu_fault_pending *p;
	unsigned long flags;

	spin_lock_irqsave(&pool->lock, flags);
	p = list_first_entry_or_null(&pool->live, struct iommu_fault_pending,
				     node);
	pool->watchdog_armed = false;
	if (p)
		watchdog_arm(pool, slot_deadline(pool, p));
	spin_unlock_irqrestore(&pool->lock, flags);
}

/**
 * iommu_fault_pending_claim_cookie() - claim the fault a cookie names
 * @pool: the pool
 * @cookie: iommu_fault_ctx::cookie of the fault
 * @dev: when not NULL, only a fault of the device of this name may be
 *	claimed (the caller is a policy bound to one device)
 * @claimed: out: the slot, to answer and then release
 *
 * Context: any; does not sleep.
 * Return: 0; -ENOENT when no fault with this cookie is pending (answered
 * already, or never was), -EPERM when it is another device's.
 */
int iommu_fault_pending_claim_cookie(struct iommu_fault_pool *pool,
				     u64 cookie, const char *dev,
				     struct iommu_fault_pending **claimed)
{
	struct iommu_fault_pending *p;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&pool->lock, flags);
	p = cookie_slot(pool, cookie);
	if (!p || !slot_live(p))
		ret = -ENOENT;
	else if (dev && strcmp(dev, p->fdev->name))
		ret = -EPERM;
	else
		slot_claim(pool, p);
	spin_unlock_irqrestore(&pool->lock, flags);
	*claimed = ret ? NULL : p;
	return ret;
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
		i->cookie = p->rec.cookie;
		i->since_ns = p->rec.timestamp;
		strscpy(i->dev, p->fdev->name, sizeof(i->dev));
		strscpy(i->policy, p->policy->ops->name, sizeof(i->policy));
		i->addr = p->rec.addr;
		i->sid = p->rec.sid;
		i->pasid = p->rec.pasid;
		i->flags = p->rec.flags;
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
