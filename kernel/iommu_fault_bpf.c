// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf dispatcher: policy chains and the fault path.
 *
 * A fault runs the policies of its device by priority, then the global
 * ones; the first verdict other than NONE decides it.  Chains are RCU
 * lists, so the fast path takes no lock; attach, detach and replace take
 * the core's lock and wait for a grace period before the policy's
 * memory or its pending faults are touched.
 */
#include <linux/bpf.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/iommu_fault_bpf.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "iommu_fault_bench.h"
#include "iommu_fault_bpf_driver.h"
#include "iommu_fault_ctl.h"
#include "iommu_fault_pending.h"
#include "iommu_fault_policy.h"
#include "iommu_fault_verdict.h"

#define CREATE_TRACE_POINTS
#include "iommu_fault_trace.h"

DEFINE_STATIC_KEY_FALSE(iommu_fault_bpf_active);
EXPORT_SYMBOL_GPL(iommu_fault_bpf_active);

struct iommu_fault_core iommu_fault_sys_core;

/* The policy whose fast op this CPU runs (preemption is off meanwhile). */
static DEFINE_PER_CPU(struct iommu_fault_policy *, iommu_fault_fast_policy);
/*
 * The policy whose init or exit op runs, and in which task: one at a time
 * in all cores (a test's core may run one while the machine's does).
 */
static DEFINE_MUTEX(iommu_fault_lifecycle_lock);
static struct task_struct *iommu_fault_lifecycle_task;
static struct iommu_fault_policy *iommu_fault_lifecycle_policy;

/* --- the core ---------------------------------------------------------- */

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
	mutex_init(&core->lock);
	INIT_LIST_HEAD(&core->policies);
	INIT_LIST_HEAD(&core->dev_chains);
	INIT_LIST_HEAD(&core->devices);
	INIT_LIST_HEAD(&core->sources);
	init_rwsem(&core->sources_rwsem);
	INIT_LIST_HEAD(&core->global.policies);
	core->key = key;
	return iommu_fault_pool_init(&core->pool);
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
	iommu_fault_pool_destroy(&core->pool);
}

static void core_key_inc(struct iommu_fault_core *core)
{
	if (core->key)
		static_branch_inc(core->key);
}

static void core_key_dec(struct iommu_fault_core *core)
{
	if (core->key)
		static_branch_dec(core->key);
}

/* --- chains ------------------------------------------------------------ */

static struct iommu_fault_chain *chain_find(struct iommu_fault_core *core,
					    const char *dev)
{
	struct iommu_fault_chain *chain;

	lockdep_assert_held(&core->lock);
	if (!dev[0])
		return &core->global;
	list_for_each_entry(chain, &core->dev_chains, node)
		if (!strcmp(chain->dev, dev))
			return chain;
	return NULL;
}

/* The chain of @dev ("" = global), created on first use; one more user. */
static struct iommu_fault_chain *chain_get(struct iommu_fault_core *core,
					   const char *dev)
{
	struct iommu_fault_chain *chain = chain_find(core, dev);
	struct iommu_fault_dev *fdev;

	if (chain) {
		chain->users++;
		return chain;
	}
	chain = kzalloc(sizeof(*chain), GFP_KERNEL);
	if (!chain)
		return NULL;
	INIT_LIST_HEAD(&chain->policies);
	strscpy(chain->dev, dev, sizeof(chain->dev));
	chain->users = 1;
	list_add(&chain->node, &core->dev_chains);

	/* Devices already there start using it now. */
	list_for_each_entry(fdev, &core->devices, node) {
		if (strcmp(dev_name(fdev->dev), dev))
			continue;
		chain->users++;
		rcu_assign_pointer(fdev->chain, chain);
	}
	return chain;
}

static void chain_put(struct iommu_fault_core *core,
		      struct iommu_fault_chain *chain)
{
	lockdep_assert_held(&core->lock);
	if (chain == &core->global || --chain->users)
		return;
	list_del(&chain->node);
	kfree_rcu(chain, rcu);
}

/* Whether @a runs after @b in a chain: by priority, then attach order. */
static bool runs_after(const struct iommu_fault_policy *a,
		       const struct iommu_fault_policy *b)
{
	if (a->priority != b->priority)
		return a->priority > b->priority;
	return a->order > b->order;
}

/* Insert in chain order. */
static void chain_insert(struct iommu_fault_chain *chain,
			 struct iommu_fault_policy *policy)
{
	struct iommu_fault_policy *pos;

	list_for_each_entry(pos, &chain->policies, node) {
		if (runs_after(pos, policy)) {
			list_add_tail_rcu(&policy->node, &pos->node);
			return;
		}
	}
	list_add_tail_rcu(&policy->node, &chain->policies);
}

/* --- attach, detach, replace ----------------------------------------- */

static struct iommu_fault_policy *policy_find(struct iommu_fault_core *core,
					      const char *name)
{
	struct iommu_fault_policy *policy;

	lockdep_assert_held(&core->lock);
	list_for_each_entry(policy, &core->policies, all)
		if (!strcmp(policy->ops->name, name))
			return policy;
	return NULL;
}

/* @policy's init or exit op runs in this task, under its core's lock. */
static void lifecycle_enter(struct iommu_fault_policy *policy)
{
	lockdep_assert_held(&policy->core->lock);
	mutex_lock(&iommu_fault_lifecycle_lock);
	iommu_fault_lifecycle_policy = policy;
	WRITE_ONCE(iommu_fault_lifecycle_task, current);
}

static void lifecycle_leave(void)
{
	WRITE_ONCE(iommu_fault_lifecycle_task, NULL);
	mutex_unlock(&iommu_fault_lifecycle_lock);
}

/*
 * What the init op of @ops says to its attach: 0 agrees, a negative errno
 * refuses with that errno.  The verifier does not range-check struct_ops
 * return values, so any other value refuses too, with -EINVAL.
 */
static int policy_init(struct iommu_fault_policy *policy)
{
	struct iommu_fault_ops *ops = policy->ops;
	int ret;

	if (!ops->init)
		return 0;
	lifecycle_enter(policy);
	ret = ops->init();
	lifecycle_leave();
	if (ret > 0 || ret < -MAX_ERRNO) {
		pr_warn_ratelimited("iommu-fault-bpf: policy %s: init returned %d, not 0 or a negative errno: not attached\n",
				    ops->name, ret);
		return -EINVAL;
	}
	return ret;
}

/*
 * A policy for @ops, on its chain's users but not on the chain yet, after
 * its init op agreed.  Returns it, or an ERR_PTR().
 */
static struct iommu_fault_policy *policy_new(struct iommu_fault_core *core,
					     struct iommu_fault_ops *ops)
{
	struct iommu_fault_policy *policy;
	int ret;

	policy = kzalloc(sizeof(*policy), GFP_KERNEL);
	if (!policy)
		return ERR_PTR(-ENOMEM);
	policy->chain = chain_get(core, ops->dev);
	if (!policy->chain) {
		kfree(policy);
		return ERR_PTR(-ENOMEM);
	}
	policy->core = core;
	policy->ops = ops;
	policy->priority = ops->priority;
	policy->order = ++core->next_order;
	policy->attached_ns = ktime_get_real_ns();
	ret = policy_init(policy);
	if (ret) {
		chain_put(core, policy->chain);
		kfree(policy);
		return ERR_PTR(ret);
	}
	return policy;
}

/* Its exit op, then the policy is gone. */
static void policy_free(struct iommu_fault_policy *policy)
{
	lockdep_assert_held(&policy->core->lock);
	if (policy->ops->exit) {
		lifecycle_enter(policy);
		policy->ops->exit();
		lifecycle_leave();
	}
	policy->ops->policy = NULL;
	chain_put(policy->core, policy->chain);
	kfree(policy);
}

void iommu_fault_policy_put(struct iommu_fault_policy *policy)
{
	if (atomic_dec_and_test(&policy->refs))
		wake_up_var(&policy->refs);
}

/* Until no worker or claimer of its faults uses @policy. */
void iommu_fault_policy_wait_unused(struct iommu_fault_policy *policy)
{
	wait_var_event(&policy->refs, !atomic_read(&policy->refs));
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

	if (policy)
		return policy;
	policy = iommu_fault_pending_running_policy();
	if (policy)
		return policy;
	if (READ_ONCE(iommu_fault_lifecycle_task) == current)
		return iommu_fault_lifecycle_policy;
	return NULL;
}

int iommu_fault_policy_attach(struct iommu_fault_core *core,
			      struct iommu_fault_ops *ops, struct bpf_link *link)
{
	struct iommu_fault_policy *policy;
	int ret;

	mutex_lock(&core->lock);
	/* One map, one attachment: a second link on it is refused. */
	if (ops->policy) {
		ret = -EBUSY;
		goto unlock;
	}
	if (policy_find(core, ops->name)) {
		ret = -EEXIST;
		goto unlock;
	}
	policy = policy_new(core, ops);
	if (IS_ERR(policy)) {
		ret = PTR_ERR(policy);
		goto unlock;
	}
	policy->link = link;
	ops->policy = policy;
	list_add_tail(&policy->all, &core->policies);
	chain_insert(policy->chain, policy);
	core_key_inc(core);
	ret = 0;
unlock:
	mutex_unlock(&core->lock);
	return ret;
}

void iommu_fault_policy_detach(struct iommu_fault_core *core,
			       struct iommu_fault_ops *ops)
{
	struct iommu_fault_policy *policy;

	mutex_lock(&core->lock);
	policy = ops->policy;
	if (!policy) {
		mutex_unlock(&core->lock);
		return;
	}
	list_del_rcu(&policy->node);
	list_del(&policy->all);
	mutex_unlock(&core->lock);

	/* No fast call is still running it after this... */
	synchronize_rcu();
	/*
	 * ...none of its faults stays pending, and no worker or claimer of
	 * one uses it after this (a claimer's FAILURE has quarantined its
	 * device by then).
	 */
	iommu_fault_pending_policy_gone(policy);

	mutex_lock(&core->lock);
	policy_free(policy);
	if (atomic_read(&core->nr_quarantined) && !core->quarantine_holds_key) {
		core_key_inc(core);
		core->quarantine_holds_key = true;
	}
	core_key_dec(core);
	mutex_unlock(&core->lock);
}

/*
 * Link update: @new_ops takes @old_ops' place.  In the same place (the
 * same chain, the same priority) the swap is one pointer store, so a fault
 * sees one or the other, and the new policy takes over the old one's
 * queued deferred faults; otherwise the new policy is inserted before the
 * old one leaves, so no fault finds neither, and the old policy's deferred
 * faults finish with its own sleepable op (they go on from its place).
 * The new policy takes over every parked fault.
 */
int iommu_fault_policy_replace(struct iommu_fault_core *core,
			       struct iommu_fault_ops *new_ops,
			       struct iommu_fault_ops *old_ops,
			       struct bpf_link *link)
{
	struct iommu_fault_policy *new, *old;
	bool same_place;
	int ret;

	mutex_lock(&core->lock);
	old = old_ops->policy;
	if (!old) {
		ret = -ENOENT;
		goto unlock;
	}
	if (new_ops->policy) {
		ret = -EBUSY;
		goto unlock;
	}
	if (strcmp(new_ops->name, old_ops->name) &&
	    policy_find(core, new_ops->name)) {
		ret = -EEXIST;
		goto unlock;
	}
	new = policy_new(core, new_ops);
	if (IS_ERR(new)) {
		ret = PTR_ERR(new);
		goto unlock;
	}
	new->link = link;
	new_ops->policy = new;
	list_replace(&old->all, &new->all);
	same_place = new->chain == old->chain &&
		     new->priority == old->priority;
	if (same_place) {
		new->order = old->order;
		list_replace_rcu(&old->node, &new->node);
	} else {
		chain_insert(new->chain, new);
		list_del_rcu(&old->node);
	}
	mutex_unlock(&core->lock);

	synchronize_rcu();
	iommu_fault_pending_policy_move(old, new, same_place);

	mutex_lock(&core->lock);
	policy_free(old);
	ret = 0;
unlock:
	mutex_unlock(&core->lock);
	return ret;
}

/* --- IOMMU instances and devices ------------------------------------- */

/* @src reports its faults to @core. */
int iommu_fault_core_source_add(struct iommu_fault_core *core,
				struct iommu_fault_source *src)
{
	src->core = core;
	down_write(&core->sources_rwsem);
	list_add_tail(&src->node, &core->sources);
	up_write(&core->sources_rwsem);
	return 0;
}

int iommu_fault_source_add(struct iommu_fault_source *src)
{
	return iommu_fault_core_source_add(&iommu_fault_sys_core, src);
}
EXPORT_SYMBOL_GPL(iommu_fault_source_add);

void iommu_fault_source_remove(struct iommu_fault_source *src)
{
	struct iommu_fault_core *core = src->core;

	down_write(&core->sources_rwsem);
	list_del(&src->node);
	up_write(&core->sources_rwsem);
}
EXPORT_SYMBOL_GPL(iommu_fault_source_remove);

static struct iommu_fault_source *source_find(struct iommu_fault_core *core,
					      const char *name)
{
	struct iommu_fault_source *src;

	lockdep_assert_held(&core->sources_rwsem);
	list_for_each_entry(src, &core->sources, node)
		if (!strcmp(src->name, name))
			return src;
	return NULL;
}

struct iommu_fault_dev *iommu_fault_dev_add(struct iommu_fault_source *src,
					    struct device *dev, u32 sid,
					    void *drvdata)
{
	struct iommu_fault_core *core = src->core;
	struct iommu_fault_chain *chain;
	struct iommu_fault_dev *fdev;

	fdev = kzalloc(sizeof(*fdev), GFP_KERNEL);
	if (!fdev)
		return NULL;
	fdev->dev = dev;
	fdev->sid = sid;
	fdev->core = core;
	fdev->src = src;
	fdev->drvdata = drvdata;
	refcount_set(&fdev->refs, 1);

	mutex_lock(&core->lock);
	chain = chain_find(core, dev_name(dev));
	if (chain && chain != &core->global) {
		chain->users++;
		rcu_assign_pointer(fdev->chain, chain);
	}
	list_add_tail(&fdev->node, &core->devices);
	mutex_unlock(&core->lock);
	return fdev;
}
EXPORT_SYMBOL_GPL(iommu_fault_dev_add);

void iommu_fault_dev_put(struct iommu_fault_dev *fdev)
{
	if (refcount_dec_and_test(&fdev->refs))
		wake_up_var(&fdev->refs);
}

/* The last quarantine is lifted: the fault path may turn off again. */
static void quarantine_lifted(struct iommu_fault_core *core)
{
	lockdep_assert_held(&core->lock);
	if (atomic_dec_and_test(&core->nr_quarantined) &&
	    core->quarantine_holds_key) {
		core->quarantine_holds_key = false;
		core_key_dec(core);
	}
}

/**
 * iommu_fault_dev_remove() - the driver no longer reports faults for @fdev
 * @fdev: from iommu_fault_dev_add(), or NULL
 *
 * Answers what is pending for the device and waits until nobody answers
 * one of its faults or runs a sleepable op for one: after this returns,
 * the core calls none of the driver's ops for @fdev.  The driver must not
 * report faults for it any more (its fault path no longer finds it).
 *
 * Context: process context; sleeps.
 */
void iommu_fault_dev_remove(struct iommu_fault_dev *fdev)
{
	struct iommu_fault_chain *chain;
	struct iommu_fault_core *core;

	if (!fdev)
		return;
	core = fdev->core;
	mutex_lock(&core->lock);
	list_del(&fdev->node);
	mutex_unlock(&core->lock);

	iommu_fault_pending_dev_gone(fdev);
	iommu_fault_dev_put(fdev);
	wait_var_event(&fdev->refs, !refcount_read(&fdev->refs));

	mutex_lock(&core->lock);
	chain = rcu_dereference_protected(fdev->chain,
					  lockdep_is_held(&core->lock));
	if (chain)
		chain_put(core, chain);
	if (test_and_clear_bit(IOMMU_FAULT_DEV_QUARANTINED, &fdev->flags))
		quarantine_lifted(core);
	mutex_unlock(&core->lock);
	kfree_rcu_mightsleep(fdev);
}
EXPORT_SYMBOL_GPL(iommu_fault_dev_remove);

void *iommu_fault_dev_drvdata(struct iommu_fault_dev *fdev)
{
	return fdev->drvdata;
}
EXPORT_SYMBOL_GPL(iommu_fault_dev_drvdata);

struct device *iommu_fault_dev_device(struct iommu_fault_dev *fdev)
{
	return fdev->dev;
}
EXPORT_SYMBOL_GPL(iommu_fault_dev_device);

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

/* Answer a claimed recoverable fault: the one place a resume is issued. */
void iommu_fault_answer(struct iommu_fault_dev *fdev,
			const struct iommu_fault_ctx *ctx, bool retry)
{
	/* Pending faults (they have a cookie): end-to-end latency. */
	if (ctx->cookie)
		hist_add(fdev->stats.deferred_ns_log2,
			 ktime_get_ns() - ctx->timestamp);
	atomic64_inc(&fdev->stats.resumes[retry]);
	trace_iommu_fault_bpf_resume(ctx, retry);
	fdev->src->ops->resume(fdev, ctx, retry);
	iommu_fault_bench_answered(fdev, ctx);
}

/* Run one op and turn its return value into what happens next. */
static enum iommu_fault_action run_op(struct iommu_fault_policy *policy,
				      struct iommu_fault_ctx *ctx)
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
enum iommu_fault_action iommu_fault_run_sleepable(struct iommu_fault_policy *policy,
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
			    !runs_after(policy, from))
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
	if (!test_and_set_bit(IOMMU_FAULT_DEV_QUARANTINED, &fdev->flags))
		atomic_inc(&fdev->core->nr_quarantined);
	iommu_fault_pending_dev_abort(fdev);
}

/*
 * Carry out a decision on a claimed fault (recoverable: unrecoverable
 * faults only ever get NEXT).  Returns false for NEXT at the chain's end.
 */
bool iommu_fault_apply(struct iommu_fault_dev *fdev,
		       struct iommu_fault_ctx *ctx,
		       struct iommu_fault_policy *decider,
		       enum iommu_fault_action act)
{
	int ret;

	switch (act) {
	case IOMMU_FAULT_ACT_NEXT:
		return false;
	case IOMMU_FAULT_ACT_RETRY:
		iommu_fault_answer(fdev, ctx, true);
		break;
	case IOMMU_FAULT_ACT_ABORT:
		iommu_fault_answer(fdev, ctx, false);
		break;
	case IOMMU_FAULT_ACT_QUARANTINE:
		iommu_fault_answer(fdev, ctx, false);
		iommu_fault_quarantine(fdev);
		break;
	case IOMMU_FAULT_ACT_PARK:
	case IOMMU_FAULT_ACT_DEFER:
		/* Answered later: the driver must not time it as stock. */
		iommu_fault_bench_claimed(fdev, ctx);
		ret = iommu_fault_pend(fdev, decider, ctx,
				       act == IOMMU_FAULT_ACT_DEFER);
		if (!ret)
			break;
		/* Answered at once, never dropped. */
		if (ret == -ENOSPC)
			atomic64_inc(&fdev->stats.pool_full);
		else if (ret == -EPERM)		/* quarantined meanwhile */
			atomic64_inc(&fdev->stats.quarantine_drops);
		iommu_fault_answer(fdev, ctx, false);	/* or being removed */
		break;
	}
	return true;
}

/*
 * Continue the chain of a deferred fault after @policy's sleepable op
 * returned NONE; at the end, the driver's stock handling answers it.
 * Process context.
 */
void iommu_fault_continue(struct iommu_fault_dev *fdev,
			  struct iommu_fault_ctx *ctx,
			  struct iommu_fault_policy *policy)
{
	struct iommu_fault_policy *decider;
	enum iommu_fault_action act;
	bool decided;

	rcu_read_lock();
	act = run_chain(fdev, ctx, policy, &decider);
	decided = iommu_fault_apply(fdev, ctx, decider, act);
	rcu_read_unlock();
	if (!decided) {
		atomic64_inc(&fdev->stats.stock);
		fdev->src->ops->stock(fdev, ctx);
	}
}

enum iommu_fault_claim __iommu_fault_report(struct iommu_fault_dev *fdev,
					    struct iommu_fault_ctx *ctx)
{
	bool recoverable = ctx_recoverable(ctx);
	struct iommu_fault_policy *decider;
	enum iommu_fault_action act;
	bool decided;

	/* make bench's floor: the least a deferred answer can cost. */
	if (iommu_fault_bench_floor(fdev, ctx))
		return IOMMU_FAULT_CLAIMED;
	ctx->seq = atomic64_inc_return(&fdev->seq);
	ctx->timestamp = ktime_get_ns();
	ctx->cookie = 0;
	strscpy(ctx->dev_name, dev_name(fdev->dev), sizeof(ctx->dev_name));
	memset(ctx->scratch, 0, sizeof(ctx->scratch));
	atomic64_inc(&fdev->stats.faults[recoverable]);
	trace_iommu_fault_bpf_fault(ctx);

	/* A quarantined device gets no program time, only aborts. */
	if (iommu_fault_dev_quarantined(fdev)) {
		atomic64_inc(&fdev->stats.quarantine_drops);
		if (!recoverable)
			return IOMMU_FAULT_UNCLAIMED;
		iommu_fault_answer(fdev, ctx, false);
		return IOMMU_FAULT_CLAIMED;
	}

	/*
	 * The fast stage is an RCU read-side section: the programs and
	 * whatever they call may not sleep, and detach waits for it.
	 */
	rcu_read_lock();
	act = run_chain(fdev, ctx, NULL, &decider);
	/*
	 * Sampled: a clock read costs as much as a sixth of the stock path
	 * in an emulated guest (make bench), and the distribution is the
	 * same.  ctx->timestamp is the policies', so it is always read.
	 */
	if (!(ctx->seq % IOMMU_FAULT_FAST_SAMPLE))
		hist_add(fdev->stats.fast_ns_log2,
			 ktime_get_ns() - ctx->timestamp);
	decided = recoverable && iommu_fault_apply(fdev, ctx, decider, act);
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
	trace_iommu_fault_bpf_resume(ctx, false);
}
EXPORT_SYMBOL_GPL(iommu_fault_report_orphan);

/* --- what the control device reads and changes ------------------------ */

static struct iommu_fault_dev *dev_find(struct iommu_fault_core *core,
					const char *name)
{
	struct iommu_fault_dev *fdev;

	lockdep_assert_held(&core->lock);
	list_for_each_entry(fdev, &core->devices, node)
		if (!strcmp(dev_name(fdev->dev), name))
			return fdev;
	return NULL;
}

void iommu_fault_counts(struct iommu_fault_core *core, u32 *nr_policies,
			u32 *nr_devices, u64 *orphans)
{
	mutex_lock(&core->lock);
	*nr_policies = list_count_nodes(&core->policies);
	*nr_devices = list_count_nodes(&core->devices);
	mutex_unlock(&core->lock);
	*orphans = atomic64_read(&core->orphans);
}

#define READ_STAT(dst, src)	((dst) = atomic64_read(&(src)))

/* The device named @name, with a reference (iommu_fault_dev_put()). */
struct iommu_fault_dev *iommu_fault_dev_find(struct iommu_fault_core *core,
					     const char *name)
{
	struct iommu_fault_dev *fdev;

	mutex_lock(&core->lock);
	fdev = dev_find(core, name);
	if (fdev)
		iommu_fault_dev_get(fdev);
	mutex_unlock(&core->lock);
	return fdev;
}

static struct iommu_fault_dev *dev_find_index(struct iommu_fault_core *core,
					      u32 index)
{
	struct iommu_fault_dev *fdev;

	lockdep_assert_held(&core->lock);
	list_for_each_entry(fdev, &core->devices, node)
		if (!index--)
			return fdev;
	return NULL;
}

/*
 * Counters of device @out->dev (or the @out->index-th device); with
 * @reset, lift its quarantine.
 */
int iommu_fault_dev_ctl(struct iommu_fault_core *core,
			struct iommu_fault_ctl_dev *out, bool reset)
{
	bool by_index = out->flags & IOMMU_FAULT_CTL_DEV_BY_INDEX;
	struct iommu_fault_dev_stats *st;
	struct iommu_fault_dev *fdev;
	int i;

	mutex_lock(&core->lock);
	fdev = by_index ? dev_find_index(core, out->index) :
			  dev_find(core, out->dev);
	if (!fdev) {
		mutex_unlock(&core->lock);
		return by_index ? -ENOENT : -ENODEV;
	}
	strscpy(out->dev, dev_name(fdev->dev), sizeof(out->dev));
	strscpy(out->iommu, fdev->src->name, sizeof(out->iommu));
	out->sid = fdev->sid;
	st = &fdev->stats;
	out->quarantined = iommu_fault_dev_quarantined(fdev);
	if (reset &&
	    test_and_clear_bit(IOMMU_FAULT_DEV_QUARANTINED, &fdev->flags))
		quarantine_lifted(core);
	READ_STAT(out->faults[0], st->faults[0]);
	READ_STAT(out->faults[1], st->faults[1]);
	READ_STAT(out->resumes[0], st->resumes[0]);
	READ_STAT(out->resumes[1], st->resumes[1]);
	READ_STAT(out->stock, st->stock);
	READ_STAT(out->quarantine_drops, st->quarantine_drops);
	READ_STAT(out->deferred, st->deferred);
	READ_STAT(out->ignored, st->ignored);
	READ_STAT(out->timeouts, st->timeouts);
	READ_STAT(out->pool_full, st->pool_full);
	for (i = 0; i < IOMMU_FAULT_HIST_BUCKETS; i++) {
		READ_STAT(out->fast_ns_log2[i], st->fast_ns_log2[i]);
		READ_STAT(out->deferred_ns_log2[i], st->deferred_ns_log2[i]);
	}
	mutex_unlock(&core->lock);
	return 0;
}

/* The @out->index-th attached policy and its counters. */
int iommu_fault_policy_ctl(struct iommu_fault_core *core,
			   struct iommu_fault_ctl_policy *out)
{
	struct iommu_fault_policy_stats *st;
	struct iommu_fault_policy *policy;
	struct iommu_fault_ops *ops;
	u32 i = 0;
	int stage, status;

	mutex_lock(&core->lock);
	list_for_each_entry(policy, &core->policies, all)
		if (i++ == out->index)
			break;
	if (list_entry_is_head(policy, &core->policies, all)) {
		mutex_unlock(&core->lock);
		return -ENOENT;
	}
	ops = policy->ops;
	st = &policy->stats;
	strscpy(out->name, ops->name, sizeof(out->name));
	strscpy(out->dev, ops->dev, sizeof(out->dev));
	out->priority = ops->priority;
	out->ops = (ops->fault ? IOMMU_FAULT_POLICY_OP_FAULT : 0) |
		   (ops->fault_sleepable ?
		    IOMMU_FAULT_POLICY_OP_FAULT_SLEEPABLE : 0) |
		   (ops->init ? IOMMU_FAULT_POLICY_OP_INIT : 0) |
		   (ops->exit ? IOMMU_FAULT_POLICY_OP_EXIT : 0);
	out->attached_ns = policy->attached_ns;
	/*
	 * The link outlives the attachment (unreg runs before it is
	 * freed, and waits for this lock), and its id is only set once
	 * reg has returned: read it now, not at attach.
	 */
	out->link_id = policy->link ? policy->link->id : 0;
	for (stage = 0; stage < 2; stage++) {
		READ_STAT(out->calls[stage], st->calls[stage]);
		for (status = 0; status < __IOMMU_FAULT_STATUS_MAX; status++)
			READ_STAT(out->verdicts[stage][status],
				  st->verdicts[stage][status]);
	}
	READ_STAT(out->bad_verdicts, st->bad_verdicts);
	READ_STAT(out->unrecoverable_misuse, st->unrecoverable_misuse);
	mutex_unlock(&core->lock);
	return 0;
}

/* Feed a raw record into IOMMU @name's event path. */
int iommu_fault_inject(struct iommu_fault_core *core, const char *name,
		       const void *raw, size_t len, u32 count, u32 flags)
{
	struct iommu_fault_source *src;
	int ret = 0;

	down_read(&core->sources_rwsem);
	src = source_find(core, name);
	if (!src || !src->ops->inject)
		ret = -ENODEV;
	else
		ret = src->ops->inject(src, raw, len, count, flags);
	up_read(&core->sources_rwsem);
	return ret;
}
