// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf devices: the IOMMU instances that report faults, the
 * devices behind them, and how long each lives.
 *
 * A device is refcounted: the driver holds one reference from add to
 * remove, and whoever uses it outside the driver's fault path (a claimer,
 * a worker, a lookup) holds one more.  Removal answers what is pending
 * for the device and waits for the other references, so the driver may
 * free what they use once it returns.
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "iommu_fault_bpf_private.h"

/* @src reports its faults to @core. */
int iommu_fault_core_source_add(struct iommu_fault_core *core,
				struct iommu_fault_source *src)
{
	src->core = core;
	if (!src->kind)
		src->kind = "";
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

/* The IOMMU instance named @name (@core's sources_rwsem held). */
struct iommu_fault_source *
iommu_fault_source_lookup(struct iommu_fault_core *core, const char *name)
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
	strscpy(fdev->name, dev_name(dev), sizeof(fdev->name));
	fdev->sid = sid;
	fdev->core = core;
	fdev->src = src;
	fdev->drvdata = drvdata;
	refcount_set(&fdev->refs, 1);

	mutex_lock(&core->lock);
	fdev->id = ++core->last_dev_id;
	chain = iommu_fault_chain_find(core, dev_name(dev));
	if (chain && chain != &core->global) {
		chain->users++;
		rcu_assign_pointer(fdev->chain, chain);
	}
	list_add_tail(&fdev->node, &core->devices);
	mutex_unlock(&core->lock);
	/* Found from the device in O(1) (the IOMMU core's hooks). */
	if (dev->iommu)
		rcu_assign_pointer(dev->iommu->fault_bpf, fdev);
	return fdev;
}
EXPORT_SYMBOL_GPL(iommu_fault_dev_add);

void iommu_fault_dev_put(struct iommu_fault_dev *fdev)
{
	int old;

	/*
	 * A removal waits for none left, a quiesce for the driver's alone.
	 * The wake-up only hashes the address: @fdev may be gone by then.
	 */
	if (__refcount_sub_and_test(1, &fdev->refs, &old) || old == 2)
		wake_up_var(&fdev->refs);
}

/*
 * A reset (or removal) ends @fdev's quarantine, if it had one; after the
 * last, the fault path may turn off again.  The core's lock held.
 */
void iommu_fault_dev_quarantine_lift(struct iommu_fault_dev *fdev)
{
	struct iommu_fault_core *core = fdev->core;

	lockdep_assert_held(&core->lock);
	if (!test_and_clear_bit(IOMMU_FAULT_DEV_QUARANTINED, &fdev->flags))
		return;
	if (atomic_dec_and_test(&core->nr_quarantined) &&
	    core->quarantine_holds_key) {
		core->quarantine_holds_key = false;
		iommu_fault_core_key_dec(core);
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
	if (fdev->dev->iommu)
		RCU_INIT_POINTER(fdev->dev->iommu->fault_bpf, NULL);
	mutex_lock(&core->lock);
	list_del(&fdev->node);
	mutex_unlock(&core->lock);

	iommu_fault_abort_dev_gone(fdev);
	iommu_fault_dev_put(fdev);
	wait_var_event(&fdev->refs, !refcount_read(&fdev->refs));

	mutex_lock(&core->lock);
	chain = rcu_dereference_protected(fdev->chain,
					  lockdep_is_held(&core->lock));
	if (chain)
		iommu_fault_chain_put(core, chain);
	iommu_fault_dev_quarantine_lift(fdev);
	mutex_unlock(&core->lock);
	/* With its own head: no allocation that could fail into a sleep. */
	kfree_rcu(fdev, rcu);
}
EXPORT_SYMBOL_GPL(iommu_fault_dev_remove);

/**
 * iommu_fault_dev_quiesce() - answer what is pending for @fdev, and keep it
 * @fdev: from iommu_fault_dev_add()
 *
 * As iommu_fault_dev_remove() answers and waits, without removing the
 * device: for a driver that stops taking the device's recoverable faults
 * for a while (io-pgfault, when the device's IOPF is turned off) and
 * must know that none is answered afterwards.  The driver reports none
 * of the device's faults meanwhile.  The device keeps its id, chain and
 * counters.
 *
 * Context: process context; sleeps.
 */
void iommu_fault_dev_quiesce(struct iommu_fault_dev *fdev)
{
	iommu_fault_abort_dev_gone(fdev);
	wait_var_event(&fdev->refs, refcount_read(&fdev->refs) == 1);
	iommu_fault_pending_set_gone(fdev, false);
}

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

/* The device named @name (@core's lock held), without a reference. */
struct iommu_fault_dev *iommu_fault_dev_lookup(struct iommu_fault_core *core,
					       const char *name)
{
	struct iommu_fault_dev *fdev;

	lockdep_assert_held(&core->lock);
	list_for_each_entry(fdev, &core->devices, node)
		if (!strcmp(fdev->name, name))
			return fdev;
	return NULL;
}

/* The device named @name, with a reference (iommu_fault_dev_put()). */
struct iommu_fault_dev *iommu_fault_dev_find(struct iommu_fault_core *core,
					     const char *name)
{
	struct iommu_fault_dev *fdev;

	mutex_lock(&core->lock);
	fdev = iommu_fault_dev_lookup(core, name);
	if (fdev)
		iommu_fault_dev_get(fdev);
	mutex_unlock(&core->lock);
	return fdev;
}

/*
 * The device with the smallest id above @id (@core's lock held), without
 * a reference; NULL when there is none.
 */
struct iommu_fault_dev *iommu_fault_dev_after(struct iommu_fault_core *core,
					      u32 id)
{
	struct iommu_fault_dev *fdev, *next = NULL;

	lockdep_assert_held(&core->lock);
	list_for_each_entry(fdev, &core->devices, node)
		if (fdev->id > id && (!next || fdev->id < next->id))
			next = fdev;
	return next;
}
