// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf dispatcher: the fault path.
 *
 * A fault runs the policies of its device by priority, then the global
 * ones; the first verdict other than NONE decides it.  The dispatcher
 * carries the verdict out: it answers the fault (the one place a response is
 * sent), quarantines the device, or keeps the fault pending in the pool
 * for the deferred stage, a later response or its deadline, and answers
 * what the pool hands back.
 */
#include <linux/bpf.h>
#include <linux/device.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/reboot.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "iommu_fault_bpf_private.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

DEFINE_STATIC_KEY_FALSE(iommu_fault_bpf_active);
EXPORT_SYMBOL_GPL(iommu_fault_bpf_active);

struct iommu_fault_core iommu_fault_sys_core;

/* The policy whose fast op this CPU runs (preemption is off meanwhile). */
static DEFINE_PER_CPU(struct iommu_fault_policy *, iommu_fault_fast_policy);

static void deferred_stage(struct work_struct *work);
static void expire(struct work_struct *work);
static unsigned int abort_swept(struct iommu_fault_pool *pool,
				struct iommu_fault_sweep *s, bool timeout);

/* --- the core ---------------------------------------------------------- */

/* Parked faults stall their devices: answer them before the machine stops. */
static int core_reboot(struct notifier_block *nb, unsigned long action,
		       void *data)
{
	struct iommu_fault_core *core =
		container_of(nb, struct iommu_fault_core, reboot_nb);
	struct iommu_fault_sweep s;

	iommu_fault_sweep_init(&s, IOMMU_FAULT_SWEEP_ALL, NULL);
	abort_swept(&core->pool, &s, false);
	return NOTIFY_DONE;
}

/**
 * iommu_fault_core_init() - an empty core
 * @core: zeroed
 * @key: the static key that turns the drivers' hook on, or NULL
 *
 * Everything but the pending pool cannot fail: after an error the core
 * works without it (every fault a policy parks or defers is answered at
 * once).
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM for the pool.
 */
int iommu_fault_core_init(struct iommu_fault_core *core,
			  struct static_key_false *key)
{
	int ret;

	mutex_init(&core->lock);
	INIT_LIST_HEAD(&core->policies);
	INIT_LIST_HEAD(&core->dev_chains);
	INIT_LIST_HEAD(&core->devices);
	INIT_LIST_HEAD(&core->sources);
	init_rwsem(&core->sources_rwsem);
	INIT_LIST_HEAD(&core->global.policies);
	core->key = key;
	ret = iommu_fault_pool_init(&core->pool, deferred_stage, expire);
	if (ret)
		return ret;
	core->reboot_nb.notifier_call = core_reboot;
	register_reboot_notifier(&core->reboot_nb);
	return 0;
}

/**
 * iommu_fault_core_destroy() - free a core nothing uses any more
 * @core: with every policy detached and every device removed
 *
 * Context: process context, sleeps.
 */
void iommu_fault_core_destroy(struct iommu_fault_core *core)
{
	WARN_ON(!list_empty(&core->policies) || !list_empty(&core->devices));
	if (core->reboot_nb.notifier_call)
		unregister_reboot_notifier(&core->reboot_nb);
	iommu_fault_pool_destroy(&core->pool);
}

/* --- the fault path ---------------------------------------------------- */

static bool ctx_recoverable(const struct iommu_fault_ctx *ctx)
{
	return ctx->flags & IOMMU_FAULT_CTX_RECOVERABLE;
}

/* Count @ns in the log2 histogram @hist. */
static void hist_add(atomic64_t *hist, u64 ns)
{
	unsigned int b = ns ? ilog2(ns) : 0;

	atomic64_inc(&hist[min(b, IOMMU_FAULT_HIST_BUCKETS - 1)]);
}

/* Respond to a claimed recoverable fault: the one place a response is sent. */
void iommu_fault_respond(struct iommu_fault_dev *fdev,
			 const struct iommu_fault_ctx *ctx, void *handle,
			 bool retry)
{
	/* Pending faults (they have a cookie): end-to-end latency. */
	if (ctx->cookie)
		hist_add(fdev->stats.pending_ns_log2,
			 ktime_get_ns() - ctx->timestamp);
	atomic64_inc(&fdev->stats.responses[retry]);
	trace_iommu_fault_bpf_response(ctx, retry);
	fdev->src->ops->respond(fdev, ctx, handle, retry);
}

/*
 * The policy whose op is calling, or NULL when no op of a policy is: a
 * fast op on this CPU, a sleepable op in this worker, or an init or exit
 * op in this task.
 */
struct iommu_fault_policy *iommu_fault_caller_policy(void)
{
	/* A fast op runs with preemption off: this CPU's, if any. */
	struct iommu_fault_policy *policy = this_cpu_read(iommu_fault_fast_policy);
	struct work_struct *work = current_work();

	if (policy)
		return policy;
	/* A worker holds a reference on its slot's policy. */
	if (work && work->func == deferred_stage)
		return container_of(work, struct iommu_fault_pending,
				    work)->policy;
	return iommu_fault_lifecycle_caller();
}

/*
 * The device of the fault whose sleepable op runs with @ctx in this
 * worker; NULL anywhere else, and for another fault's context.  The device
 * cannot go away while the op runs: its worker holds a reference.
 */
struct device *iommu_fault_ctx_device(const struct iommu_fault_ctx *ctx)
{
	struct work_struct *work = current_work();
	struct iommu_fault_pending *p;

	if (!work || work->func != deferred_stage)
		return NULL;
	p = container_of(work, struct iommu_fault_pending, work);
	/* Freed and maybe reused once the op returned: its cookie differs. */
	if (READ_ONCE(p->rec.cookie) != ctx->cookie)
		return NULL;
	return p->fdev->dev;
}

/*
 * Run one op and turn its return value into what happens next.  Inlined
 * into the chain walk: a call per policy costs its prologue and epilogue
 * (make bench, scenario 3).
 */
static __always_inline enum iommu_fault_action
run_op(struct iommu_fault_policy *policy, struct iommu_fault_ctx *ctx)
{
	struct iommu_fault_policy_stats *st = &policy->stats;
	struct iommu_fault_ops *ops = policy->ops;
	struct iommu_fault_resolution r;
	u32 stage = ctx->stage;
	int status;

	if (stage == IOMMU_FAULT_STAGE_ATOMIC) {
		struct iommu_fault_policy *outer;

		/* Who calls a kfunc from it (an interrupt may nest one). */
		preempt_disable();
		outer = this_cpu_read(iommu_fault_fast_policy);
		this_cpu_write(iommu_fault_fast_policy, policy);
		status = ops->fault(ctx);
		this_cpu_write(iommu_fault_fast_policy, outer);
		preempt_enable();
	} else {
		status = ops->fault_sleepable(ctx);
	}
	r = iommu_fault_resolve(status, stage, ctx_recoverable(ctx),
				ops->fault_sleepable);
	atomic64_inc(&st->calls[stage]);
	if (status >= 0 && status < __IOMMU_FAULT_STATUS_MAX)
		atomic64_inc(&st->verdicts[stage][status]);
	if (r.misuse == IOMMU_FAULT_MISUSE_BAD_VERDICT)
		atomic64_inc(&st->bad_verdicts);
	else if (r.misuse == IOMMU_FAULT_MISUSE_UNRECOVERABLE)
		atomic64_inc(&st->unrecoverable_misuse);
	trace_iommu_fault_bpf_verdict(ctx, ops->name, status, r.action);
	return r.action;
}

/* The deferred stage of @policy (workqueue). */
static enum iommu_fault_action run_sleepable(struct iommu_fault_policy *policy,
					     struct iommu_fault_ctx *ctx)
{
	ctx->stage = IOMMU_FAULT_STAGE_SLEEPABLE;
	/* A replacement without a sleepable op inherited a deferred fault. */
	if (!policy->ops->fault_sleepable) {
		atomic64_inc(&policy->stats.bad_verdicts);
		return IOMMU_FAULT_ACT_ABORT;
	}
	return run_op(policy, ctx);
}

/*
 * Walk the chain of @fdev, then the global chain, running the fast op of
 * each policy until one decides; with @from, only the policies after its
 * place in its chain (a fault @from deferred goes on from there, even if
 * @from has left the chain since).  Returns the decision and, in
 * *@decider, the policy that made it.
 */
static enum iommu_fault_action
run_chain(struct iommu_fault_dev *fdev, struct iommu_fault_ctx *ctx,
	  const struct iommu_fault_policy *from,
	  struct iommu_fault_policy **decider)
{
	struct iommu_fault_chain *chains[2];
	struct iommu_fault_policy *policy;
	enum iommu_fault_action act;
	int i = 0;

	ctx->stage = IOMMU_FAULT_STAGE_ATOMIC;
	chains[0] = rcu_dereference(fdev->chain);
	chains[1] = &fdev->core->global;
	if (from && from->chain == chains[1])
		i = 1;

	for (; i < ARRAY_SIZE(chains); i++) {
		if (!chains[i])
			continue;
		list_for_each_entry_rcu(policy, &chains[i]->policies, node) {
			if (from && from->chain == chains[i] &&
			    !iommu_fault_runs_after(policy, from))
				continue;
			act = run_op(policy, ctx);
			if (act != IOMMU_FAULT_ACT_NEXT) {
				*decider = policy;
				return act;
			}
		}
	}
	*decider = NULL;
	return IOMMU_FAULT_ACT_NEXT;
}

/*
 * FAILURE: every later fault of @fdev is aborted without running a
 * policy, until a reset, and what it has pending is aborted now.  Does
 * not sleep.
 */
void iommu_fault_quarantine(struct iommu_fault_dev *fdev)
{
	struct iommu_fault_sweep s;

	if (!test_and_set_bit(IOMMU_FAULT_DEV_QUARANTINED, &fdev->flags))
		atomic_inc(&fdev->core->nr_quarantined);
	iommu_fault_sweep_init(&s, IOMMU_FAULT_SWEEP_DEV, fdev);
	abort_swept(&fdev->core->pool, &s, false);
}

/*
 * Carry out a decision on a claimed fault (recoverable: unrecoverable
 * faults only ever get NEXT).  Returns false for NEXT at the chain's end.
 */
static bool apply(struct iommu_fault_dev *fdev, struct iommu_fault_ctx *ctx,
		  void *handle, struct iommu_fault_policy *decider,
		  enum iommu_fault_action act)
{
	int ret;

	switch (act) {
	case IOMMU_FAULT_ACT_NEXT:
		return false;
	case IOMMU_FAULT_ACT_RETRY:
		iommu_fault_respond(fdev, ctx, handle, true);
		break;
	case IOMMU_FAULT_ACT_ABORT:
		iommu_fault_respond(fdev, ctx, handle, false);
		break;
	case IOMMU_FAULT_ACT_QUARANTINE:
		iommu_fault_respond(fdev, ctx, handle, false);
		iommu_fault_quarantine(fdev);
		break;
	case IOMMU_FAULT_ACT_PARK:
	case IOMMU_FAULT_ACT_DEFER:
		ret = iommu_fault_pending_take(fdev, decider, ctx, handle,
					       act == IOMMU_FAULT_ACT_DEFER);
		if (!ret)
			break;
		/* Answered at once, never dropped. */
		if (ret == -ENOSPC)
			atomic64_inc(&fdev->stats.pool_full);
		else if (ret == -EPERM)		/* quarantined meanwhile */
			atomic64_inc(&fdev->stats.quarantine_drops);
		/* or being removed */
		iommu_fault_respond(fdev, ctx, handle, false);
		break;
	}
	return true;
}

/*
 * Continue the chain of a deferred fault after @policy's sleepable op
 * returned NONE; at the end, the driver's stock handling answers it.
 * Process context.
 */
static void continue_chain(struct iommu_fault_dev *fdev,
			   struct iommu_fault_ctx *ctx, void *handle,
			   struct iommu_fault_policy *policy)
{
	struct iommu_fault_policy *decider;
	enum iommu_fault_action act;
	bool decided;

	rcu_read_lock();
	act = run_chain(fdev, ctx, policy, &decider);
	decided = apply(fdev, ctx, handle, decider, act);
	rcu_read_unlock();
	if (!decided) {
		atomic64_inc(&fdev->stats.stock);
		fdev->src->ops->stock(fdev, ctx, handle);
	}
}

enum iommu_fault_claim __iommu_fault_report(struct iommu_fault_dev *fdev,
					    struct iommu_fault_ctx *ctx,
					    void *handle)
{
	bool recoverable = ctx_recoverable(ctx);
	struct iommu_fault_policy *decider;
	enum iommu_fault_action act;
	bool stamped, sampled;
	u64 start = 0;
	bool decided;

	ctx->seq = atomic64_inc_return(&fdev->seq);
	/*
	 * A clock read costs 48 guest instructions, more than a fast
	 * verdict's whole difference from the stock path (make bench): it
	 * is read for a policy that asks, the response tracepoint's latency
	 * and the sampled histogram only.
	 */
	stamped = READ_ONCE(fdev->core->nr_stamping) ||
		  trace_iommu_fault_bpf_response_enabled();
	sampled = !(ctx->seq % IOMMU_FAULT_FAST_SAMPLE);
	if (stamped || sampled)
		start = ktime_get_ns();
	ctx->timestamp = stamped ? start : 0;
	ctx->cookie = 0;
	memcpy(ctx->dev_name, fdev->name, sizeof(ctx->dev_name));
	atomic64_inc(&fdev->stats.faults[recoverable]);
	trace_iommu_fault_bpf_fault(ctx, fdev->src->kind);

	/* A quarantined device gets no program time, only aborts. */
	if (iommu_fault_dev_quarantined(fdev)) {
		atomic64_inc(&fdev->stats.quarantine_drops);
		if (!recoverable)
			return IOMMU_FAULT_UNCLAIMED;
		iommu_fault_respond(fdev, ctx, handle, false);
		return IOMMU_FAULT_CLAIMED;
	}

	/*
	 * The fast stage is an RCU read-side section: the programs and
	 * whatever they call may not sleep, and detach waits for it.
	 */
	rcu_read_lock();
	act = run_chain(fdev, ctx, NULL, &decider);
	/* Sampled: the distribution is the same, for a clock read in 16. */
	if (sampled)
		hist_add(fdev->stats.fast_ns_log2, ktime_get_ns() - start);
	decided = recoverable && apply(fdev, ctx, handle, decider, act);
	rcu_read_unlock();

	if (!decided) {
		atomic64_inc(&fdev->stats.stock);
		return IOMMU_FAULT_UNCLAIMED;
	}
	return IOMMU_FAULT_CLAIMED;
}
EXPORT_SYMBOL_GPL(__iommu_fault_report);

/* A stall for a stream with no device: the driver aborts it; count it. */
void iommu_fault_report_orphan(struct iommu_fault_source *src,
			       const struct iommu_fault_ctx *ctx)
{
	atomic64_inc(&src->core->orphans);
	trace_iommu_fault_bpf_response(ctx, false);
}
EXPORT_SYMBOL_GPL(iommu_fault_report_orphan);

/* --- what the pool hands back ----------------------------------------- */

/*
 * Abort every slot sweep @s claims, a batch at a time, counting them as
 * deadline expiries when @timeout.  Returns how many.
 */
static unsigned int abort_swept(struct iommu_fault_pool *pool,
				struct iommu_fault_sweep *s, bool timeout)
{
	struct iommu_fault_pending *p, *tmp;
	struct iommu_fault_ctx ctx;
	unsigned int n = 0;
	LIST_HEAD(claimed);

	while (!s->done) {
		iommu_fault_pending_claim_batch(pool, s, &claimed);
		list_for_each_entry_safe(p, tmp, &claimed, node) {
			list_del_init(&p->node);
			if (timeout)
				atomic64_inc(&p->fdev->stats.timeouts);
			iommu_fault_pending_ctx(p, &ctx);
			iommu_fault_respond(p->fdev, &ctx, p->handle, false);
			iommu_fault_pending_release(pool, p);
			n++;
		}
	}
	return n;
}

/*
 * @policy is off every chain: abort its pending faults.  The caller then
 * waits until no op of it runs and no worker refers to it.
 */
unsigned int iommu_fault_abort_policy(struct iommu_fault_policy *policy)
{
	struct iommu_fault_sweep s;

	iommu_fault_sweep_init(&s, IOMMU_FAULT_SWEEP_POLICY, policy);
	return abort_swept(&policy->core->pool, &s, false);
}

/*
 * Device removal: @fdev takes no new pending fault, and the ones it has
 * are aborted.  The caller then waits for the device's references.
 */
void iommu_fault_abort_dev_gone(struct iommu_fault_dev *fdev)
{
	struct iommu_fault_sweep s;

	iommu_fault_pending_set_gone(fdev, true);
	iommu_fault_sweep_init(&s, IOMMU_FAULT_SWEEP_DEV, fdev);
	abort_swept(&fdev->core->pool, &s, false);
}

/* The pool's expiry: abort what reached its deadline, the oldest first. */
static void expire(struct work_struct *work)
{
	struct iommu_fault_pool *pool =
		container_of(to_delayed_work(work), struct iommu_fault_pool,
			     watchdog);
	struct iommu_fault_sweep s;
	unsigned int n;

	iommu_fault_sweep_init(&s, IOMMU_FAULT_SWEEP_EXPIRED, NULL);
	n = abort_swept(pool, &s, true);
	iommu_fault_pending_test_note_watchdog(pool, s.visited, n);
	iommu_fault_pending_rearm(pool);
}

/* The deferred stage: the owning policy's sleepable op decides. */
static void deferred_stage(struct work_struct *work)
{
	struct iommu_fault_pending *p =
		container_of(work, struct iommu_fault_pending, work);
	/* Queued or running, the slot keeps its device: the worker's ref. */
	struct iommu_fault_pool *pool = &p->fdev->core->pool;
	struct iommu_fault_policy *policy;
	struct iommu_fault_dev *fdev;
	enum iommu_fault_action act;
	struct iommu_fault_ctx ctx;
	void *handle;

	if (!iommu_fault_pending_run_begin(pool, p, &fdev, &policy))
		goto put;
	iommu_fault_pending_ctx(p, &ctx);
	act = run_sleepable(policy, &ctx);
	if (iommu_fault_pending_run_end(pool, p, act == IOMMU_FAULT_ACT_PARK,
					&handle) != IOMMU_FAULT_RUN_DONE)
		goto put;
	if (act == IOMMU_FAULT_ACT_NEXT)
		continue_chain(fdev, &ctx, handle, policy);
	else
		apply(fdev, &ctx, handle, policy, act);
put:
	iommu_fault_policy_put(policy);
	iommu_fault_dev_put(fdev);
}

/**
 * iommu_fault_respond_by_cookie() - answer a pending fault by its cookie
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
int iommu_fault_respond_by_cookie(struct iommu_fault_pool *pool, u64 cookie,
				  int status, const char *dev)
{
	struct iommu_fault_pending *p;
	struct iommu_fault_ctx ctx;
	int ret;

	if (status != IOMMU_FAULT_STATUS_HANDLED &&
	    status != IOMMU_FAULT_STATUS_INVALID &&
	    status != IOMMU_FAULT_STATUS_FAILURE)
		return -EINVAL;
	ret = iommu_fault_pending_claim_cookie(pool, cookie, dev, &p);
	if (ret)
		return ret;
	iommu_fault_pending_ctx(p, &ctx);
	iommu_fault_respond(p->fdev, &ctx, p->handle,
			    status == IOMMU_FAULT_STATUS_HANDLED);
	if (status == IOMMU_FAULT_STATUS_FAILURE)
		iommu_fault_quarantine(p->fdev);
	iommu_fault_pending_release(pool, p);
	return 0;
}
