// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf kfuncs: what a policy may ask the kernel to do.
 *
 * BPF decides whether and when; the owner of the faulting domain decides
 * how a page is populated.  A program never gets raw mapping power.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/capability.h>
#include <linux/iommu.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "iommu-priv.h"		/* iommu_attach_handle_get() */
#include "iommu_fault_bpf_private.h"

struct iommu_fault_populator {
	struct iommu_domain *domain;
	iommu_fault_populate_t fn;
	void *data;
	struct list_head node;
};

static DEFINE_MUTEX(iommu_fault_populators_lock);
static LIST_HEAD(iommu_fault_populators);

/**
 * iommu_fault_set_populate() - let policies populate faults in @domain
 * @domain: a domain its owner manages (e.g. an unmanaged paging domain)
 * @fn: maps what the fault needs at @addr, or refuses; NULL unregisters
 * @data: passed to @fn
 *
 * Context: process context.  The owner unregisters before it frees the
 * domain.
 * Return: 0 or -ENOMEM.
 */
int iommu_fault_set_populate(struct iommu_domain *domain,
			     iommu_fault_populate_t fn, void *data)
{
	struct iommu_fault_populator *p, *found = NULL;

	mutex_lock(&iommu_fault_populators_lock);
	list_for_each_entry(p, &iommu_fault_populators, node)
		if (p->domain == domain)
			found = p;
	if (!fn) {
		if (found) {
			list_del(&found->node);
			kfree(found);
		}
		mutex_unlock(&iommu_fault_populators_lock);
		return 0;
	}
	if (!found) {
		found = kzalloc(sizeof(*found), GFP_KERNEL);
		if (!found) {
			mutex_unlock(&iommu_fault_populators_lock);
			return -ENOMEM;
		}
		found->domain = domain;
		list_add(&found->node, &iommu_fault_populators);
	}
	found->fn = fn;
	found->data = data;
	mutex_unlock(&iommu_fault_populators_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(iommu_fault_set_populate);

__bpf_kfunc_start_defs();

/**
 * bpf_iommu_fault_respond() - answer a pending fault by its cookie
 * @cookie: iommu_fault_ctx::cookie of a fault a policy parked or deferred
 * @status: IOMMU_FAULT_STATUS_HANDLED, _INVALID or _FAILURE
 *
 * Callable from any op of an iommu_fault_ops policy and from
 * SEC("syscall") programs.  An op of a policy bound to one device answers
 * only that device's faults; a global policy's, any.  Anything else (a
 * syscall program) answers for the task that runs it, which needs
 * CAP_SYS_ADMIN, as for the control device.
 *
 * Return: 0; -ENOENT when no fault with this cookie is pending (answered
 * already: nothing is sent); -EINVAL for another status; -EPERM for a
 * fault of another device, or a caller without CAP_SYS_ADMIN.
 */
__bpf_kfunc int bpf_iommu_fault_respond(u64 cookie, int status)
{
	struct iommu_fault_policy *caller = iommu_fault_caller_policy();

	if (!caller)
		return capable(CAP_SYS_ADMIN) ?
		       iommu_fault_respond_by_cookie(&iommu_fault_sys_core.pool,
						     cookie, status, NULL) :
		       -EPERM;
	/* A policy answers the faults of its own core only. */
	return iommu_fault_respond_by_cookie(&caller->core->pool, cookie,
					     status, caller->ops->dev[0] ?
					     caller->ops->dev : NULL);
}

/**
 * bpf_iommu_fault_populate() - have the domain's owner map the faulting page
 * @ctx: the fault, as passed to fault_sleepable
 *
 * For a domain whose owner registered iommu_fault_set_populate(), the
 * owner's callback decides.  Sleepable op only.
 *
 * SVA domains are refused: the attach handle that names the bound mm
 * holds no reference, and an unbind may free the domain while this op
 * sleeps.  A policy passes such a fault on (NONE) and the stock path
 * hands it to io-pgfault's SVA handler, as in stock 6.12.
 *
 * Return: 0 when the page is there now (answer HANDLED to retry),
 * -EOPNOTSUPP for a fault on an SVA domain, -ENOENT when the domain has
 * no populator, another negative errno when the owner refused.
 */
__bpf_kfunc int bpf_iommu_fault_populate(struct iommu_fault_ctx *ctx)
{
	struct iommu_fault_populator *p;
	struct iommu_attach_handle *handle;
	struct iommu_domain *domain;
	struct device *dev;
	int ret = -ENOENT;

	dev = iommu_fault_ctx_device(ctx);
	if (!dev)
		return -EINVAL;

	if (ctx->flags & IOMMU_FAULT_CTX_PASID_VALID && dev->iommu_group) {
		/* Only whether there is one: never dereferenced. */
		handle = iommu_attach_handle_get(dev->iommu_group, ctx->pasid,
						 IOMMU_DOMAIN_SVA);
		if (!IS_ERR(handle))
			return -EOPNOTSUPP;
	}

	domain = iommu_get_domain_for_dev(dev);
	if (!domain)
		return -ENOENT;
	mutex_lock(&iommu_fault_populators_lock);
	list_for_each_entry(p, &iommu_fault_populators, node) {
		if (p->domain == domain) {
			ret = p->fn(domain, dev, ctx->addr, ctx->perm,
				    p->data);
			break;
		}
	}
	mutex_unlock(&iommu_fault_populators_lock);
	return ret;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(iommu_fault_policy_kfunc_ids)
BTF_ID_FLAGS(func, bpf_iommu_fault_respond)
BTF_ID_FLAGS(func, bpf_iommu_fault_populate, KF_TRUSTED_ARGS | KF_SLEEPABLE)
BTF_KFUNCS_END(iommu_fault_policy_kfunc_ids)

BTF_KFUNCS_START(iommu_fault_syscall_kfunc_ids)
BTF_ID_FLAGS(func, bpf_iommu_fault_respond)
BTF_KFUNCS_END(iommu_fault_syscall_kfunc_ids)

/*
 * 6.12 has no per-struct_ops kfunc filter: every struct_ops program asks
 * every filter of the hook, so refuse only our kfuncs, and only to
 * programs that are not iommu_fault_ops members.
 */
static int iommu_fault_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	if (!btf_id_set8_contains(&iommu_fault_policy_kfunc_ids, kfunc_id))
		return 0;
	return iommu_fault_prog_is_policy(prog) ? 0 : -EACCES;
}

static const struct btf_kfunc_id_set iommu_fault_policy_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &iommu_fault_policy_kfunc_ids,
	.filter = iommu_fault_kfunc_filter,
};

/* A syscall program that answers faults is loaded by root, as it runs. */
static int iommu_fault_syscall_kfunc_filter(const struct bpf_prog *prog,
					    u32 kfunc_id)
{
	if (!btf_id_set8_contains(&iommu_fault_syscall_kfunc_ids, kfunc_id))
		return 0;
	return capable(CAP_SYS_ADMIN) ? 0 : -EACCES;
}

static const struct btf_kfunc_id_set iommu_fault_syscall_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &iommu_fault_syscall_kfunc_ids,
	.filter = iommu_fault_syscall_kfunc_filter,
};

int iommu_fault_kfuncs_init(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&iommu_fault_policy_kfunc_set);
	if (ret)
		return ret;
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL,
					 &iommu_fault_syscall_kfunc_set);
}
