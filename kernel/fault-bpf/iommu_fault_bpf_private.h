/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-fault-bpf core internals, shared by its files (and its tests):
 *
 *   struct_ops.c  the struct iommu_fault_ops plumbing; the initcall
 *   kfuncs.c      what a policy may ask of the kernel
 *   policy.c      chains; attach, detach and replace of policies
 *   device.c      IOMMU instances and devices, their lifetime
 *   dispatch.c    the fault path: report, chain walk, verdict, answer,
 *                 the deferred stage, the expiry of pending faults
 *   pending.c     the pool of pending faults, and only that
 *   verdict.c     what a policy's return value means
 *   ctl.c         the control device, /dev/iommu_fault
 *   generic.c     the IOMMU core's hooks (io-pgfault, report_iommu_fault()):
 *                 the devices of drivers that report no faults themselves
 *   trace.h       tracepoints
 *
 * Locks, outermost first: iommu_fault_core::lock (a mutex: attach, detach,
 * device add and remove), the lifecycle mutex (init and exit ops), the
 * pool's spinlock (slot states; taken from the fault path, irqsave).
 */
#ifndef _IOMMU_FAULT_BPF_PRIVATE_H
#define _IOMMU_FAULT_BPF_PRIVATE_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/iommu_fault_bpf.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct bpf_link;
struct bpf_prog;
struct completion;

/* --- verdicts (verdict.c) ---------------------------------------------- */

/**
 * enum iommu_fault_action - what the core does with a fault after one op
 * @IOMMU_FAULT_ACT_NEXT: ask the next policy (stock path at chain end)
 * @IOMMU_FAULT_ACT_RETRY: answer the fault, retry the access
 * @IOMMU_FAULT_ACT_ABORT: answer the fault, abort the access
 * @IOMMU_FAULT_ACT_QUARANTINE: abort, abort the device's other pending
 *	faults and quarantine the device
 * @IOMMU_FAULT_ACT_PARK: keep the fault pending until answered or expired
 * @IOMMU_FAULT_ACT_DEFER: queue the policy's sleepable op
 */
enum iommu_fault_action {
	IOMMU_FAULT_ACT_NEXT,
	IOMMU_FAULT_ACT_RETRY,
	IOMMU_FAULT_ACT_ABORT,
	IOMMU_FAULT_ACT_QUARANTINE,
	IOMMU_FAULT_ACT_PARK,
	IOMMU_FAULT_ACT_DEFER,
};

/**
 * enum iommu_fault_misuse - how a verdict broke the rules, for the counters
 * @IOMMU_FAULT_MISUSE_NONE: the verdict was valid where it was returned
 * @IOMMU_FAULT_MISUSE_BAD_VERDICT: unknown value, DEFER from the sleepable
 *	op, or DEFER from a policy without a sleepable op
 * @IOMMU_FAULT_MISUSE_UNRECOVERABLE: a verdict other than NONE for a fault
 *	that cannot be answered (coerced to NONE)
 */
enum iommu_fault_misuse {
	IOMMU_FAULT_MISUSE_NONE,
	IOMMU_FAULT_MISUSE_BAD_VERDICT,
	IOMMU_FAULT_MISUSE_UNRECOVERABLE,
};

struct iommu_fault_resolution {
	enum iommu_fault_action action;
	enum iommu_fault_misuse misuse;
};

struct iommu_fault_resolution
iommu_fault_resolve(int status, enum iommu_fault_stage stage,
		    bool recoverable, bool has_sleepable);

/* --- policies, devices, pending faults ------------------------------- */

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
 * @id: names it to user space; given at attach, never reused in its core
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
	u32 id;
	u64 attached_ns;
	struct bpf_link *link;
	struct iommu_fault_policy_stats stats;
};

/* Counters of one device. */
struct iommu_fault_dev_stats {
	atomic64_t faults[2];			/* unrecoverable, recoverable */
	atomic64_t responses[2];			/* abort, retry */
	atomic64_t stock;			/* left to the driver */
	atomic64_t quarantine_drops;
	atomic64_t deferred;
	atomic64_t ignored;
	atomic64_t timeouts;
	atomic64_t pool_full;
	atomic64_t fast_ns_log2[IOMMU_FAULT_HIST_BUCKETS];
	atomic64_t pending_ns_log2[IOMMU_FAULT_HIST_BUCKETS];
};

/**
 * struct iommu_fault_dev - a device the IOMMU driver added
 * @dev: the device
 * @name: dev_name(@dev), copied at add (fixed by then): every fault
 *	carries it, and a fixed-size copy costs a few instructions
 * @sid: its (first) requester ID at the IOMMU
 * @id: names it to user space; given at add, never reused in its core
 * @core: @src's core
 * @src: the IOMMU instance in front of it
 * @drvdata: the driver's handle for it (e.g. its SMMU master)
 * @chain: its policies, NULL when none targets it (RCU)
 * @seq: last fault sequence number
 * @flags: IOMMU_FAULT_DEV_QUARANTINED: a policy returned FAILURE; cleared
 *	by a reset
 * @gone: being removed or quiesced: takes no new pending fault (pending
 *	lock)
 * @refs: the driver's (from add to remove), and one for each user outside
 *	the driver's fault path (a claimer, a worker, a lookup); removal
 *	waits for the others before the driver frees what they use
 * @node: in the core's list of devices (its lock)
 * @stats: its counters
 */
struct iommu_fault_dev {
	struct device *dev;
	char name[IOMMU_FAULT_DEV_LEN];
	u32 sid;
	u32 id;
	struct iommu_fault_core *core;
	struct iommu_fault_source *src;
	void *drvdata;
	struct iommu_fault_chain __rcu *chain;
	atomic64_t seq;
	unsigned long flags;
	bool gone;
	refcount_t refs;
	struct list_head node;
	struct rcu_head rcu;
	struct iommu_fault_dev_stats stats;
};

#define IOMMU_FAULT_DEV_QUARANTINED	0	/* bit of iommu_fault_dev::flags */

/*
 * One pending fault: its record and what the answer needs.  While the
 * slot is in use, rec.cookie names it (0 when free).  The context of its
 * sleepable op and of its answer is rebuilt from @rec and @fdev
 * (iommu_fault_pending_ctx()): a copy of the device's name in every slot
 * would make it 64 bytes larger.  @pended keeps the low 32 bits of
 * jiffies: a live slot is claimed at its deadline, at most an hour later.
 * @state and @node belong to pending.c; a claimer uses @node for its list
 * of claimed slots.
 */
struct iommu_fault_pending {
	struct iommu_fault_record rec;
	void *handle;			/* the driver's, for the answer */
	struct iommu_fault_dev *fdev;
	struct iommu_fault_policy *policy;
	struct list_head node;		/* live list, free list, or claimed */
	struct work_struct work;
	u32 pended;			/* jiffies, low 32 bits */
	u32 state;			/* pending.c's enum pending_state */
};

#define IOMMU_FAULT_POOL_DEFAULT	4096
#define IOMMU_FAULT_DEADLINE_MS_DEFAULT	1000
#define IOMMU_FAULT_DEADLINE_MS_MAX	(3600U * 1000)

/* Snapshot of one pending fault, for listing. */
struct iommu_fault_pending_info {
	u64 cookie;
	u64 since_ns;	/* rec.timestamp: reported, or kept if unstamped */
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
 * @deferred_stage: the dispatcher's work on a deferred slot
 * @watchdog: the dispatcher's expiry work: aborts what reached its deadline
 * @limits_lock: serialises resizes and deadline changes
 * @wq: runs the deferred stage, the dispatcher's work on each slot
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
	work_func_t deferred_stage;
	struct delayed_work watchdog;
	struct mutex limits_lock;	/* resizes, deadline changes */
	struct workqueue_struct *wq;
#if IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_TEST_SEAMS)
	struct completion *test_moved;
	u32 test_overscan;
#endif
};

/* --- the core --------------------------------------------------------- */

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
 * @last_policy_id: the id of the last policy attached (@lock)
 * @last_dev_id: the id of the last device added (@lock)
 * @nr_quarantined: quarantined devices
 * @nr_stamping: attached policies with IOMMU_FAULT_OPS_TIMESTAMP: while
 *	there are any, each fault's clock is read when it is reported
 *	(@lock; read without it)
 * @quarantine_holds_key: quarantine outlives the policies: while a device
 *	is quarantined, the fault path stays on (@key is held once for all of
 *	them) even when the last policy is gone.  Taken at the detach that
 *	would turn it off, dropped with the last quarantine (@lock).
 * @key: turns the drivers' hook on while the core has anything to do;
 *	only the machine's core has one
 * @pool: the pending faults
 * @reboot_nb: answers what is pending before the machine stops
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
	u32 last_policy_id;
	u32 last_dev_id;
	atomic_t nr_quarantined;
	u32 nr_stamping;
	bool quarantine_holds_key;
	struct static_key_false *key;
	struct iommu_fault_pool pool;
	struct notifier_block reboot_nb;
};

extern struct iommu_fault_core iommu_fault_sys_core;

static inline void iommu_fault_core_key_inc(struct iommu_fault_core *core)
{
	if (core->key)
		static_branch_inc(core->key);
}

static inline void iommu_fault_core_key_dec(struct iommu_fault_core *core)
{
	if (core->key)
		static_branch_dec(core->key);
}

/* dispatch.c */
int iommu_fault_core_init(struct iommu_fault_core *core,
			  struct static_key_false *key);
void iommu_fault_core_destroy(struct iommu_fault_core *core);
void iommu_fault_respond(struct iommu_fault_dev *fdev,
			 const struct iommu_fault_ctx *ctx, void *handle,
			 bool retry);
void iommu_fault_quarantine(struct iommu_fault_dev *fdev);
int iommu_fault_respond_by_cookie(struct iommu_fault_pool *pool, u64 cookie,
				  int status, const char *dev);
unsigned int iommu_fault_abort_policy(struct iommu_fault_policy *policy);
void iommu_fault_abort_dev_gone(struct iommu_fault_dev *fdev);
struct iommu_fault_policy *iommu_fault_caller_policy(void);
struct device *iommu_fault_ctx_device(const struct iommu_fault_ctx *ctx);

/* policy.c */
int iommu_fault_policy_attach(struct iommu_fault_core *core,
			      struct iommu_fault_ops *ops, struct bpf_link *link);
void iommu_fault_policy_detach(struct iommu_fault_core *core,
			       struct iommu_fault_ops *ops);
int iommu_fault_policy_replace(struct iommu_fault_core *core,
			       struct iommu_fault_ops *new_ops,
			       struct iommu_fault_ops *old_ops,
			       struct bpf_link *link);
struct iommu_fault_chain *iommu_fault_chain_find(struct iommu_fault_core *core,
						 const char *dev);
void iommu_fault_chain_put(struct iommu_fault_core *core,
			   struct iommu_fault_chain *chain);
struct iommu_fault_policy *iommu_fault_lifecycle_caller(void);
void iommu_fault_policy_put(struct iommu_fault_policy *policy);

static inline void iommu_fault_policy_get(struct iommu_fault_policy *policy)
{
	atomic_inc(&policy->refs);
}

/* Whether @a runs after @b in a chain: by priority, then attach order. */
static inline bool iommu_fault_runs_after(const struct iommu_fault_policy *a,
					  const struct iommu_fault_policy *b)
{
	if (a->priority != b->priority)
		return a->priority > b->priority;
	return a->order > b->order;
}

/* device.c */
int iommu_fault_core_source_add(struct iommu_fault_core *core,
				struct iommu_fault_source *src);
struct iommu_fault_source *
iommu_fault_source_lookup(struct iommu_fault_core *core, const char *name);
struct iommu_fault_dev *iommu_fault_dev_lookup(struct iommu_fault_core *core,
					       const char *name);
struct iommu_fault_dev *iommu_fault_dev_after(struct iommu_fault_core *core,
					      u32 id);
struct iommu_fault_dev *iommu_fault_dev_find(struct iommu_fault_core *core,
					     const char *name);
void iommu_fault_dev_put(struct iommu_fault_dev *fdev);
void iommu_fault_dev_quarantine_lift(struct iommu_fault_dev *fdev);
void iommu_fault_dev_quiesce(struct iommu_fault_dev *fdev);

static inline bool iommu_fault_dev_quarantined(const struct iommu_fault_dev *fdev)
{
	return test_bit(IOMMU_FAULT_DEV_QUARANTINED, &fdev->flags);
}

static inline void iommu_fault_dev_get(struct iommu_fault_dev *fdev)
{
	refcount_inc(&fdev->refs);
}

/* pending.c */
int iommu_fault_pool_init(struct iommu_fault_pool *pool,
			  work_func_t deferred_stage, work_func_t expire);
void iommu_fault_pool_destroy(struct iommu_fault_pool *pool);

void iommu_fault_pending_ctx(const struct iommu_fault_pending *p,
			     struct iommu_fault_ctx *ctx);
int iommu_fault_pending_take(struct iommu_fault_dev *fdev,
			     struct iommu_fault_policy *policy,
			     const struct iommu_fault_ctx *ctx, void *handle,
			     bool defer);

/* Which live slots a sweep claims. */
enum iommu_fault_sweep_match {
	IOMMU_FAULT_SWEEP_ALL,
	IOMMU_FAULT_SWEEP_POLICY,	/* of the policy @arg */
	IOMMU_FAULT_SWEEP_DEV,		/* of the device @arg */
	IOMMU_FAULT_SWEEP_EXPIRED,	/* at their deadline: the oldest */
};

/**
 * struct iommu_fault_sweep - a walk of the live slots, a batch at a time
 * @match: which slots it claims
 * @arg: the policy or device of @match
 * @cursor: private: the cookie of the last slot looked at and left
 * @now: private: jiffies when an expiry sweep began
 * @visited: live slots looked at so far
 * @done: no live slot is left to look at
 */
struct iommu_fault_sweep {
	enum iommu_fault_sweep_match match;
	const void *arg;
	u64 cursor;
	unsigned long now;
	unsigned int visited;
	bool done;
};

void iommu_fault_sweep_init(struct iommu_fault_sweep *s,
			    enum iommu_fault_sweep_match match,
			    const void *arg);
unsigned int iommu_fault_pending_claim_batch(struct iommu_fault_pool *pool,
					     struct iommu_fault_sweep *s,
					     struct list_head *claimed);
int iommu_fault_pending_claim_cookie(struct iommu_fault_pool *pool,
				     u64 cookie, const char *dev,
				     struct iommu_fault_pending **claimed);
void iommu_fault_pending_release(struct iommu_fault_pool *pool,
				 struct iommu_fault_pending *p);
void iommu_fault_pending_rearm(struct iommu_fault_pool *pool);

/* How a deferred stage ends for its slot. */
enum iommu_fault_run_end {
	IOMMU_FAULT_RUN_DROPPED,	/* claimed meanwhile: verdict dropped */
	IOMMU_FAULT_RUN_PARKED,		/* still pending, parked */
	IOMMU_FAULT_RUN_DONE,		/* freed: the caller carries it out */
};

bool iommu_fault_pending_run_begin(struct iommu_fault_pool *pool,
				   struct iommu_fault_pending *p,
				   struct iommu_fault_dev **fdev,
				   struct iommu_fault_policy **policy);
enum iommu_fault_run_end
iommu_fault_pending_run_end(struct iommu_fault_pool *pool,
			    struct iommu_fault_pending *p, bool park,
			    void **handle);
void iommu_fault_pending_move(struct iommu_fault_pool *pool,
			      struct iommu_fault_policy *old,
			      struct iommu_fault_policy *new, bool same_place);
void iommu_fault_pending_set_gone(struct iommu_fault_dev *fdev, bool gone);

int iommu_fault_pending_set_limits(struct iommu_fault_pool *pool,
				   u32 pool_size, u32 deadline_ms);
void iommu_fault_pending_limits(struct iommu_fault_pool *pool,
				u32 *pool_size, u32 *deadline_ms, u32 *in_use);
int iommu_fault_pending_list(struct iommu_fault_pool *pool, u64 after,
			     struct iommu_fault_pending_info *out, u32 max);

/* struct_ops.c, kfuncs.c */
bool iommu_fault_prog_is_policy(const struct bpf_prog *prog);
int iommu_fault_kfuncs_init(void);
/* The kfunc, called directly by the KUnit tests' C policies. */
int bpf_iommu_fault_respond(u64 cookie, int status);

/* ctl.c */
int iommu_fault_ctl_init(void);
void iommu_fault_counts(struct iommu_fault_core *core, u32 *nr_policies,
			u32 *nr_devices, u64 *orphans);
int iommu_fault_dev_ctl(struct iommu_fault_core *core,
			struct iommu_fault_ctl_dev *out, bool reset);

/* Test seams: the tests below and the edu test driver only. */
#if IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_TEST_SEAMS)
void iommu_fault_pending_test_max_active(struct iommu_fault_pool *pool, int n);
void iommu_fault_pending_test_flush(struct iommu_fault_pool *pool);
void iommu_fault_pending_test_on_move(struct iommu_fault_pool *pool,
				      struct completion *done);
void iommu_fault_pending_test_note_moved(struct iommu_fault_pool *pool);
u32 iommu_fault_pending_test_watchdog_overscan(struct iommu_fault_pool *pool);
void iommu_fault_pending_test_note_watchdog(struct iommu_fault_pool *pool,
					    unsigned int visited,
					    unsigned int aborted);
const struct iommu_fault_driver_ops *iommu_fault_generic_test_ops(void);
#else
static inline void iommu_fault_pending_test_note_moved(struct iommu_fault_pool *pool)
{
}

static inline void
iommu_fault_pending_test_note_watchdog(struct iommu_fault_pool *pool,
				       unsigned int visited,
				       unsigned int aborted)
{
}
#endif

#endif /* _IOMMU_FAULT_BPF_PRIVATE_H */
