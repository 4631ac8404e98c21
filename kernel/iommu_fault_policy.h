/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-fault-bpf core internals, shared by the struct_ops plumbing, the
 * dispatcher, the pending-fault pool and the control device.
 */
#ifndef _IOMMU_FAULT_POLICY_H
#define _IOMMU_FAULT_POLICY_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/iommu_fault_bpf.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "iommu_fault_bpf_driver.h"
#include "iommu_fault_pending.h"

struct bpf_link;
struct bpf_prog;

/* Counters of one policy; atomics, the fault path may run on any CPU. */
struct iommu_fault_policy_stats {
	atomic64_t calls[2];				/* by stage */
	atomic64_t verdicts[2][__IOMMU_FAULT_STATUS_MAX];	/* stage x status */
	atomic64_t bad_verdicts;
	atomic64_t unrecoverable_misuse;
};

/**
 * struct iommu_fault_chain - the policies of one device, or the global ones
 * @policies: struct iommu_fault_policy by priority; RCU for the fault path,
 *	the core's lock for writers
 * @dev: the device name, "" for the global chain
 * @node: in the list of device chains
 * @users: attached policies plus devices pointing here (the core's lock)
 */
struct iommu_fault_chain {
	struct list_head policies;
	char dev[IOMMU_FAULT_DEV_LEN];
	struct list_head node;
	unsigned int users;
	struct rcu_head rcu;
};

/**
 * struct iommu_fault_policy - an attached struct iommu_fault_ops
 * @ops: the kernel copy of the map value (kdata)
 * @core: the core it is attached to
 * @chain: the chain it is on
 * @node: its place in @chain->policies
 * @all: in the core's list of attached policies (its lock)
 * @priority: @ops->priority
 * @order: its place among policies of equal priority (attach order); a
 *	replacement in its place keeps it.  A deferred fault goes on after
 *	(@priority, @order) of its chain, wherever the list is by then.
 * @refs: workers and claimers of its faults that may still use it;
 *	detach and replace wait for none
 * @attached_ns: ktime_get_real_ns() at attach
 * @link: the struct_ops link that attached it; user space finds the map
 *	and its programs from the link's id
 * @stats: its counters
 */
struct iommu_fault_policy {
	struct iommu_fault_ops *ops;
	struct iommu_fault_core *core;
	struct iommu_fault_chain *chain;
	struct list_head node;
	struct list_head all;
	s32 priority;
	u64 order;
	atomic_t refs;
	u64 attached_ns;
	struct bpf_link *link;
	struct iommu_fault_policy_stats stats;
};

/* Counters of one device. */
struct iommu_fault_dev_stats {
	atomic64_t faults[2];			/* unrecoverable, recoverable */
	atomic64_t resumes[2];			/* abort, retry */
	atomic64_t stock;			/* left to the driver */
	atomic64_t quarantine_drops;
	atomic64_t deferred;
	atomic64_t ignored;
	atomic64_t timeouts;
	atomic64_t pool_full;
	atomic64_t fast_ns_log2[IOMMU_FAULT_HIST_BUCKETS];
	atomic64_t deferred_ns_log2[IOMMU_FAULT_HIST_BUCKETS];
};

/**
 * struct iommu_fault_dev - a device the IOMMU driver added
 * @dev: the device
 * @sid: its (first) stream ID at the IOMMU
 * @core: @src's core
 * @src: the IOMMU instance in front of it
 * @drvdata: the driver's handle for it (e.g. its SMMU master)
 * @chain: its policies, NULL when none targets it (RCU)
 * @seq: last fault sequence number
 * @flags: IOMMU_FAULT_DEV_QUARANTINED: a policy returned FAILURE; cleared
 *	by a reset
 * @gone: being removed: takes no new pending fault (pending lock)
 * @refs: the driver's (from add to remove), and one for each user outside
 *	the driver's fault path (a claimer, a worker, a lookup); removal
 *	waits for the others before the driver frees what they use
 * @node: in the core's list of devices (its lock)
 * @stats: its counters
 */
struct iommu_fault_dev {
	struct device *dev;
	u32 sid;
	struct iommu_fault_core *core;
	struct iommu_fault_source *src;
	void *drvdata;
	struct iommu_fault_chain __rcu *chain;
	atomic64_t seq;
	unsigned long flags;
	bool gone;
	refcount_t refs;
	struct list_head node;
	struct iommu_fault_dev_stats stats;
};

#define IOMMU_FAULT_DEV_QUARANTINED	0	/* bit of iommu_fault_dev::flags */

/**
 * struct iommu_fault_core - the chains, devices and pending faults the
 *	fault path works on
 * @lock: serialises attach, detach, replace and device add/remove
 * @policies: every attached policy
 * @dev_chains: the chains of named devices
 * @devices: every added device
 * @sources: every IOMMU instance
 * @sources_rwsem: readers inject without blocking attach or detach
 * @global: the chain of the policies for every device
 * @orphans: stalls of streams without a device
 * @next_order: attach order, for the place among equal priorities
 * @nr_quarantined: quarantined devices
 * @quarantine_holds_key: quarantine outlives the policies: while a device
 *	is quarantined, the fault path stays on (@key is held once for all of
 *	them) even when the last policy is gone.  Taken at the detach that
 *	would turn it off, dropped with the last quarantine (@lock).
 * @key: turns the drivers' hook on while the core has anything to do;
 *	only the machine's core has one
 * @pool: the pending faults
 *
 * The machine has one, iommu_fault_sys_core: the struct_ops, the control
 * device and the IOMMU drivers work on it.  Tests make their own, whose
 * faults they report with __iommu_fault_report().
 */
struct iommu_fault_core {
	struct mutex lock;		/* attach, detach, add, remove */
	struct list_head policies;
	struct list_head dev_chains;
	struct list_head devices;
	struct list_head sources;
	struct rw_semaphore sources_rwsem;
	struct iommu_fault_chain global;
	atomic64_t orphans;
	u64 next_order;
	atomic_t nr_quarantined;
	bool quarantine_holds_key;
	struct static_key_false *key;
	struct iommu_fault_pool pool;
};

extern struct iommu_fault_core iommu_fault_sys_core;

int iommu_fault_core_init(struct iommu_fault_core *core,
			  struct static_key_false *key);
void iommu_fault_core_destroy(struct iommu_fault_core *core);
int iommu_fault_core_source_add(struct iommu_fault_core *core,
				struct iommu_fault_source *src);

static inline bool iommu_fault_dev_quarantined(const struct iommu_fault_dev *fdev)
{
	return test_bit(IOMMU_FAULT_DEV_QUARANTINED, &fdev->flags);
}

static inline void iommu_fault_dev_get(struct iommu_fault_dev *fdev)
{
	refcount_inc(&fdev->refs);
}

void iommu_fault_dev_put(struct iommu_fault_dev *fdev);
struct iommu_fault_dev *iommu_fault_dev_find(struct iommu_fault_core *core,
					     const char *name);

static inline void iommu_fault_policy_get(struct iommu_fault_policy *policy)
{
	atomic_inc(&policy->refs);
}

void iommu_fault_policy_put(struct iommu_fault_policy *policy);
void iommu_fault_policy_wait_unused(struct iommu_fault_policy *policy);
struct iommu_fault_policy *iommu_fault_caller_policy(void);

int iommu_fault_policy_attach(struct iommu_fault_core *core,
			      struct iommu_fault_ops *ops, struct bpf_link *link);
void iommu_fault_policy_detach(struct iommu_fault_core *core,
			       struct iommu_fault_ops *ops);
int iommu_fault_policy_replace(struct iommu_fault_core *core,
			       struct iommu_fault_ops *new_ops,
			       struct iommu_fault_ops *old_ops,
			       struct bpf_link *link);

bool iommu_fault_prog_is_policy(const struct bpf_prog *prog);
int iommu_fault_kfuncs_init(void);
/* The kfunc, called directly by the KUnit tests' C policies. */
int bpf_iommu_fault_respond(u64 cookie, int status);

#endif /* _IOMMU_FAULT_POLICY_H */
