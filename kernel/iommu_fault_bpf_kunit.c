// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the iommu-fault-bpf core: the verdict resolution table
 * of the design (statuses x stage x recoverable), including the values a
 * buggy policy can return; then the real dispatcher and pending pool
 * driven by C policies and a fake IOMMU that records its resumes.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/limits.h>

#include "iommu_fault_bpf_driver.h"
#include "iommu_fault_pending.h"
#include "iommu_fault_policy.h"
#include "iommu_fault_verdict.h"

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

static void verdict_case_desc(const struct verdict_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(verdict, verdict_cases, verdict_case_desc);

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

#define MAX_EVENTS 16

static struct {
	int order[MAX_EVENTS];		/* ids of the fast ops, in call order */
	int n_order;
	int retries, aborts, stock;
	int verdict[4];			/* what op i returns */
} fake;

static void fake_resume(struct iommu_fault_dev *fdev,
			const struct iommu_fault_ctx *ctx, bool retry)
{
	if (retry)
		fake.retries++;
	else
		fake.aborts++;
}

static void fake_stock(struct iommu_fault_dev *fdev,
		       const struct iommu_fault_ctx *ctx)
{
	fake.stock++;
}

static const struct iommu_fault_driver_ops fake_driver_ops = {
	.resume = fake_resume,
	.stock = fake_stock,
};

static struct iommu_fault_source fake_src = {
	.name = "kunit-iommu",
	.ops = &fake_driver_ops,
};

/* Fast op number @i: note the call, return its verdict. */
static int fake_fault(int i)
{
	if (fake.n_order < MAX_EVENTS)
		fake.order[fake.n_order++] = i;
	return fake.verdict[i];
}

static int fake_fault0(struct iommu_fault_ctx *ctx)
{
	return fake_fault(0);
}

static int fake_fault1(struct iommu_fault_ctx *ctx)
{
	return fake_fault(1);
}

static int fake_fault2(struct iommu_fault_ctx *ctx)
{
	return fake_fault(2);
}

static int fake_fault3(struct iommu_fault_ctx *ctx)
{
	return fake_fault(3);
}

static int (*const fake_faults[])(struct iommu_fault_ctx *) = {
	fake_fault0, fake_fault1, fake_fault2, fake_fault3,
};

struct core_env {
	struct device *dev;
	struct iommu_fault_dev *fdev;
	struct iommu_fault_ops ops[4];
	bool attached[4];
};

static int core_init(struct kunit *test)
{
	struct core_env *env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, env);
	memset(&fake, 0, sizeof(fake));
	env->dev = kunit_device_register(test, "ifb-kunit-dev");
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->dev));
	env->fdev = iommu_fault_dev_add(&fake_src, env->dev, 0x99, NULL);
	KUNIT_ASSERT_NOT_NULL(test, env->fdev);
	test->priv = env;
	return 0;
}

static void core_exit(struct kunit *test)
{
	struct core_env *env = test->priv;
	int i;

	for (i = 0; i < ARRAY_SIZE(env->ops); i++)
		if (env->attached[i])
			iommu_fault_policy_detach(&env->ops[i]);
	iommu_fault_dev_remove(env->fdev);
	iommu_fault_pending_set_limits(IOMMU_FAULT_POOL_DEFAULT,
				       IOMMU_FAULT_DEADLINE_MS_DEFAULT);
}

/* Attach C policy @i on the test device (@on_dev) or all, with @prio. */
static void attach(struct kunit *test, int i, bool on_dev, int prio)
{
	struct core_env *env = test->priv;
	struct iommu_fault_ops *ops = &env->ops[i];

	ops->fault = fake_faults[i];
	snprintf(ops->name, sizeof(ops->name), "kunit%d", i);
	strscpy(ops->dev, on_dev ? dev_name(env->dev) : "", sizeof(ops->dev));
	ops->priority = prio;
	KUNIT_ASSERT_EQ(test, iommu_fault_policy_attach(ops, NULL), 0);
	env->attached[i] = true;
}

static void detach(struct kunit *test, int i)
{
	struct core_env *env = test->priv;

	iommu_fault_policy_detach(&env->ops[i]);
	env->attached[i] = false;
}

static enum iommu_fault_claim report(struct kunit *test, bool recoverable)
{
	struct core_env *env = test->priv;
	struct iommu_fault_ctx ctx = {
		.flags = recoverable ? IOMMU_FAULT_CTX_RECOVERABLE : 0,
		.addr = 0x1000,
	};

	return iommu_fault_report(env->fdev, &ctx);
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

/* A full pool answers at once; detach answers what was parked. */
static void pool_exhaustion(struct kunit *test)
{
	u32 size, deadline, in_use;

	KUNIT_ASSERT_EQ(test, iommu_fault_pending_set_limits(2, 0), 0);
	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;

	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.aborts, 0);
	KUNIT_EXPECT_EQ(test, report(test, true), IOMMU_FAULT_CLAIMED);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);	/* the one that found no slot */
	iommu_fault_pending_limits(&size, &deadline, &in_use);
	KUNIT_EXPECT_EQ(test, in_use, 2);
	/* The pool cannot shrink under pending faults. */
	KUNIT_EXPECT_EQ(test, iommu_fault_pending_set_limits(8, 0), -EBUSY);

	detach(test, 0);
	KUNIT_EXPECT_EQ(test, fake.aborts, 3);
	iommu_fault_pending_limits(&size, &deadline, &in_use);
	KUNIT_EXPECT_EQ(test, in_use, 0);
}

/* A parked fault is aborted at its deadline, once; its cookie dies. */
static void pending_deadline(struct kunit *test)
{
	struct iommu_fault_pending_info info;

	KUNIT_ASSERT_EQ(test, iommu_fault_pending_set_limits(0, 50), 0);
	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report(test, true);
	KUNIT_ASSERT_EQ(test, iommu_fault_pending_list(0, &info, 1), 1);

	msleep(300);
	KUNIT_EXPECT_EQ(test, fake.aborts, 1);
	KUNIT_EXPECT_EQ(test, iommu_fault_respond(info.cookie,
						  IOMMU_FAULT_STATUS_HANDLED, NULL),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, fake.retries, 0);
	KUNIT_EXPECT_EQ(test, iommu_fault_pending_list(0, &info, 1), 0);
}

/* One answer per cookie: the second response sends nothing. */
static void respond_exactly_once(struct kunit *test)
{
	struct iommu_fault_pending_info info;

	attach(test, 0, false, 0);
	fake.verdict[0] = IOMMU_FAULT_STATUS_IGNORE;
	report(test, true);
	KUNIT_ASSERT_EQ(test, iommu_fault_pending_list(0, &info, 1), 1);
	KUNIT_EXPECT_EQ(test, iommu_fault_respond(info.cookie,
						  IOMMU_FAULT_STATUS_HANDLED, NULL), 0);
	KUNIT_EXPECT_EQ(test, iommu_fault_respond(info.cookie,
						  IOMMU_FAULT_STATUS_HANDLED, NULL),
			-ENOENT);
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
	env->fdev = iommu_fault_dev_add(&fake_src, env->dev, 0x99, NULL);
	KUNIT_ASSERT_NOT_NULL(test, env->fdev);
}

static struct kunit_case iommu_fault_core_cases[] = {
	KUNIT_CASE(chain_order),
	KUNIT_CASE(chain_stops_at_decision),
	KUNIT_CASE(chain_end_is_stock),
	KUNIT_CASE(pool_exhaustion),
	KUNIT_CASE(pending_deadline),
	KUNIT_CASE(respond_exactly_once),
	KUNIT_CASE(removal_answers_pending),
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
