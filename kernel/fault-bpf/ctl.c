// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf control device, /dev/iommu_fault.
 *
 * Extensible-struct ioctls (iommufd style): each structure starts with its
 * size; the ioctl table gives the kernel's size and the smallest size a
 * caller may pass, copy_struct_from_user() accepts newer user space whose
 * extra bytes are zero, and every field is checked.  Root only: the node
 * is 0600 and each ioctl checks CAP_SYS_ADMIN.
 */
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "iommu_fault_bpf_private.h"

/* The control device manages the machine's core. */
static struct iommu_fault_core *const ctl_core = &iommu_fault_sys_core;

/* One call: the user's buffer and the kernel's copy of the structure. */
struct iommu_fault_ucmd {
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/* Copy the structure back, as much of it as the caller knows. */
static int ucmd_respond(struct iommu_fault_ucmd *ucmd, size_t cmd_len)
{
	u32 *size = ucmd->cmd;

	*size = min_t(u32, ucmd->user_size, cmd_len);
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd, *size))
		return -EFAULT;
	return 0;
}

#define READ_STAT(dst, src)	((dst) = atomic64_read(&(src)))

void iommu_fault_counts(struct iommu_fault_core *core, u32 *nr_policies,
			u32 *nr_devices, u64 *orphans)
{
	mutex_lock(&core->lock);
	*nr_policies = list_count_nodes(&core->policies);
	*nr_devices = list_count_nodes(&core->devices);
	mutex_unlock(&core->lock);
	*orphans = atomic64_read(&core->orphans);
}

/*
 * Counters of device @out->dev (or, with IOMMU_FAULT_CTL_DEV_NEXT, of the
 * device after id @out->id); with @reset, lift its quarantine.
 */
int iommu_fault_dev_ctl(struct iommu_fault_core *core,
			struct iommu_fault_ctl_dev *out, bool reset)
{
	bool next = out->flags & IOMMU_FAULT_CTL_DEV_NEXT;
	struct iommu_fault_dev_stats *st;
	struct iommu_fault_dev *fdev;
	int i;

	mutex_lock(&core->lock);
	fdev = next ? iommu_fault_dev_after(core, out->id) :
		      iommu_fault_dev_lookup(core, out->dev);
	if (!fdev) {
		mutex_unlock(&core->lock);
		return next ? -ENOENT : -ENODEV;
	}
	out->id = fdev->id;
	strscpy(out->dev, fdev->name, sizeof(out->dev));
	strscpy(out->iommu, fdev->src->name, sizeof(out->iommu));
	strscpy(out->iommu_kind, fdev->src->kind, sizeof(out->iommu_kind));
	out->sid = fdev->sid;
	st = &fdev->stats;
	out->quarantined = iommu_fault_dev_quarantined(fdev);
	if (reset)
		iommu_fault_dev_quarantine_lift(fdev);
	READ_STAT(out->faults[0], st->faults[0]);
	READ_STAT(out->faults[1], st->faults[1]);
	READ_STAT(out->responses[0], st->responses[0]);
	READ_STAT(out->responses[1], st->responses[1]);
	READ_STAT(out->stock, st->stock);
	READ_STAT(out->quarantine_drops, st->quarantine_drops);
	READ_STAT(out->deferred, st->deferred);
	READ_STAT(out->ignored, st->ignored);
	READ_STAT(out->timeouts, st->timeouts);
	READ_STAT(out->pool_full, st->pool_full);
	for (i = 0; i < IOMMU_FAULT_HIST_BUCKETS; i++) {
		READ_STAT(out->fast_ns_log2[i], st->fast_ns_log2[i]);
		READ_STAT(out->pending_ns_log2[i], st->pending_ns_log2[i]);
	}
	mutex_unlock(&core->lock);
	return 0;
}

/*
 * The attached policy of id @out->id, or with IOMMU_FAULT_CTL_POLICY_NEXT
 * the one after it, and its counters.
 */
static int policy_ctl(struct iommu_fault_core *core,
		      struct iommu_fault_ctl_policy *out)
{
	bool next = out->flags & IOMMU_FAULT_CTL_POLICY_NEXT;
	struct iommu_fault_policy *policy, *found = NULL;
	struct iommu_fault_policy_stats *st;
	struct iommu_fault_ops *ops;
	int stage, status;

	mutex_lock(&core->lock);
	list_for_each_entry(policy, &core->policies, all) {
		if (!next && policy->id == out->id)
			found = policy;
		else if (next && policy->id > out->id &&
			 (!found || policy->id < found->id))
			found = policy;
	}
	if (!found) {
		mutex_unlock(&core->lock);
		return -ENOENT;
	}
	policy = found;
	out->id = policy->id;
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

/* Have IOMMU @name's driver record @fault and feed it to its event path. */
static int inject(struct iommu_fault_core *core, const char *name,
		  const struct iommu_fault_ctx *fault, u32 count, u32 flags)
{
	struct iommu_fault_source *src;
	int ret = 0;

	down_read(&core->sources_rwsem);
	src = iommu_fault_source_lookup(core, name);
	if (!src || !src->ops->inject)
		ret = -ENODEV;
	else
		ret = src->ops->inject(src, fault, count, flags);
	up_read(&core->sources_rwsem);
	return ret;
}

/* A fixed-size string field from user space: NUL-terminated, or -EINVAL. */
static int check_str(const char *s, size_t size)
{
	return strnlen(s, size) < size ? 0 : -EINVAL;
}

static int ctl_info(struct iommu_fault_ucmd *ucmd)
{
	struct iommu_fault_ctl_info *info = ucmd->cmd;
	u32 pool_size, deadline, in_use;

	if (info->flags || info->__reserved)
		return -EINVAL;
	iommu_fault_pending_limits(&ctl_core->pool, &pool_size, &deadline,
				   &in_use);
	info->version = IOMMU_FAULT_CTL_VERSION;
	info->features = IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_INJECT) ?
			 IOMMU_FAULT_FEAT_INJECT : 0;
	info->pool_size = pool_size;
	info->pool_in_use = in_use;
	info->deadline_ms = deadline;
	iommu_fault_counts(ctl_core, &info->nr_policies, &info->nr_devices,
			   &info->orphan_stalls);
	return ucmd_respond(ucmd, sizeof(*info));
}

#define INJECT_FAULT_FLAGS	(IOMMU_FAULT_CTX_RECOVERABLE | \
				 IOMMU_FAULT_CTX_PASID_VALID)
#define INJECT_PERM		(IOMMU_FAULT_CTX_PERM_READ | \
				 IOMMU_FAULT_CTX_PERM_WRITE | \
				 IOMMU_FAULT_CTX_PERM_EXEC | \
				 IOMMU_FAULT_CTX_PERM_PRIV)

static int ctl_inject(struct iommu_fault_ucmd *ucmd)
{
	struct iommu_fault_ctl_inject *inj = ucmd->cmd;
	struct iommu_fault_ctx fault = { };

	if (!IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_INJECT))
		return -EOPNOTSUPP;
	if (inj->flags & ~IOMMU_FAULT_INJECT_FLAGS_ALL ||
	    inj->fault_flags & ~INJECT_FAULT_FLAGS ||
	    inj->perm & ~INJECT_PERM || inj->__reserved ||
	    inj->reason == IOMMU_FAULT_REASON_UNKNOWN ||
	    inj->reason >= __IOMMU_FAULT_REASON_MAX ||
	    check_str(inj->iommu, sizeof(inj->iommu)))
		return -EINVAL;
	fault.flags = inj->fault_flags;
	fault.sid = inj->sid;
	fault.pasid = inj->pasid;
	fault.addr = inj->addr;
	fault.perm = inj->perm;
	fault.reason = inj->reason;
	fault.grpid = inj->grpid;
	return inject(ctl_core, inj->iommu, &fault,
		      inj->count ? inj->count : 1, inj->flags);
}

static int ctl_respond(struct iommu_fault_ucmd *ucmd)
{
	struct iommu_fault_ctl_respond *r = ucmd->cmd;

	if (r->flags || r->__reserved)
		return -EINVAL;
	return iommu_fault_respond_by_cookie(&ctl_core->pool, r->cookie,
					     r->status, NULL);
}

static int ctl_limits(struct iommu_fault_ucmd *ucmd)
{
	struct iommu_fault_ctl_limits *l = ucmd->cmd;

	if (l->flags)
		return -EINVAL;
	return iommu_fault_pending_set_limits(&ctl_core->pool, l->pool_size,
					      l->deadline_ms);
}

static int ctl_dev(struct iommu_fault_ucmd *ucmd, bool reset)
{
	struct iommu_fault_ctl_dev *d = ucmd->cmd;
	u32 valid = reset ? 0 : IOMMU_FAULT_CTL_DEV_NEXT;
	int ret;

	if (d->flags & ~valid || d->__reserved)
		return -EINVAL;
	if (!(d->flags & IOMMU_FAULT_CTL_DEV_NEXT) &&
	    check_str(d->dev, sizeof(d->dev)))
		return -EINVAL;
	ret = iommu_fault_dev_ctl(ctl_core, d, reset);
	return ret ? ret : ucmd_respond(ucmd, sizeof(*d));
}

static int ctl_reset_dev(struct iommu_fault_ucmd *ucmd)
{
	return ctl_dev(ucmd, true);
}

static int ctl_dev_stats(struct iommu_fault_ucmd *ucmd)
{
	return ctl_dev(ucmd, false);
}

static int ctl_policy_stats(struct iommu_fault_ucmd *ucmd)
{
	struct iommu_fault_ctl_policy *p = ucmd->cmd;
	int ret;

	if (p->flags & ~IOMMU_FAULT_CTL_POLICY_NEXT)
		return -EINVAL;
	ret = policy_ctl(ctl_core, p);
	return ret ? ret : ucmd_respond(ucmd, sizeof(*p));
}

/*
 * Up to @max pending faults, oldest first, into the user's array: a few
 * at a time, each few copied out with the lock dropped.  A fault answered
 * meanwhile may be missed; none is listed twice.
 */
static int ctl_list_pending(struct iommu_fault_ucmd *ucmd)
{
	struct iommu_fault_ctl_pending *lp = ucmd->cmd;
	struct iommu_fault_ctl_pending_entry __user *uent;
	struct iommu_fault_pending_info info[4];
	u32 pool_size, deadline, i, n, count = 0;
	/* One clock for the whole list: ages of later chunks compare. */
	u64 now = ktime_get_ns();
	u64 after = 0;

	if (lp->flags || lp->__reserved)
		return -EINVAL;
	uent = u64_to_user_ptr(lp->entries);
	iommu_fault_pending_limits(&ctl_core->pool, &pool_size, &deadline,
				   &lp->total);
	while (count < lp->max) {
		n = iommu_fault_pending_list(&ctl_core->pool, after, info,
					     min_t(u32, ARRAY_SIZE(info),
						   lp->max - count));
		for (i = 0; i < n; i++, count++) {
			struct iommu_fault_ctl_pending_entry e = {
				.cookie = info[i].cookie,
				/* 0 for one reported after the list began. */
				.age_ns = now > info[i].since_ns ?
					  now - info[i].since_ns : 0,
				.addr = info[i].addr,
				.sid = info[i].sid,
				.pasid = info[i].pasid,
				.flags = info[i].flags,
				.deferred = info[i].deferred,
			};

			memcpy(e.dev, info[i].dev, sizeof(e.dev));
			memcpy(e.policy, info[i].policy, sizeof(e.policy));
			if (copy_to_user(&uent[count], &e, sizeof(e)))
				return -EFAULT;
		}
		if (n < ARRAY_SIZE(info))
			break;
		after = info[n - 1].cookie;
	}
	lp->count = count;
	return ucmd_respond(ucmd, sizeof(*lp));
}

union iommu_fault_ctl_arg {
	struct iommu_fault_ctl_info info;
	struct iommu_fault_ctl_inject inject;
	struct iommu_fault_ctl_respond respond;
	struct iommu_fault_ctl_limits limits;
	struct iommu_fault_ctl_dev dev;
	struct iommu_fault_ctl_policy policy;
	struct iommu_fault_ctl_pending pending;
};

/* Indexed by _IOC_NR(): every command is _IO(IOMMU_FAULT_IOC_TYPE, nr). */
struct iommu_fault_ioctl_op {
	unsigned int size;		/* the kernel's structure */
	unsigned int min_size;		/* up to its last field */
	int (*execute)(struct iommu_fault_ucmd *ucmd);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last)				\
	[_IOC_NR(_ioctl)] = {						\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union iommu_fault_ctl_arg) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.execute = _fn,						\
	}

static const struct iommu_fault_ioctl_op iommu_fault_ioctl_ops[] = {
	IOCTL_OP(IOMMU_FAULT_IOC_INFO, ctl_info, struct iommu_fault_ctl_info,
		 orphan_stalls),
	IOCTL_OP(IOMMU_FAULT_IOC_INJECT, ctl_inject,
		 struct iommu_fault_ctl_inject, __reserved),
	IOCTL_OP(IOMMU_FAULT_IOC_RESPOND, ctl_respond,
		 struct iommu_fault_ctl_respond, __reserved),
	IOCTL_OP(IOMMU_FAULT_IOC_SET_LIMITS, ctl_limits,
		 struct iommu_fault_ctl_limits, deadline_ms),
	IOCTL_OP(IOMMU_FAULT_IOC_RESET_DEV, ctl_reset_dev,
		 struct iommu_fault_ctl_dev, iommu),
	IOCTL_OP(IOMMU_FAULT_IOC_DEV_STATS, ctl_dev_stats,
		 struct iommu_fault_ctl_dev, iommu),
	IOCTL_OP(IOMMU_FAULT_IOC_POLICY_STATS, ctl_policy_stats,
		 struct iommu_fault_ctl_policy, unrecoverable_misuse),
	IOCTL_OP(IOMMU_FAULT_IOC_LIST_PENDING, ctl_list_pending,
		 struct iommu_fault_ctl_pending, __reserved),
};

static long iommu_fault_ctl_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	const struct iommu_fault_ioctl_op *op;
	union iommu_fault_ctl_arg buf;
	struct iommu_fault_ucmd ucmd = {
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (nr >= ARRAY_SIZE(iommu_fault_ioctl_ops) ||
	    cmd != _IO(IOMMU_FAULT_IOC_TYPE, nr))
		return -ENOTTY;
	op = &iommu_fault_ioctl_ops[nr];
	if (!op->execute)
		return -ENOTTY;

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(&buf, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

static const struct file_operations iommu_fault_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = iommu_fault_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice iommu_fault_ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu_fault",
	.fops = &iommu_fault_ctl_fops,
	.mode = 0600,
};

/* From the subsystem's initcall, once the machine's core is up. */
int iommu_fault_ctl_init(void)
{
	return misc_register(&iommu_fault_ctl_dev);
}
