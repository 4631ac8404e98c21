// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the iommu-fault-bpf core: the verdict resolution table
 * of the design (statuses x stage x recoverable), including the values a
 * buggy policy can return; then the real dispatcher and pending pool
 * driven by C policies and a fake IOMMU that records its responses.  Each
 * case has a core of its own: the machine's chains, static key and pool
 * are not touched.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/jump_label.h>
#include <linux/kthread.h>
#include <linux/limits.h>

#include "iommu_fault_bpf_private.h"
#include "trace.h"

#define ATOMIC		IOMMU_FAULT_STAGE_ATOMIC
#define SLEEPABLE	IOMMU_FAULT_STAGE_SLEEPABLE

struct verdict_case {
	const char *desc;
	int status;
	enum iommu_fault_stage stage;
	bool recoverable;
	bool has_sleepable;
	enum iommu_fault_action action;
	enum iommu_fault_misuse misuse;
};

#define RECOV(st, stg, sl, act, mis) {					\
	.desc = "recoverable " #st " from " #stg " sleepable-op=" #sl,	\
	.status = IOMMU_FAULT_STATUS_##st, .stage = stg,		\
	.recoverable = true, .has_sleepable = sl,			\
	.action = IOMMU_FAULT_ACT_##act, .misuse = IOMMU_FAULT_MISUSE_##mis }

#define UNRECOV(st, stg, act, mis) {					\
	.desc = "unrecoverable " #st " from " #stg,			\
	.status = IOMMU_FAULT_STATUS_##st, .stage = stg,		\
	.recoverable = false, .has_sleepable = true,			\
	.action = IOMMU_FAULT_ACT_##act, .misuse = IOMMU_FAULT_MISUSE_##mis }

#define RAW(val, rec, act, mis) {					\
	.desc = "raw value " #val " recoverable=" #rec,			\
	.status = (val), .stage = ATOMIC,				\
	.recoverable = rec, .has_sleepable = true,			\
	.action = IOMMU_FAULT_ACT_##act, .misuse = IOMMU_FAULT_MISUSE_##mis }

static const struct verdict_case verdict_cases[] = {
	/* Recoverable faults, fast op (DESIGN section 3, left column). */
	RECOV(NONE,	ATOMIC,    true,  NEXT,       NONE),
	RECOV(HANDLED,	ATOMIC,    true,  RETRY,      NONE),
	RECOV(INVALID,	ATOMIC,    true,  ABORT,      NONE),
	RECOV(FAILURE,	ATOMIC,    true,  QUARANTINE, NONE),
	RECOV(IGNORE,	ATOMIC,    true,  PARK,       NONE),
	RECOV(DEFER,	ATOMIC,    true,  DEFER,      NONE),
	/* DEFER without a sleepable op: INVALID, counted. */
	RECOV(DEFER,	ATOMIC,    false, ABORT,      BAD_VERDICT),
	/* Recoverable faults, sleepable op: its verdict is final. */
	RECOV(NONE,	SLEEPABLE, true,  NEXT,       NONE),
	RECOV(HANDLED,	SLEEPABLE, true,  RETRY,      NONE),
	RECOV(INVALID,	SLEEPABLE, true,  ABORT,      NONE),
	RECOV(FAILURE,	SLEEPABLE, true,  QUARANTINE, NONE),
	RECOV(IGNORE,	SLEEPABLE, true,  PARK,       NONE),
	/* DEFER from the sleepable op would loop: INVALID, counted. */
	RECOV(DEFER,	SLEEPABLE, true,  ABORT,      BAD_VERDICT),
	/* Unrecoverable faults: only NONE is valid, the rest coerced. */
	UNRECOV(NONE,	 ATOMIC,    NEXT, NONE),
	UNRECOV(HANDLED, ATOMIC,    NEXT, UNRECOVERABLE),
	UNRECOV(INVALID, ATOMIC,    NEXT, UNRECOVERABLE),
	UNRECOV(FAILURE, ATOMIC,    NEXT, UNRECOVERABLE),
	UNRECOV(IGNORE,	 ATOMIC,    NEXT, UNRECOVERABLE),
	UNRECOV(DEFER,	 ATOMIC,    NEXT, UNRECOVERABLE),
	UNRECOV(HANDLED, SLEEPABLE, NEXT, UNRECOVERABLE),
	/* Values outside the enum: abort a stall, never leave it hanging. */
	RAW(-1,		true,  ABORT, BAD_VERDICT),
	RAW(6,		true,  ABORT, BAD_VERDICT),
	RAW(INT_MAX,	true,  ABORT, BAD_VERDICT),
	RAW(INT_MIN,	true,  ABORT, BAD_VERDICT),
	RAW(-1,		false, NEXT,  BAD_VERDICT),
	RAW(6,		false, NEXT,  BAD_VERDICT),
};

KUNIT_ARRAY_PARAM_DESC(verdict, verdict_cases, desc);

static void iommu_fault_resolve_table(struct kunit *test)
{
	const struct verdict_case *c = test->param_value;
	struct iommu_fault_resolution r;

	r = iommu_fault_resolve(c->status, c->stage, c->recoverable,
				c->has_sleepable);
	KUNIT_EXPECT_EQ(test, r.action, c->action);
	KUNIT_EXPECT_EQ(test, r.misuse, c->misuse);
}

/*
 * Whatever a policy returns for a recoverable fault, the fault ends up
 * answered, parked or passed on: never an action that drops it.
 */
static void iommu_fault_resolve_total(struct kunit *test)
{
	int status;

	for (status = -8; status < __IOMMU_FAULT_STATUS_MAX + 8; status++) {
		struct iommu_fault_resolution r;

		r = iommu_fault_resolve(status, SLEEPABLE, true, true);
		KUNIT_EXPECT_NE(test, r.action, IOMMU_FAULT_ACT_DEFER);
		r = iommu_fault_resolve(status, ATOMIC, false, true);
		KUNIT_EXPECT_EQ(test, r.action, IOMMU_FAULT_ACT_NEXT);
	}
}

static struct kunit_case iommu_fault_verdict_cases[] = {
	KUNIT_CASE_PARAM(iommu_fault_resolve_table, verdict_gen_params),
	KUNIT_CASE(iommu_fault_resolve_total),
	{}
};

static struct kunit_suite iommu_fault_verdict_suite = {
	.name = "iommu_fault_bpf_verdict",
	.test_cases = iommu_fault_verdict_cases,
};

/* --- the dispatcher and the pool, with a fake IOMMU ------------------- */

#define MAX_EVENTS	16
#define NR_OPS		4
#define FAKE_DEV	"ifb-kunit-dev"
#define FAKE_DEV2	"ifb-kunit-dev2"
#define WAIT		(5 * HZ)	/* for what must happen */
#define NOT_YET		(HZ / 10)	/* for what must not happen yet */

struct fake_response {
	u32 grpid;
	bool retry;
};

static struct {
	int order[MAX_EVENTS];		/* ids of the fast ops, in call order */
	int n_order;
	int retries, aborts, stock;
	int wrong_handles;		/* answers with another fault's handle */
	struct fake_response responses[MAX_EVENTS];
	int n_responses;
	int verdict[NR_OPS];		/* what fast op i returns */
	struct iommu_fault_ctx last;	/* what the last fast op saw */
	struct iommu_fault_ctx last_sleep;	/* ... and sleepable op */
	int sleep_verdict[NR_OPS];	/* what sleepable op i returns */
	int sleep_calls[NR_OPS];
	int exits[NR_OPS];
	int exits_while_sleeping;
	atomic_t sleeping;		/* sleepable ops running */
	/* Fast and init op i answer these cookies through the kfunc. */
	u64 respond_cookie[NR_OPS][2];
	int respond_ret[NR_OPS][2];
	/* Armed by a test: the next sleepable op 0, or resume, blocks. */
	bool block_sleep, block_response;
	struct completion sleep_entered, sleep_go;
	struct completion response_entered, response_go;
} fake;

/* The handle the fake driver reports a fault with: one per group. */
static u8 fake_handles[MAX_EVENTS];

static void *fake_handle(u32 grpid)
{
	return &fake_handles[grpid % MAX_EVENTS];
}

static void fake_driver_respond(struct iommu_fault_dev *fdev,
				const struct iommu_fault_ctx *ctx, void *handle,
				bool retry)
{
	/* Whichever stage answers, the driver gets its own handle back. */
	if (handle != fake_handle(ctx->grpid))
		fake.wrong_handles++;
	/* A driver reads the context when it builds its command. */
	if (xchg(&fake.block_response, false)) {
		complete(&fake.response_entered);
		wait_for_completion_timeout(&fake.response_go, WAIT);
	}
	if (fake.n_responses < MAX_EVENTS)
		fake.responses[fake.n_responses++] = (struct fake_response) {
			.grpid = ctx->grpid, .retry = retry,
		};
	if (retry)
		fake.retries++;
	else
		fake.aborts++;
}

static void fake_stock(struct iommu_fault_dev *fdev,
		       const struct iommu_fault_ctx *ctx, void *handle)
{
	if (handle != fake_handle(ctx->grpid))
		fake.wrong_handles++;
	fake.stock++;
}

static const struct iommu_fault_driver_ops fake_driver_ops = {
	.respond = fake_driver_respond,
	.stock = fake_stock,
};

static void fake_respond_cookies(int i)
{
	int j;

	for (j = 0; j < 2; j++)
		if (fake.respond_cookie[i][j])
			fake.respond_ret[i][j] =
				bpf_iommu_fault_respond(fake.respond_cookie[i][j],
							IOMMU_FAULT_STATUS_HANDLED);
}

struct core_env;
static struct core_env *fake_env;

/* Which of the test's policies is calling: its index in core_env::ops. */
static int fake_caller(void);

/* Slots of the case's pool in use. */
static u32 pool_in_use(struct kunit *test);

/* Fast op number i: note the call, answer what it was told to, decide. */
static int fake_fault(struct iommu_fault_ctx *ctx)
{
	int i = fake_caller();

	if (fake.n_order < MAX_EVENTS)
		fake.order[fake.n_order++] = i;
	fake.last = *ctx;
	/* For its sleepable op: the one part of the context it may write. */
	memset(ctx->scratch, 0xa0 + i, sizeof(ctx->scratch));
	fake_respond_cookies(i);
	return fake.verdict[i];
}

static int fake_sleepable(struct iommu_fault_ctx *ctx)
{
	int i = fake_caller();

	atomic_inc(&fake.sleeping);
	fake.sleep_calls[i]++;
	fake.last_sleep = *ctx;
	if (!i && xchg(&fake.block_sleep, false)) {
		complete(&fake.sleep_entered);
		wait_for_completion_timeout(&fake.sleep_go, WAIT);
	}
	atomic_dec(&fake.sleeping);
	return fake.sleep_verdict[i];
}

static int fake_init(void)
{
	fake_respond_cookies(fake_caller());
	return 0;
}

static void fake_exit(void)
{
	fake.exits[fake_caller()]++;
	if (atomic_read(&fake.sleeping))
		fake.exits_while_sleeping++;
}

struct core_env {
	struct iommu_fault_core core;	/* the case's own */
	struct iommu_fault_source src;	/* the fake IOMMU, on @core */
	struct device *dev, *dev2;
	struct iommu_fault_dev *fdev, *fdev2;
	struct iommu_fault_ops ops[NR_OPS];
	bool attached[NR_OPS];
};

/* The core knows which policy's op runs: that is how kfuncs check it. */
static int fake_caller(void)
{
	struct iommu_fault_policy *policy = iommu_fault_caller_policy();

	if (WARN_ON(!policy || policy->ops < fake_env->ops ||
		    policy->ops >= fake_env->ops + NR_OPS))
		return 0;
	return policy->ops - fake_env->ops;
}

/*
 * A core of the case's own, with the fake IOMMU and two devices on it.
 * Its faults are reported with __iommu_fault_report(): it has no static
 * key, and the machine's is not touched.
 */
static int core_init(struct kunit *test)
{
	struct core_env *env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, env);
	KUNIT_ASSERT_EQ(test, iommu_fault_core_init(&env->core, NULL), 0);
	env->src.name = "kunit-iommu";
	env->src.ops = &fake_driver_ops;
	iommu_fault_core_source_add(&env->core, &env->src);
	memset(&fake, 0, sizeof(fake));
	init_completion(&fake.sleep_entered);
	init_completion(&fake.sleep_go);
	init_completion(&fake.response_entered);
	init_completion(&fake.response_go);
	env->dev = kunit_device_register(test, FAKE_DEV);
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->dev));
	env->dev2 = kunit_device_register(test, FAKE_DEV2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->dev2));
	env->fdev = iommu_fault_dev_add(&env->src, env->dev, 0x99, NULL);
	KUNIT_ASSERT_NOT_NULL(test, env->fdev);
	env->fdev2 = iommu_fault_dev_add(&env->src, env->dev2, 0x9a, NULL);
	KUNIT_ASSERT_NOT_NULL(test, env->fdev2);
	test->priv = env;
	fake_env = env;
	return 0;
}

static void core_exit(struct kunit *test)
{
	struct core_env *env = test->priv;
	u32 nr_policies, nr_devices;
	u64 orphans;
	int i;

	if (!env)	/* core_init() failed */
		return;

	/* Nothing a failed test left blocked may stay blocked. */
	iommu_fault_pending_test_on_move(&env->core.pool, NULL);
	fake.block_sleep = false;
	fake.block_response = false;
	complete_all(&fake.sleep_go);
	complete_all(&fake.response_go);
	for (i = 0; i < ARRAY_SIZE(env->ops); i++)
		if (env->attached[i])
			iommu_fault_policy_detach(&env->core, &env->ops[i]);
	iommu_fault_dev_remove(env->fdev);
	iommu_fault_dev_remove(env->fdev2);
	iommu_fault_source_remove(&env->src);

	/* Every answer and hand-back carried the fault's own handle. */
	KUNIT_EXPECT_EQ(test, fake.wrong_handles, 0);
	/* Detach and removal left nothing behind. */
	iommu_fault_counts(&env->core, &nr_policies, &nr_devices, &orphans);
	KUNIT_EXPECT_EQ(test, nr_policies, 0);
	KUNIT_EXPECT_EQ(test, nr_devices, 0);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
	iommu_fault_core_destroy(&env->core);
}

/* Policy @i's ops, on device @dev ("" = all) with @prio; not attached. */
static struct iommu_fault_ops *policy_ops(struct kunit *test, int i,
					  const char *dev, int prio)
{
	struct core_env *env = test->priv;
	struct iommu_fault_ops *ops = &env->ops[i];

	memset(ops, 0, sizeof(*ops));
	ops->fault = fake_fault;
	ops->fault_sleepable = fake_sleepable;
	ops->init = fake_init;
	ops->exit = fake_exit;
	snprintf(ops->name, sizeof(ops->name), "kunit%d", i);
	strscpy(ops->dev, dev, sizeof(ops->dev));
	ops->priority = prio;
	return ops;
}

/* Attach C policy @i on the test device (@on_dev) or all, with @prio. */
static void attach(struct kunit *test, int i, bool on_dev, int prio)
{
	struct core_env *env = test->priv;

	policy_ops(test, i, on_dev ? dev_name(env->dev) : "", prio);
	KUNIT_ASSERT_EQ(test, iommu_fault_policy_attach(&env->core,
							&env->ops[i], NULL), 0);
	env->attached[i] = true;
}

static void detach(struct kunit *test, int i)
{
	struct core_env *env = test->priv;

	iommu_fault_policy_detach(&env->core, &env->ops[i]);
	env->attached[i] = false;
}

static enum iommu_fault_claim report_on(struct iommu_fault_dev *fdev,
					bool recoverable, u32 grpid)
{
	struct iommu_fault_ctx ctx = {
		.flags = recoverable ? IOMMU_FAULT_CTX_RECOVERABLE : 0,
		.addr = 0x1000,
		.grpid = grpid,
	};

	/* No static key in front of a test's core. */
	return __iommu_fault_report(fdev, &ctx, fake_handle(grpid));
}

static enum iommu_fault_claim report(struct kunit *test, bool recoverable)
{
	struct core_env *env = test->priv;

	return report_on(env->fdev, recoverable, 0);
}

static struct iommu_fault_pool *test_pool(struct kunit *test)
{
	return &((struct core_env *)test->priv)->core.pool;
}

/* The cookie of the @n-th oldest pending fault (from 0), or 0. */
static u64 pending_cookie(struct kunit *test, int n)
{
	struct iommu_fault_pending_info info[8];

	if (iommu_fault_pending_list(test_pool(test), 0, info,
				     ARRAY_SIZE(info)) <= n)
		return 0;
	return info[n].cookie;
}

static u32 pool_in_use(struct kunit *test)
{
	u32 size, deadline, in_use;

	iommu_fault_pending_limits(test_pool(test), &size, &deadline, &in_use);
	return in_use;
}

static int respond(struct kunit *test, u64 cookie, int status)
{
	return iommu_fault_respond_by_cookie(test_pool(test), cookie, status,
					     NULL);
}

static int set_limits(struct kunit *test, u32 pool_size, u32 deadline_ms)
{
	return iommu_fault_pending_set_limits(test_pool(test), pool_size,
					      deadline_ms);
}

/* Something a test runs in a thread of its own, to be blocked there. */
struct async {
	struct completion done;
	void (*fn)(struct async *a);
	struct core_env *env;
	u64 cookie;
	int i, j;
	int ret;
};

static int async_thread(void *data)
{
	struct async *a = data;

	a->fn(a);
	complete(&a->done);
	return 0;
}

static struct async *async_run(struct kunit *test, void (*fn)(struct async *),
			       int i, int j, u64 cookie)
{
	struct async *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	init_completion(&a->done);
	a->fn = fn;
	a->env = test->priv;
	a->i = i;
	a->j = j;
	a->cookie = cookie;
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(async_thread, a,
						    "ifb-kunit")));
	return a;
}

static void async_respond(struct async *a)
{
	a->ret = iommu_fault_respond_by_cookie(&a->env->core.pool, a->cookie,
					       a->i, NULL);
}

static void async_detach(struct async *a)
{
	iommu_fault_policy_detach(&a->env->core, &a->env->ops[a->i]);
}

static void async_replace(struct async *a)
{
	a->ret = iommu_fault_policy_replace(&a->env->core, &a->env->ops[a->j],
					    &a->env->ops[a->i], NULL);
}

static void async_quiesce(struct async *a)
{
	iommu_fault_dev_quiesce(a->env->fdev);
}

static void async_remove(struct async *a)
{
	iommu_fault_dev_remove(a->env->fdev);
}

/* Device policies by priority, then global ones by priority. */
static void chain_order(struct kunit *test)
{
	attach(test, 0, false, -10);	/* global, runs 3rd */
	attach(test, 1, true, 5);	/* device, runs 2nd */
	attach(test, 2, false, 20);	/* global, runs 4th */
	attach(test, 3, true, -5);	/* device, runs 1st */
	fake.verdict[2] = IOMMU_FAULT_STATUS_HANDLED;

	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_ASSERT_EQ(test, fake.n_order, 4);
	KUNIT_EXPECT_EQ(test, fake.order[0], 3);
	KUNIT_EXPECT_EQ(test, fake.order[1], 1);
	KUNIT_EXPECT_EQ(test, fake.order[2], 0);
	KUNIT_EXPECT_EQ(test, fake.order[3], 2);
	KUNIT_EXPECT_EQ(test, fake.retries, 1);
	KUNIT_EXPECT_EQ(test, fake.aborts, 0);
}

/* The first verdict other than NONE ends the walk. */
static void chain_stops_at_decision(struct kunit *test)
{
	attach(test, 0, false, 1);
	attach(test, 1, false, 2);
	fake.verdict[0] = IOMMU_FAULT_STATUS_INVALID;
	fake.verdict[1] = IOMMU_FAULT_STATUS_HANDLED;

	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.n_order, 1);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);
	KUNIT_EXPECT_EQ(test, fake.retries, 0);
}

/* NONE everywhere, or an unrecoverable fault: the driver's own path. */
static void chain_end_is_stock(struct kunit *test)
{
	attach(test, 0, false, 0);
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_UNCLAIMED);
	fake.verdict[0] = IOMMU_FAULT_STATUS_HANDLED;
	KUNIT_EXPECT_EQ(test, report(test, false), IOMMU_FAULT_UNCLAIMED);
	KUNIT_EXPECT_EQ(test, fake.retries + fake.aborts, 0);
}

/*
 * The clock is read when a fault is reported only while a policy asks for
 * it; a parked fault without the time gets it when it is kept.
 */
static void timestamp_only_when_asked(struct kunit *test)
{
	struct core_env *env = test->priv;
	struct iommu_fault_pending_info info;
	u64 before;

	/* The response tracepoint's latency would have every fault timed. */
	if (trace_iommu_fault_bpf_response_enabled())
		kunit_skip(test, "the response tracepoint is on");
	attach(test, 0, false, 0);
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_UNCLAIMED);
	KUNIT_EXPECT_EQ(test, fake.last.timestamp, 0);

	policy_ops(test, 1, "", 1)->flags = IOMMU_FAULT_OPS_TIMESTAMP;
	KUNIT_ASSERT_EQ(test, iommu_fault_policy_attach(&env->core,
							&env->ops[1], NULL), 0);
	env->attached[1] = true;
	before = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_UNCLAIMED);
	KUNIT_EXPECT_GE(test, fake.last.timestamp, before);
	KUNIT_EXPECT_LE(test, fake.last.timestamp, ktime_get_ns());

	detach(test, 1);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	before = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.last.timestamp, 0);
	KUNIT_EXPECT_EQ(test, iommu_fault_pending_list(test_pool(test), 0,
						       &info, 1), 1);
	KUNIT_EXPECT_GE(test, info.since_ns, before);
	KUNIT_EXPECT_LE(test, info.since_ns, ktime_get_ns());
	KUNIT_EXPECT_EQ(test, respond(test, info.cookie,
				      IOMMU_FAULT_STATUS_HANDLED), 0);
	KUNIT_EXPECT_EQ(test, fake.retries, 1);
}

/*
 * A deferred fault's slot keeps its record, not its device's name: the
 * sleepable op still sees the whole fault, and the scratch the fast op
 * wrote.
 */
static void deferred_op_sees_whole_fault(struct kunit *test)
{
	struct core_env *env = test->priv;
	u8 scratch[IOMMU_FAULT_SCRATCH_LEN];

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_DEFER;
	fake.sleep_verdict[0] = IOMMU_FAULT_STATUS_HANDLED;
	KUNIT_EXPECT_EQ(test, report_on(env->fdev, true, 7),
			IOMMU_FAULT_CLAIMED);
	iommu_fault_pending_test_flush(test_pool(test));

	KUNIT_ASSERT_EQ(test, fake.sleep_calls[0], 1);
	KUNIT_EXPECT_EQ(test, fake.last_sleep.stage, SLEEPABLE);
	KUNIT_EXPECT_STREQ(test, fake.last_sleep.dev_name, dev_name(env->dev));
	KUNIT_EXPECT_EQ(test, fake.last_sleep.flags,
			IOMMU_FAULT_CTX_RECOVERABLE);
	KUNIT_EXPECT_EQ(test, fake.last_sleep.addr, 0x1000);
	KUNIT_EXPECT_EQ(test, fake.last_sleep.grpid, 7);
	KUNIT_EXPECT_EQ(test, fake.last_sleep.seq, fake.last.seq);
	KUNIT_EXPECT_NE(test, fake.last_sleep.cookie, 0);
	KUNIT_EXPECT_NE(test, fake.last_sleep.timestamp, 0);
	memset(scratch, 0xa0, sizeof(scratch));
	KUNIT_EXPECT_MEMEQ(test, fake.last_sleep.scratch, scratch,
			   sizeof(scratch));
	KUNIT_ASSERT_EQ(test, fake.n_responses, 1);
	KUNIT_EXPECT_EQ(test, fake.responses[0].grpid, 7);
	KUNIT_EXPECT_TRUE(test, fake.responses[0].retry);
}

/* A full pool answers at once; detach answers what was parked. */
static void pool_exhaustion(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, set_limits(test, 2, 0), 0);
	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;

	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.aborts, 0);
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);	/* the one that found no slot */
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 2);
	/* The pool cannot shrink under pending faults. */
	KUNIT_EXPECT_EQ(test, set_limits(test, 8, 0), -EBUSY);

	detach(test, 0);
	KUNIT_EXPECT_EQ(test, fake.aborts, 3);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
}

/* Policy 0 attached, global, parking (IGNORE) one fault: its cookie. */
static u64 park_one(struct kunit *test)
{
	u64 cookie;

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report(test, true);
	cookie = pending_cookie(test, 0);
	KUNIT_ASSERT_NE(test, cookie, 0);
	return cookie;
}

/* A parked fault is aborted at its deadline, once; its cookie dies. */
static void pending_deadline(struct kunit *test)
{
	u64 cookie;

	KUNIT_ASSERT_EQ(test, set_limits(test, 0, 50), 0);
	cookie = park_one(test);

	msleep(300);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);
	KUNIT_EXPECT_EQ(test, respond(test, cookie, IOMMU_FAULT_STATUS_HANDLED), -ENOENT);
	KUNIT_EXPECT_EQ(test, fake.retries, 0);
	KUNIT_EXPECT_EQ(test, pending_cookie(test, 0), 0);
}

/*
 * The deadline counts from when each fault was parked, for every pending
 * fault: lowering it reaches the ones already waiting.
 */
static void lowered_deadline_reaches_pending(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, set_limits(test, 0, 60000), 0);
	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report(test, true);
	KUNIT_ASSERT_EQ(test, set_limits(test, 0, 50), 0);
	msleep(300);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
}

/*
 * The watchdog looks at what expired and at most one slot more, however
 * many wait behind it: 20 faults parked 150 ms after a first one are not
 * looked at when the first one's deadline comes.  It used to scan the
 * whole live list, twice, at every run.
 */
static void watchdog_scans_only_expired(struct kunit *test)
{
	int i;

	KUNIT_ASSERT_EQ(test, set_limits(test, 0, 200), 0);
	park_one(test);
	msleep(150);
	for (i = 0; i < 20; i++)
		report(test, true);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 21);
	msleep(600);
	KUNIT_EXPECT_EQ(test, fake.aborts, 21);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
	KUNIT_EXPECT_LE(test,
			iommu_fault_pending_test_watchdog_overscan(test_pool(test)),
			1);
}

/* One answer per cookie: the second response sends nothing. */
static void respond_exactly_once(struct kunit *test)
{
	u64 cookie;

	cookie = park_one(test);
	KUNIT_EXPECT_EQ(test, respond(test, cookie, IOMMU_FAULT_STATUS_HANDLED), 0);
	KUNIT_EXPECT_EQ(test, respond(test, cookie, IOMMU_FAULT_STATUS_HANDLED), -ENOENT);
	KUNIT_EXPECT_EQ(test, fake.retries, 1);
	KUNIT_EXPECT_EQ(test, fake.aborts, 0);
}

/* Device removal answers its pending faults. */
static void removal_answers_pending(struct kunit *test)
{
	struct core_env *env = test->priv;

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report(test, true);
	report(test, true);
	iommu_fault_dev_remove(env->fdev);
	KUNIT_EXPECT_EQ(test, fake.aborts, 2);
	env->fdev = iommu_fault_dev_add(&env->src, env->dev, 0x99, NULL);
	KUNIT_ASSERT_NOT_NULL(test, env->fdev);
}

/*
 * Exit runs once, after the policy's last op returned: detach waits for
 * a sleepable op that is running.
 */
static void exit_after_last_op(struct kunit *test)
{
	struct async *a;

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_DEFER;
	fake.sleep_verdict[0] = IOMMU_FAULT_STATUS_HANDLED;
	fake.block_sleep = true;
	report(test, true);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fake.sleep_entered,
							    WAIT));

	a = async_run(test, async_detach, 0, 0, 0);
	KUNIT_EXPECT_FALSE(test, wait_for_completion_timeout(&a->done,
							     NOT_YET));
	KUNIT_EXPECT_EQ(test, fake.exits[0], 0);
	complete(&fake.sleep_go);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a->done, WAIT));
	a->env->attached[0] = false;

	KUNIT_EXPECT_EQ(test, fake.exits[0], 1);
	KUNIT_EXPECT_EQ(test, fake.exits_while_sleeping, 0);
	/* Detach answered it; the op's late HANDLED was dropped. */
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);
	KUNIT_EXPECT_EQ(test, fake.retries, 0);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
}

/*
 * A claimer answering a fault whose sleepable op still runs: the worker,
 * finishing first, must not free the slot under the claimer.  Before the
 * fix it did, a new fault took the slot, and the claimer answered the new
 * fault's stall tag instead of its own (which then got a second answer).
 */
static void claimer_keeps_slot_from_worker(struct kunit *test)
{
	struct core_env *env = test->priv;
	struct async *a;
	u64 cookie;

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_DEFER;
	fake.sleep_verdict[0] = IOMMU_FAULT_STATUS_HANDLED;
	fake.block_sleep = true;
	report_on(env->fdev, true, 1);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fake.sleep_entered,
							    WAIT));
	cookie = pending_cookie(test, 0);
	KUNIT_ASSERT_NE(test, cookie, 0);

	/* The claimer stops in the driver's respond op, answering tag 1. */
	fake.block_response = true;
	a = async_run(test, async_respond, IOMMU_FAULT_STATUS_INVALID, 0,
		      cookie);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fake.response_entered,
							    WAIT));
	/* The op returns; its worker is done with the slot. */
	complete(&fake.sleep_go);
	iommu_fault_pending_test_flush(test_pool(test));
	/* A new fault, tag 2, is parked. */
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report_on(env->fdev, true, 2);
	complete(&fake.response_go);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a->done, WAIT));
	KUNIT_EXPECT_EQ(test, a->ret, 0);

	KUNIT_ASSERT_EQ(test, fake.n_responses, 1);
	KUNIT_EXPECT_EQ(test, fake.responses[0].grpid, 1);
	KUNIT_EXPECT_FALSE(test, fake.responses[0].retry);
	/* Tag 2 waits, and gets its own single answer. */
	cookie = pending_cookie(test, 0);
	KUNIT_ASSERT_NE(test, cookie, 0);
	KUNIT_EXPECT_EQ(test, respond(test, cookie, IOMMU_FAULT_STATUS_HANDLED), 0);
	KUNIT_ASSERT_EQ(test, fake.n_responses, 2);
	KUNIT_EXPECT_EQ(test, fake.responses[1].grpid, 2);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
}

struct claimer_case {
	const char *desc;
	bool watchdog;		/* the deadline answers, not a response */
};

static const struct claimer_case claimer_cases[] = {
	{ .desc = "respond by cookie", .watchdog = false },
	{ .desc = "deadline watchdog", .watchdog = true },
};

KUNIT_ARRAY_PARAM_DESC(claimer, claimer_cases, desc);

/*
 * Device removal waits for a claimer outside the workqueue that is still
 * answering one of its faults: the driver frees what its respond op uses once
 * removal returns.  Before the fix removal returned at once.
 */
static void removal_waits_for_claimer(struct kunit *test)
{
	const struct claimer_case *c = test->param_value;
	struct core_env *env = test->priv;
	struct async *r = NULL, *a;

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report(test, true);
	fake.block_response = true;
	if (c->watchdog)
		KUNIT_ASSERT_EQ(test, set_limits(test, 0, 20), 0);
	else
		r = async_run(test, async_respond, IOMMU_FAULT_STATUS_HANDLED,
			      0, pending_cookie(test, 0));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fake.response_entered,
							    WAIT));

	a = async_run(test, async_remove, 0, 0, 0);
	KUNIT_EXPECT_FALSE(test, wait_for_completion_timeout(&a->done,
							     NOT_YET));
	complete(&fake.response_go);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a->done, WAIT));
	if (r) {
		KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&r->done,
								    WAIT));
		KUNIT_EXPECT_EQ(test, r->ret, 0);
	}
	KUNIT_EXPECT_EQ(test, fake.n_responses, 1);
	KUNIT_EXPECT_EQ(test, fake.responses[0].retry, !c->watchdog);
	env->fdev = iommu_fault_dev_add(&env->src, env->dev, 0x99, NULL);
	KUNIT_ASSERT_NOT_NULL(test, env->fdev);
}

/*
 * A cookie names one fault for good: not after the pool is resized (the
 * slot generations restarted at 0 before), not after its slot is reused.
 */
static void cookie_never_reused(struct kunit *test)
{
	u64 first, cookie, last = 0;
	int i;

	KUNIT_ASSERT_EQ(test, set_limits(test, 4, 0), 0);
	first = park_one(test);
	KUNIT_EXPECT_EQ(test, respond(test, first, IOMMU_FAULT_STATUS_HANDLED), 0);

	KUNIT_ASSERT_EQ(test, set_limits(test, 8, 0), 0);
	report(test, true);
	cookie = pending_cookie(test, 0);
	KUNIT_EXPECT_NE(test, cookie, first);
	KUNIT_EXPECT_EQ(test, respond(test, first, IOMMU_FAULT_STATUS_INVALID), -ENOENT);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 1);
	KUNIT_EXPECT_EQ(test, fake.aborts, 0);
	KUNIT_EXPECT_EQ(test, respond(test, cookie, IOMMU_FAULT_STATUS_HANDLED), 0);

	/* One slot, used again and again: a new cookie every time. */
	KUNIT_ASSERT_EQ(test, set_limits(test, 1, 0), 0);
	for (i = 0; i < 100; i++) {
		report(test, true);
		cookie = pending_cookie(test, 0);
		KUNIT_ASSERT_GT(test, cookie, last);
		KUNIT_ASSERT_EQ(test, respond(test, cookie, IOMMU_FAULT_STATUS_HANDLED), 0);
		last = cookie;
	}
	KUNIT_EXPECT_EQ(test, fake.retries, 102);
}

struct replace_case {
	const char *desc;
	bool on_dev2;		/* the replacement serves another device */
	int prio;		/* its priority (the old one's is 0) */
	bool takes_queued;	/* it takes over queued deferred faults */
};

static const struct replace_case replace_cases[] = {
	{ .desc = "same place", .prio = 0, .takes_queued = true },
	{ .desc = "another priority", .prio = 20 },
	{ .desc = "another device", .on_dev2 = true, .prio = 0 },
};

KUNIT_ARRAY_PARAM_DESC(replace, replace_cases, desc);

/*
 * Link update with one deferred fault running and one queued.  A policy
 * 0 (prio 0) defers and its sleepable op passes on (NONE) to policy 1
 * (prio 10), which retries.  The replacement's sleepable op aborts.  In
 * its old place the new policy takes the queued fault; elsewhere the old
 * policy's op finishes it and the fault goes on from the old place.
 * Before the fix every queued fault went to the replacement, which then
 * ran for a device it does not serve, or skipped policy 1.
 */
static void replace_keeps_deferred_in_place(struct kunit *test)
{
	const struct replace_case *c = test->param_value;
	struct core_env *env = test->priv;
	DECLARE_COMPLETION_ONSTACK(moved);
	struct async *a;

	iommu_fault_pending_test_max_active(test_pool(test), 1);
	attach(test, 0, false, 0);
	attach(test, 1, false, 10);
	fake.verdict[0] = IOMMU_FAULT_STATUS_DEFER;
	fake.sleep_verdict[0] = IOMMU_FAULT_STATUS_NONE;
	fake.verdict[1] = IOMMU_FAULT_STATUS_HANDLED;
	fake.sleep_verdict[2] = IOMMU_FAULT_STATUS_INVALID;
	fake.block_sleep = true;
	report_on(env->fdev, true, 1);		/* runs, blocked */
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fake.sleep_entered,
							    WAIT));
	report_on(env->fdev, true, 2);		/* queued behind it */
	KUNIT_EXPECT_EQ(test, fake.sleep_calls[0], 1);

	policy_ops(test, 2, c->on_dev2 ? dev_name(env->dev2) : "", c->prio);
	iommu_fault_pending_test_on_move(test_pool(test), &moved);
	a = async_run(test, async_replace, 0, 2, 0);
	/* Both faults are where the update put them: let them run. */
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&moved, WAIT));
	complete(&fake.sleep_go);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a->done, WAIT));
	KUNIT_ASSERT_EQ(test, a->ret, 0);
	env->attached[0] = false;
	env->attached[2] = true;
	iommu_fault_pending_test_flush(test_pool(test));

	KUNIT_EXPECT_EQ(test, fake.exits[0], 1);
	KUNIT_EXPECT_EQ(test, fake.exits_while_sleeping, 0);
	KUNIT_EXPECT_EQ(test, fake.sleep_calls[0], c->takes_queued ? 1 : 2);
	KUNIT_EXPECT_EQ(test, fake.sleep_calls[2], c->takes_queued ? 1 : 0);
	KUNIT_EXPECT_EQ(test, fake.retries, c->takes_queued ? 1 : 2);
	KUNIT_EXPECT_EQ(test, fake.aborts, c->takes_queued ? 1 : 0);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
}

/*
 * Quarantine lasts until a reset, whatever is attached: with the last
 * policy gone, the device's stalls are still aborted, not left to the
 * stock path (the check sat behind the fault path's static key).
 */
static void quarantine_outlives_detach(struct kunit *test)
{
	struct core_env *env = test->priv;
	struct iommu_fault_ctl_dev d = { };

	attach(test, 0, true, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_FAILURE;
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	detach(test, 0);

	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.aborts, 2);
	KUNIT_EXPECT_EQ(test, report(test, false), IOMMU_FAULT_UNCLAIMED);
	KUNIT_EXPECT_EQ(test, report_on(env->fdev2, true, 0),
			IOMMU_FAULT_UNCLAIMED);

	strscpy(d.dev, dev_name(env->dev), sizeof(d.dev));
	KUNIT_ASSERT_EQ(test, iommu_fault_dev_ctl(&env->core, &d, true), 0);
	KUNIT_EXPECT_TRUE(test, d.quarantined);
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_UNCLAIMED);
	KUNIT_EXPECT_EQ(test, fake.aborts, 2);
}

/*
 * A fault pended while its device is quarantined (a sweep that ran just
 * before could not see it) or going away is refused: the caller answers
 * it at once.  Only a full pool counts as pool_full.
 */
static void pend_refused_quarantined_or_gone(struct kunit *test)
{
	struct core_env *env = test->priv;
	struct iommu_fault_ctx ctx = { .flags = IOMMU_FAULT_CTX_RECOVERABLE };

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	iommu_fault_quarantine(env->fdev);
	KUNIT_EXPECT_EQ(test, iommu_fault_pending_take(env->fdev,
						       env->ops[0].policy,
						       &ctx, fake_handle(0),
						       false), -EPERM);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);

	iommu_fault_pending_set_gone(env->fdev2, true);
	KUNIT_EXPECT_EQ(test, report_on(env->fdev2, true, 0),
			IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&env->fdev2->stats.pool_full), 0);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
}

/*
 * An op of a policy bound to one device answers only that device's
 * faults; a global policy's, any.  Fast op and init op alike.
 */
static void device_policy_answers_its_device(struct kunit *test)
{
	struct core_env *env = test->priv;
	u64 on_dev, on_dev2;

	attach(test, 0, false, 0);		/* global: parks everything */
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report_on(env->fdev, true, 1);
	report_on(env->fdev2, true, 2);
	on_dev = pending_cookie(test, 0);
	on_dev2 = pending_cookie(test, 1);
	KUNIT_ASSERT_NE(test, on_dev2, 0);

	/* Policy 1 serves dev2: its init may answer dev2's fault only. */
	fake.respond_cookie[1][0] = on_dev;
	fake.respond_cookie[1][1] = on_dev2;
	policy_ops(test, 1, dev_name(env->dev2), 0);
	KUNIT_ASSERT_EQ(test, iommu_fault_policy_attach(&env->core,
							&env->ops[1], NULL), 0);
	env->attached[1] = true;
	KUNIT_EXPECT_EQ(test, fake.respond_ret[1][0], -EPERM);
	KUNIT_EXPECT_EQ(test, fake.respond_ret[1][1], 0);
	KUNIT_ASSERT_EQ(test, fake.n_responses, 1);
	KUNIT_EXPECT_EQ(test, fake.responses[0].grpid, 2);

	/* Its fast op, on a fault of dev2, no more than its init. */
	report_on(env->fdev2, true, 3);		/* parked by policy 0 */
	fake.respond_ret[1][0] = 1;
	report_on(env->fdev2, true, 4);
	KUNIT_EXPECT_EQ(test, fake.respond_ret[1][0], -EPERM);
	KUNIT_EXPECT_EQ(test, fake.n_responses, 1);

	/* The global policy's fast op answers dev's fault from dev2's. */
	fake.respond_cookie[1][0] = 0;
	fake.respond_cookie[1][1] = 0;
	fake.respond_cookie[0][0] = on_dev;
	report_on(env->fdev2, true, 5);
	KUNIT_EXPECT_EQ(test, fake.respond_ret[0][0], 0);
	KUNIT_ASSERT_EQ(test, fake.n_responses, 2);
	KUNIT_EXPECT_EQ(test, fake.responses[1].grpid, 1);
}

/*
 * A device its IOMMU driver added reports its faults itself (SMMUv3 at its
 * event handler): what the driver hands on to io-pgfault is not offered
 * to the policies again, a group's last request or an earlier one.  The
 * IOMMU core finds the device from dev->iommu, as for its own devices.
 */
static void driver_devices_not_offered_twice(struct kunit *test)
{
	struct core_env *env = test->priv;
	struct dev_iommu *param = kunit_kzalloc(test, sizeof(*param), GFP_KERNEL);
	struct iopf_group *group = kunit_kzalloc(test, sizeof(*group),
						 GFP_KERNEL);
	struct iopf_fault evt = {
		.fault.type = IOMMU_FAULT_PAGE_REQ,
		.fault.prm.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
	};
	bool claimed;

	KUNIT_ASSERT_NOT_NULL(test, param);
	KUNIT_ASSERT_NOT_NULL(test, group);
	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_HANDLED;
	env->dev->iommu = param;
	rcu_assign_pointer(param->fault_bpf, env->fdev);

	claimed = __iommu_fault_bpf_page_request(env->dev, &evt, group);
	KUNIT_EXPECT_FALSE(test, claimed);
	evt.fault.prm.flags = 0;
	claimed = __iommu_fault_bpf_page_request(env->dev, &evt, NULL);
	KUNIT_EXPECT_FALSE(test, claimed);
	KUNIT_EXPECT_EQ(test, fake.n_order, 0);
	KUNIT_EXPECT_EQ(test, fake.retries + fake.aborts, 0);

	/* Its own fault path still offers them. */
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.n_order, 1);
	env->dev->iommu = NULL;
}

/*
 * io-pgfault turning a device's IOPF off quiesces it: what is pending is
 * answered at once, a sleepable op that runs is waited for (its late
 * verdict dropped), so that the driver is asked for nothing afterwards;
 * the device stays, with its id, and takes pending faults again.
 */
static void quiesce_answers_and_waits(struct kunit *test)
{
	struct core_env *env = test->priv;
	u32 id = env->fdev->id;
	struct async *a;

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report_on(env->fdev, true, 1);
	fake.verdict[0] = IOMMU_FAULT_STATUS_DEFER;
	fake.sleep_verdict[0] = IOMMU_FAULT_STATUS_HANDLED;
	fake.block_sleep = true;
	report_on(env->fdev, true, 2);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fake.sleep_entered,
							    WAIT));

	a = async_run(test, async_quiesce, 0, 0, 0);
	KUNIT_EXPECT_FALSE(test, wait_for_completion_timeout(&a->done,
							     NOT_YET));
	KUNIT_EXPECT_EQ(test, fake.aborts, 2);
	complete(&fake.sleep_go);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a->done, WAIT));
	iommu_fault_pending_test_flush(test_pool(test));
	KUNIT_EXPECT_EQ(test, fake.n_responses, 2);
	KUNIT_EXPECT_EQ(test, fake.retries, 0);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);

	/* Still the same device, and open again. */
	KUNIT_EXPECT_EQ(test, env->fdev->id, id);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	KUNIT_EXPECT_EQ(test, report_on(env->fdev, true, 3),
			IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, pool_in_use(test), 1);
	KUNIT_EXPECT_EQ(test, fake.n_responses, 2);
}

/*
 * A device the IOMMU core added (its driver reports no faults itself), on
 * @src, a generic source the caller put on the case's core: found from
 * its dev->iommu, as the IOMMU core's hooks find it.
 */
static struct iommu_fault_dev *generic_dev_add(struct kunit *test,
					       struct iommu_fault_source *src,
					       const char *name, u32 sid)
{
	struct core_env *env = test->priv;
	struct dev_iommu *param = kunit_kzalloc(test, sizeof(*param), GFP_KERNEL);
	struct iommu_fault_dev *fdev;
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL(test, param);
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	src->ops = iommu_fault_generic_test_ops();
	iommu_fault_core_source_add(&env->core, src);
	dev->iommu = param;
	fdev = iommu_fault_dev_add(src, dev, sid, NULL);
	KUNIT_ASSERT_NOT_NULL(test, fdev);
	return fdev;
}

/* Undoes generic_dev_add(). */
static void generic_dev_remove(struct iommu_fault_dev *fdev,
			       struct iommu_fault_source *src)
{
	struct device *dev = iommu_fault_dev_device(fdev);

	iommu_fault_dev_remove(fdev);
	iommu_fault_source_remove(src);
	dev->iommu = NULL;
}

/*
 * A page request that is not its group's last (PCI PRI without LAST_PAGE)
 * is offered as a partial fault: the policies see it, PARTIAL and not
 * recoverable; no verdict applies (HANDLED, IGNORE, DEFER here: counted,
 * no answer, no pending slot) and it is never claimed: io-pgfault keeps
 * it for its group, which the verdict on the last request answers once.
 */
static void partial_requests_see_only_none(struct kunit *test)
{
	static const int verdicts[] = {
		IOMMU_FAULT_STATUS_HANDLED, IOMMU_FAULT_STATUS_IGNORE,
		IOMMU_FAULT_STATUS_DEFER, IOMMU_FAULT_STATUS_NONE,
	};
	struct iommu_fault_source src = { .name = "kunit-generic", .kind = "kunit" };
	struct core_env *env = test->priv;
	struct iopf_fault evt = {
		.fault.type = IOMMU_FAULT_PAGE_REQ,
		.fault.prm = {
			.flags = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID,
			.pasid = 3, .grpid = 5, .perm = IOMMU_FAULT_PERM_READ,
			.addr = 0xabc000,
		},
	};
	struct iommu_fault_dev *fdev;
	struct device *dev;
	int i;

	fdev = generic_dev_add(test, &src, "ifb-kunit-partial", 0x9c);
	dev = iommu_fault_dev_device(fdev);
	attach(test, 0, false, 0);

	for (i = 0; i < ARRAY_SIZE(verdicts); i++) {
		fake.verdict[0] = verdicts[i];
		KUNIT_EXPECT_FALSE(test,
				   __iommu_fault_bpf_page_request(dev, &evt, NULL));
		KUNIT_EXPECT_EQ(test, fake.n_order, i + 1);
		KUNIT_EXPECT_EQ(test, pool_in_use(test), 0);
	}
	KUNIT_EXPECT_EQ(test, fake.last.flags,
			IOMMU_FAULT_CTX_PARTIAL | IOMMU_FAULT_CTX_PASID_VALID);
	KUNIT_EXPECT_EQ(test, fake.last.grpid, 5);
	KUNIT_EXPECT_EQ(test, fake.last.pasid, 3);
	KUNIT_EXPECT_EQ(test, fake.last.addr, 0xabc000);
	KUNIT_EXPECT_EQ(test, fake.last.perm, IOMMU_FAULT_CTX_PERM_READ);
	KUNIT_EXPECT_EQ(test, fake.last.reason, IOMMU_FAULT_REASON_PAGE_REQUEST);
	KUNIT_EXPECT_EQ(test, atomic64_read(&fdev->stats.responses[0]) +
			      atomic64_read(&fdev->stats.responses[1]), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&fdev->stats.stock), 4);
	KUNIT_EXPECT_EQ(test, atomic64_read(&env->ops[0].policy->stats.unrecoverable_misuse),
			3);
	KUNIT_EXPECT_EQ(test, fake.sleep_calls[0], 0);
	generic_dev_remove(fdev, &src);
}

/* The domain handler report_iommu_fault() calls, for the case below. */
static int fake_domain_handler(struct iommu_domain *domain, struct device *dev,
			       unsigned long iova, int flags, void *token)
{
	int *ops_before = token;

	*ops_before = fake.n_order;
	return -EXDEV;
}

/*
 * report_iommu_fault() (AMD, SMMUv2, ...): the fault of a device the
 * IOMMU core added goes to the policies before the domain's handler,
 * which runs whatever they return (HANDLED here: not applicable, counted)
 * and whose value is returned unchanged.  A fault without a device, or of
 * a device its driver added (it reports its own faults), is not offered.
 */
static void unrecoverable_before_domain_handler(struct kunit *test)
{
	struct iommu_fault_source src = { .name = "kunit-generic", .kind = "kunit" };
	struct core_env *env = test->priv;
	struct dev_iommu *param2 = kunit_kzalloc(test, sizeof(*param2),
						 GFP_KERNEL);
	struct iommu_domain *domain = kunit_kzalloc(test, sizeof(*domain),
						    GFP_KERNEL);
	struct iommu_fault_dev *fdev;
	struct device *dev;
	int seen = -1, ret[3];

	KUNIT_ASSERT_NOT_NULL(test, param2);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	fdev = generic_dev_add(test, &src, "ifb-kunit-generic", 0x9b);
	dev = iommu_fault_dev_device(fdev);
	env->dev->iommu = param2;
	rcu_assign_pointer(param2->fault_bpf, env->fdev);
	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_HANDLED;
	iommu_set_fault_handler(domain, fake_domain_handler, &seen);

	/* The hook is behind the machine's static key, as in a driver. */
	static_branch_inc(&iommu_fault_bpf_active);
	ret[0] = report_iommu_fault(domain, dev, 0xfee1000, IOMMU_FAULT_WRITE);
	ret[1] = report_iommu_fault(domain, NULL, 0xfee2000, IOMMU_FAULT_READ);
	ret[2] = report_iommu_fault(domain, env->dev, 0xfee3000,
				    IOMMU_FAULT_READ);
	static_branch_dec(&iommu_fault_bpf_active);

	KUNIT_EXPECT_EQ(test, ret[0], -EXDEV);
	KUNIT_EXPECT_EQ(test, ret[1], -EXDEV);
	KUNIT_EXPECT_EQ(test, ret[2], -EXDEV);
	/* Offered once, the first, before the handler of the first. */
	KUNIT_EXPECT_EQ(test, fake.n_order, 1);
	KUNIT_EXPECT_EQ(test, seen, 1);
	KUNIT_EXPECT_EQ(test, fake.last.addr, 0xfee1000);
	KUNIT_EXPECT_EQ(test, fake.last.perm, IOMMU_FAULT_CTX_PERM_WRITE);
	KUNIT_EXPECT_EQ(test, fake.last.sid, 0x9b);
	KUNIT_EXPECT_EQ(test, fake.last.flags, 0);
	KUNIT_EXPECT_STREQ(test, fake.last.dev_name, dev_name(dev));
	KUNIT_EXPECT_EQ(test, fake.retries + fake.aborts, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&fdev->stats.faults[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&fdev->stats.stock), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&env->fdev->stats.faults[0]), 0);

	generic_dev_remove(fdev, &src);
	env->dev->iommu = NULL;
}

/*
 * The case's core is its own: a policy attached to it is not the
 * machine's (not listed, no static key taken), and a fault of another
 * core's device never reaches it.  The suite used to attach its policies
 * to the machine's chains and turn on the machine's fault path.
 */
static void core_isolated(struct kunit *test)
{
	struct core_env *env = test->priv;
	u32 policies, devices, policies_after, devices_after;
	struct iommu_fault_source *src;
	struct iommu_fault_core *other;
	struct iommu_fault_dev *fdev;
	u64 orphans;
	int key;

	other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	src = kunit_kzalloc(test, sizeof(*src), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_EQ(test, iommu_fault_core_init(other, NULL), 0);
	src->name = "kunit-other";
	src->ops = &fake_driver_ops;
	iommu_fault_core_source_add(other, src);
	fdev = iommu_fault_dev_add(src, env->dev, 0x9b, NULL);
	KUNIT_ASSERT_NOT_NULL(test, fdev);

	iommu_fault_counts(&iommu_fault_sys_core, &policies, &devices,
			   &orphans);
	key = static_key_count(&iommu_fault_bpf_active.key);
	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_INVALID;
	iommu_fault_counts(&iommu_fault_sys_core, &policies_after,
			   &devices_after, &orphans);
	KUNIT_EXPECT_EQ(test, policies_after, policies);
	KUNIT_EXPECT_EQ(test, devices_after, devices);
	KUNIT_EXPECT_EQ(test, static_key_count(&iommu_fault_bpf_active.key),
			key);

	/* The same struct device, on the other core: not this policy's. */
	KUNIT_EXPECT_EQ(test, report_on(fdev, true, 7), IOMMU_FAULT_UNCLAIMED);
	KUNIT_EXPECT_EQ(test, fake.n_order, 0);
	KUNIT_EXPECT_EQ(test, fake.stock, 0);	/* the caller's stock path */
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.n_order, 1);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);

	iommu_fault_dev_remove(fdev);
	iommu_fault_source_remove(src);
	iommu_fault_core_destroy(other);
}

/*
 * Names of 32 characters and more, as platform masters have them: the
 * device is found by name and a policy bound to it serves it.
 */
static void long_device_names(struct kunit *test)
{
	struct iommu_fault_ctl_dev d = { .size = sizeof(d) };
	struct core_env *env = test->priv;
	struct iommu_fault_dev *fdev;
	struct iommu_fault_ops *ops;
	struct device *dev;

	dev = kunit_device_register(test, "30800000.bus:dma-controller@30bd0000");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_GT(test, strlen(dev_name(dev)), 32);
	KUNIT_ASSERT_LT(test, strlen(dev_name(dev)), IOMMU_FAULT_DEV_LEN);
	fdev = iommu_fault_dev_add(&env->src, dev, 0x9c, NULL);
	KUNIT_ASSERT_NOT_NULL(test, fdev);

	strscpy(d.dev, dev_name(dev), sizeof(d.dev));
	KUNIT_EXPECT_EQ(test, iommu_fault_dev_ctl(&env->core, &d, true), 0);
	KUNIT_EXPECT_EQ(test, d.sid, 0x9c);

	ops = policy_ops(test, 0, dev_name(dev), 0);
	KUNIT_ASSERT_EQ(test, iommu_fault_policy_attach(&env->core, ops, NULL),
			0);
	env->attached[0] = true;
	fake.verdict[0] = IOMMU_FAULT_STATUS_INVALID;
	KUNIT_EXPECT_EQ(test, report_on(fdev, true, 1), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);
	/* Not the suite's other devices. */
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_UNCLAIMED);
	iommu_fault_dev_remove(fdev);
}

static struct kunit_case iommu_fault_core_cases[] = {
	KUNIT_CASE(chain_order),
	KUNIT_CASE(chain_stops_at_decision),
	KUNIT_CASE(chain_end_is_stock),
	KUNIT_CASE(timestamp_only_when_asked),
	KUNIT_CASE(deferred_op_sees_whole_fault),
	KUNIT_CASE(pool_exhaustion),
	KUNIT_CASE(pending_deadline),
	KUNIT_CASE(lowered_deadline_reaches_pending),
	KUNIT_CASE(watchdog_scans_only_expired),
	KUNIT_CASE(respond_exactly_once),
	KUNIT_CASE(removal_answers_pending),
	KUNIT_CASE(exit_after_last_op),
	KUNIT_CASE(claimer_keeps_slot_from_worker),
	KUNIT_CASE_PARAM(removal_waits_for_claimer, claimer_gen_params),
	KUNIT_CASE(cookie_never_reused),
	KUNIT_CASE_PARAM(replace_keeps_deferred_in_place, replace_gen_params),
	KUNIT_CASE(quarantine_outlives_detach),
	KUNIT_CASE(pend_refused_quarantined_or_gone),
	KUNIT_CASE(device_policy_answers_its_device),
	KUNIT_CASE(core_isolated),
	KUNIT_CASE(driver_devices_not_offered_twice),
	KUNIT_CASE(quiesce_answers_and_waits),
	KUNIT_CASE(unrecoverable_before_domain_handler),
	KUNIT_CASE(partial_requests_see_only_none),
	KUNIT_CASE(long_device_names),
	{}
};

static struct kunit_suite iommu_fault_core_suite = {
	.name = "iommu_fault_bpf_core",
	.init = core_init,
	.exit = core_exit,
	.test_cases = iommu_fault_core_cases,
};

kunit_test_suites(&iommu_fault_verdict_suite, &iommu_fault_core_suite);

MODULE_DESCRIPTION("KUnit tests for iommu-fault-bpf");
MODULE_LICENSE("GPL");
