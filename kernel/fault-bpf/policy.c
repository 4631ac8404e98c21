// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf policies: the chains, and attach, detach and replace.
 *
 * A fault runs the policies of its device by priority, then the global
 * ones.  Chains are RCU lists, so the fault path takes no lock; attach,
 * detach and replace take the core's lock, and wait for a grace period
 * before the policy's memory or its pending faults are touched.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "iommu_fault_bpf_private.h"

/*
 * The policy whose init or exit op runs, and in which task: one at a time
 * in all cores (a test's core may run one while the machine's does).
 */
static DEFINE_MUTEX(iommu_fault_lifecycle_lock);
static struct task_struct *iommu_fault_lifecycle_task;
static struct iommu_fault_policy *iommu_fault_lifecycle_policy;

/* --- chains ------------------------------------------------------------ */

struct iommu_fault_chain *iommu_fault_chain_find(struct iommu_fault_core *core,
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
	struct iommu_fault_chain *chain = iommu_fault_chain_find(core, dev);
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
		if (strcmp(fdev->name, dev))
			continue;
		chain->users++;
		rcu_assign_pointer(fdev->chain, chain);
	}
	return chain;
}

void iommu_fault_chain_put(struct iommu_fault_core *core,
			   struct iommu_fault_chain *chain)
{
	lockdep_assert_held(&core->lock);
	if (chain == &core->global || --chain->users)
		return;
	list_del(&chain->node);
	kfree_rcu(chain, rcu);
}

/* Whether @a runs after @b in a chain: by priority, then attach order. */
static void chain_insert(struct iommu_fault_chain *chain,
			 struct iommu_fault_policy *policy)
{
	struct iommu_fault_policy *pos;

	list_for_each_entry(pos, &chain->policies, node) {
		if (iommu_fault_runs_after(pos, policy)) {
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

/* The policy whose init or exit op this task runs, or NULL. */
struct iommu_fault_policy *iommu_fault_lifecycle_caller(void)
{
	if (READ_ONCE(iommu_fault_lifecycle_task) == current)
		return iommu_fault_lifecycle_policy;
	return NULL;
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
 * A policy for @ops, attached by @link, on its chain's users but not on
 * the chain yet, after its init op agreed.  Returns it, or an ERR_PTR().
 */
static struct iommu_fault_policy *policy_new(struct iommu_fault_core *core,
					     struct iommu_fault_ops *ops,
					     struct bpf_link *link)
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
	policy->id = ++core->last_policy_id;
	policy->attached_ns = ktime_get_real_ns();
	ret = policy_init(policy);
	if (ret) {
		iommu_fault_chain_put(core, policy->chain);
		kfree(policy);
		return ERR_PTR(ret);
	}
	policy->link = link;
	ops->policy = policy;
	if (ops->flags & IOMMU_FAULT_OPS_TIMESTAMP)
		WRITE_ONCE(core->nr_stamping, core->nr_stamping + 1);
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
	if (policy->ops->flags & IOMMU_FAULT_OPS_TIMESTAMP)
		WRITE_ONCE(policy->core->nr_stamping,
			   policy->core->nr_stamping - 1);
	policy->ops->policy = NULL;
	iommu_fault_chain_put(policy->core, policy->chain);
	kfree(policy);
}

void iommu_fault_policy_put(struct iommu_fault_policy *policy)
{
	if (atomic_dec_and_test(&policy->refs))
		wake_up_var(&policy->refs);
}

/* Until no worker or claimer of its faults uses @policy. */
static void policy_wait_unused(struct iommu_fault_policy *policy)
{
	wait_var_event(&policy->refs, !atomic_read(&policy->refs));
}

/*
 * The policy whose op is calling, or NULL when no op of a policy is: a
 * fast op on this CPU, a sleepable op in this worker, or an init or exit
 * op in this task.
 */
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
	policy = policy_new(core, ops, link);
	if (IS_ERR(policy)) {
		ret = PTR_ERR(policy);
		goto unlock;
	}
	list_add_tail(&policy->all, &core->policies);
	chain_insert(policy->chain, policy);
	iommu_fault_core_key_inc(core);
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
	iommu_fault_abort_policy(policy);
	policy_wait_unused(policy);

	mutex_lock(&core->lock);
	policy_free(policy);
	if (atomic_read(&core->nr_quarantined) && !core->quarantine_holds_key) {
		iommu_fault_core_key_inc(core);
		core->quarantine_holds_key = true;
	}
	iommu_fault_core_key_dec(core);
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
	new = policy_new(core, new_ops, link);
	if (IS_ERR(new)) {
		ret = PTR_ERR(new);
		goto unlock;
	}
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
	iommu_fault_pending_move(&core->pool, old, new, same_place);
	iommu_fault_pending_test_note_moved(&core->pool);
	/* Then the faults @old's workers parked, once they are done. */
	policy_wait_unused(old);
	iommu_fault_pending_move(&core->pool, old, new, same_place);

	mutex_lock(&core->lock);
	policy_free(old);
	ret = 0;
unlock:
	mutex_unlock(&core->lock);
	return ret;
}
