/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-fault-bpf pending faults: the ones a policy parked (IGNORE) or
 * deferred (DEFER), held in a bounded pre-allocated pool until exactly one
 * answer reaches them.
 */
#ifndef _IOMMU_FAULT_PENDING_H
#define _IOMMU_FAULT_PENDING_H

#include <linux/bits.h>
#include <linux/iommu_fault_bpf.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "iommu_fault_verdict.h"

struct completion;
struct iommu_fault_dev;
struct iommu_fault_pending;
struct iommu_fault_policy;

#define IOMMU_FAULT_POOL_DEFAULT	4096
/* 65536 slots: 18 MB, and 65536 faults pending within one deadline. */
#define IOMMU_FAULT_POOL_MAX		BIT(16)
#define IOMMU_FAULT_DEADLINE_MS_DEFAULT	1000
#define IOMMU_FAULT_DEADLINE_MS_MAX	(3600U * 1000)

/* Snapshot of one pending fault, for listing. */
struct iommu_fault_pending_info {
	u64 cookie;
	u64 reported_ns;	/* ktime_get_ns() when the driver reported it */
	char dev[IOMMU_FAULT_DEV_LEN];
	char policy[IOMMU_FAULT_NAME_LEN];
	u64 addr;
	u32 sid;
	u32 pasid;
	u32 flags;
	u32 deferred;
};

/**
 * struct iommu_fault_pool - the pending faults of one core
 * @lock: everything below but @limits_lock, @wq and @reboot_nb
 * @slots: the pool, @size slots
 * @free: free slots
 * @live: parked, queued and running slots, oldest first
 * @size: slots in the pool
 * @nr_free: slots on @free
 * @cookie_shift: a cookie holds the slot index in its low @cookie_shift
 *	bits, above it a count that only goes up, across resizes, so that no
 *	cookie is ever reused (64 bits: 2^52 faults with the default pool)
 * @last_cookie: the newest cookie
 * @deadline_ms: how long a fault may stay pending (WRITE_ONCE under @lock)
 * @watchdog_armed: @watchdog is queued for @watchdog_at, no later than
 *	the oldest live slot's deadline
 * @watchdog_at: in jiffies
 * @watchdog: aborts what reached its deadline
 * @limits_lock: serialises resizes and deadline changes
 * @wq: runs the deferred stage
 * @reboot_nb: answers what is pending before the machine stops
 * @test_moved: (test seams) completed when a link update moved faults
 * @test_overscan: (test seams) see iommu_fault_pending_test_watchdog_overscan()
 */
struct iommu_fault_pool {
	spinlock_t lock;		/* slot states, lists, cookies */
	struct iommu_fault_pending *slots;
	struct list_head free;
	struct list_head live;
	u32 size;
	u32 nr_free;
	unsigned int cookie_shift;
	u64 last_cookie;
	u32 deadline_ms;
	bool watchdog_armed;
	unsigned long watchdog_at;
	struct delayed_work watchdog;
	struct mutex limits_lock;	/* resizes, deadline changes */
	struct workqueue_struct *wq;
	struct notifier_block reboot_nb;
#if IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_TEST_SEAMS)
	struct completion *test_moved;
	u32 test_overscan;
#endif
};

int iommu_fault_pool_init(struct iommu_fault_pool *pool);
void iommu_fault_pool_destroy(struct iommu_fault_pool *pool);
void iommu_fault_pending_queue_work(struct iommu_fault_pool *pool,
				    struct work_struct *work);
size_t iommu_fault_pending_slot_size(void);

int iommu_fault_pend(struct iommu_fault_dev *fdev,
		     struct iommu_fault_policy *policy,
		     const struct iommu_fault_ctx *ctx, bool defer);
int iommu_fault_respond(struct iommu_fault_pool *pool, u64 cookie,
			int status, const char *dev);
struct iommu_fault_policy *iommu_fault_pending_running_policy(void);
struct device *iommu_fault_pending_ctx_device(const struct iommu_fault_ctx *ctx);

void iommu_fault_pending_policy_gone(struct iommu_fault_policy *policy);
void iommu_fault_pending_policy_move(struct iommu_fault_policy *old,
				     struct iommu_fault_policy *new,
				     bool same_place);
void iommu_fault_pending_dev_abort(struct iommu_fault_dev *fdev);
void iommu_fault_pending_dev_gone(struct iommu_fault_dev *fdev);
void iommu_fault_pending_abort_all(struct iommu_fault_pool *pool);

int iommu_fault_pending_set_limits(struct iommu_fault_pool *pool,
				   u32 pool_size, u32 deadline_ms);
void iommu_fault_pending_limits(struct iommu_fault_pool *pool,
				u32 *pool_size, u32 *deadline_ms, u32 *in_use);
int iommu_fault_pending_list(struct iommu_fault_pool *pool, u64 after,
			     struct iommu_fault_pending_info *out, u32 max);

#if IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_TEST_SEAMS)
void iommu_fault_pending_test_max_active(struct iommu_fault_pool *pool, int n);
void iommu_fault_pending_test_flush(struct iommu_fault_pool *pool);
void iommu_fault_pending_test_on_move(struct iommu_fault_pool *pool,
				      struct completion *done);
u32 iommu_fault_pending_test_watchdog_overscan(struct iommu_fault_pool *pool);
#endif

/* Dispatcher entry points the pending code calls back into. */
void iommu_fault_answer(struct iommu_fault_dev *fdev,
			const struct iommu_fault_ctx *ctx, bool retry);
void iommu_fault_quarantine(struct iommu_fault_dev *fdev);
bool iommu_fault_apply(struct iommu_fault_dev *fdev,
		       struct iommu_fault_ctx *ctx,
		       struct iommu_fault_policy *decider,
		       enum iommu_fault_action act);
void iommu_fault_continue(struct iommu_fault_dev *fdev,
			  struct iommu_fault_ctx *ctx,
			  struct iommu_fault_policy *policy);
enum iommu_fault_action iommu_fault_run_sleepable(struct iommu_fault_policy *policy,
						  struct iommu_fault_ctx *ctx);

#endif /* _IOMMU_FAULT_PENDING_H */
