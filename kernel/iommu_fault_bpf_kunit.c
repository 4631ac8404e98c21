// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the iommu-fault-bpf core: the verdict resolution table
 * of the design (statuses x stage x recoverable), including the values a
 * buggy policy can return.
 */
#include <kunit/test.h>
#include <linux/limits.h>

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

kunit_test_suite(iommu_fault_verdict_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for iommu-fault-bpf");
MODULE_LICENSE("GPL");
