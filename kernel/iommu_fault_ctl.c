// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf control device, /dev/iommu_fault.
 *
 * Extensible-struct ioctls (iommufd style): the structure starts with its
 * size, copy_struct_from_user() accepts older and newer user space, and
 * every field is checked.  Root only: the node is 0600 and each ioctl
 * checks CAP_SYS_ADMIN.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "iommu_fault_bench.h"
#include "iommu_fault_ctl.h"
#include "iommu_fault_pending.h"
#include "iommu_fault_policy.h"

/* The control device manages the machine's core. */
static struct iommu_fault_core *const ctl_core = &iommu_fault_sys_core;

/* A fixed-size string field from user space: NUL-terminated, or -EINVAL. */
static int check_str(const char *s, size_t size)
{
	return strnlen(s, size) < size ? 0 : -EINVAL;
}

static int ctl_info(struct iommu_fault_ctl_info *info)
{
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
	return 0;
}

static int ctl_inject(struct iommu_fault_ctl_inject *inj)
{
	if (!IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_INJECT))
		return -EOPNOTSUPP;
	if (inj->flags & ~IOMMU_FAULT_INJECT_FLAGS_ALL ||
	    check_str(inj->iommu, sizeof(inj->iommu)))
		return -EINVAL;
	if (!inj->len || inj->len > sizeof(inj->raw))
		return -EINVAL;
	return iommu_fault_inject(ctl_core, inj->iommu, inj->raw, inj->len,
				  inj->count ? inj->count : 1, inj->flags);
}

static int ctl_respond(struct iommu_fault_ctl_respond *r)
{
	if (r->flags || r->__reserved)
		return -EINVAL;
	return iommu_fault_respond(&ctl_core->pool, r->cookie, r->status, NULL);
}

static int ctl_limits(struct iommu_fault_ctl_limits *l)
{
	if (l->flags)
		return -EINVAL;
	return iommu_fault_pending_set_limits(&ctl_core->pool, l->pool_size,
					      l->deadline_ms);
}

static int ctl_dev(struct iommu_fault_ctl_dev *d, bool reset)
{
	u32 valid = reset ? 0 : IOMMU_FAULT_CTL_DEV_BY_INDEX;

	if (d->flags & ~valid || d->__reserved)
		return -EINVAL;
	if (!(d->flags & IOMMU_FAULT_CTL_DEV_BY_INDEX) &&
	    check_str(d->dev, sizeof(d->dev)))
		return -EINVAL;
	return iommu_fault_dev_ctl(ctl_core, d, reset);
}

static int ctl_policy(struct iommu_fault_ctl_policy *p)
{
	if (p->flags)
		return -EINVAL;
	return iommu_fault_policy_ctl(ctl_core, p);
}

/*
 * Up to @max pending faults, oldest first, into the user's array: a few
 * at a time, each few copied out with the lock dropped.  A fault answered
 * meanwhile may be missed; none is listed twice.
 */
static int ctl_list_pending(struct iommu_fault_ctl_pending *lp)
{
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
				.age_ns = now > info[i].reported_ns ?
					  now - info[i].reported_ns : 0,
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
	return 0;
}

union iommu_fault_ctl_arg {
	struct iommu_fault_ctl_info info;
	struct iommu_fault_ctl_inject inject;
	struct iommu_fault_ctl_respond respond;
	struct iommu_fault_ctl_limits limits;
	struct iommu_fault_ctl_dev dev;
	struct iommu_fault_ctl_policy policy;
	struct iommu_fault_ctl_pending pending;
	struct iommu_fault_ctl_bench bench;
};

struct iommu_fault_ioctl {
	unsigned int cmd;
	size_t size;		/* the kernel's structure size */
	bool copy_out;
};

static const struct iommu_fault_ioctl iommu_fault_ioctls[] = {
	{ IOMMU_FAULT_IOC_INFO, sizeof(struct iommu_fault_ctl_info), true },
	{ IOMMU_FAULT_IOC_INJECT, sizeof(struct iommu_fault_ctl_inject), false },
	{ IOMMU_FAULT_IOC_RESPOND, sizeof(struct iommu_fault_ctl_respond), false },
	{ IOMMU_FAULT_IOC_SET_LIMITS, sizeof(struct iommu_fault_ctl_limits), false },
	{ IOMMU_FAULT_IOC_RESET_DEV, sizeof(struct iommu_fault_ctl_dev), true },
	{ IOMMU_FAULT_IOC_DEV_STATS, sizeof(struct iommu_fault_ctl_dev), true },
	{ IOMMU_FAULT_IOC_POLICY_STATS, sizeof(struct iommu_fault_ctl_policy), true },
	{ IOMMU_FAULT_IOC_LIST_PENDING, sizeof(struct iommu_fault_ctl_pending), true },
#ifdef CONFIG_IOMMU_FAULT_BPF_BENCH
	{ IOMMU_FAULT_IOC_BENCH, sizeof(struct iommu_fault_ctl_bench), true },
#endif
};

static long iommu_fault_ctl_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	const struct iommu_fault_ioctl *ioc = NULL;
	void __user *uarg = (void __user *)arg;
	union iommu_fault_ctl_arg karg;
	u32 usize;
	int i, ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	for (i = 0; i < ARRAY_SIZE(iommu_fault_ioctls); i++)
		if (iommu_fault_ioctls[i].cmd == cmd)
			ioc = &iommu_fault_ioctls[i];
	if (!ioc)
		return -ENOTTY;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < offsetofend(struct iommu_fault_ctl_info, flags))
		return -EINVAL;
	ret = copy_struct_from_user(&karg, ioc->size, uarg, usize);
	if (ret)
		return ret;

	switch (cmd) {
	case IOMMU_FAULT_IOC_INFO:
		ret = ctl_info(&karg.info);
		break;
	case IOMMU_FAULT_IOC_INJECT:
		ret = ctl_inject(&karg.inject);
		break;
	case IOMMU_FAULT_IOC_RESPOND:
		ret = ctl_respond(&karg.respond);
		break;
	case IOMMU_FAULT_IOC_SET_LIMITS:
		ret = ctl_limits(&karg.limits);
		break;
	case IOMMU_FAULT_IOC_RESET_DEV:
		ret = ctl_dev(&karg.dev, true);
		break;
	case IOMMU_FAULT_IOC_DEV_STATS:
		ret = ctl_dev(&karg.dev, false);
		break;
	case IOMMU_FAULT_IOC_POLICY_STATS:
		ret = ctl_policy(&karg.policy);
		break;
	case IOMMU_FAULT_IOC_LIST_PENDING:
		ret = ctl_list_pending(&karg.pending);
		break;
#ifdef CONFIG_IOMMU_FAULT_BPF_BENCH
	case IOMMU_FAULT_IOC_BENCH:
		ret = iommu_fault_bench_ctl(&karg.bench);
		break;
#endif
	}
	if (ret || !ioc->copy_out)
		return ret;
	/* Older user space gets the part it knows. */
	karg.info.size = min_t(u32, usize, ioc->size);
	if (copy_to_user(uarg, &karg, karg.info.size))
		return -EFAULT;
	return 0;
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

/* Before the struct_ops (late_initcall) and the IOMMU drivers' faults. */
static int __init iommu_fault_ctl_init(void)
{
	int ret = iommu_fault_core_init(ctl_core, &iommu_fault_bpf_active);

	if (ret)
		return ret;
	return misc_register(&iommu_fault_ctl_dev);
}
fs_initcall(iommu_fault_ctl_init);
