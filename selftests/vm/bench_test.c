// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's in-kernel timing (IOMMU_FAULT_IOC_BENCH): every timed
 * record gets an answer time, whichever stage issues its resume; the
 * floor's round trips really issue resume commands (QEMU's trace); bad
 * use is refused.  `make bench` trusts these figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb.h"
#include "test_policy.skel.h"

static char dev[64], smmu[64];

static int bench_spans(uint32_t op, uint32_t count, uint32_t flags,
		       uint64_t *lat, uint64_t *span,
		       struct iommu_fault_ctl_bench *b)
{
	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->op = op;
	b->count = count;
	b->flags = flags;
	b->lat_ns = (uintptr_t)lat;
	b->span_ns = (uintptr_t)span;
	snprintf(b->dev, sizeof(b->dev), "%s", dev);
	return ifb_ctl(IOMMU_FAULT_IOC_BENCH, b);
}

static int bench(uint32_t op, uint32_t count, uint64_t *lat,
		 struct iommu_fault_ctl_bench *b)
{
	return bench_spans(op, count, 0, lat, NULL, b);
}

static int stalls(uint32_t n)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .recoverable = true,
		.grpid_seq = true,
	};

	return ifb_inject(smmu, &f, n);
}

/*
 * A whole timed run: @op (START or FLOOR) for @n stalls, inject them,
 * RESULT (waiting up to 5 s) into @lat and @span.  0, or the failing
 * step's error.
 */
static int timed_stalls(uint32_t op, uint32_t n, uint32_t flags, uint64_t *lat,
			uint64_t *span, struct iommu_fault_ctl_bench *r)
{
	int ret = bench_spans(op, n, flags, NULL, NULL, r);

	if (!ret)
		ret = stalls(n);
	if (!ret)
		ret = bench_spans(IOMMU_FAULT_BENCH_RESULT, 5000, 0, lat, span, r);
	return ret;
}

static struct test_policy *attach(int fast, struct bpf_link **link)
{
	struct test_policy *skel = test_policy__open();

	if (!skel || ifb_ops_set_str(skel->obj, skel->maps.policy, "dev", dev) ||
	    test_policy__load(skel))
		return NULL;
	skel->bss->fast_verdict = fast;
	skel->bss->sleep_verdict = IOMMU_FAULT_STATUS_HANDLED;
	*link = bpf_map__attach_struct_ops(skel->maps.policy);
	return *link ? skel : NULL;
}

static int all_positive(const uint64_t *lat, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!lat[i] || lat[i] > 10ULL * 1000 * 1000 * 1000)
			return 0;
	return 1;
}

FIXTURE(b) {
	uint64_t lat[200];
};

FIXTURE_SETUP(b)
{
	ASSERT_EQ(0, ifb_find_edu(dev, sizeof(dev)));
	ASSERT_EQ(0, ifb_smmu_of(dev, smmu, sizeof(smmu)));
	memset(self->lat, 0, sizeof(self->lat));
	ifb_mark(_metadata->name);
}

FIXTURE_TEARDOWN(b)
{
	ifb_mark("-");
}

TEST_F(b, stock_path_is_timed)
{
	struct iommu_fault_ctl_bench r;

	ASSERT_EQ(0, timed_stalls(IOMMU_FAULT_BENCH_START, 100, 0, self->lat,
				  NULL, &r));
	EXPECT_EQ(100, r.recorded);
	EXPECT_EQ(100, r.answered);
	EXPECT_TRUE(all_positive(self->lat, 100));
	EXPECT_LE(r.first_ns + self->lat[99], r.last_ns);
	EXPECT_LT(0, r.pending_size);
	ifb_expect_smmu(_metadata->name, "RESUME=100");
}

/*
 * The stock path answers stalls and nothing else: in a run of 50 stalls
 * then 50 unrecoverable faults only the stalls get an answer time, and
 * QEMU saw 50 responses.
 */
TEST_F(b, stock_path_times_only_what_it_answers)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .grpid_seq = true,
	};
	struct iommu_fault_ctl_bench r;
	int i;

	ASSERT_EQ(0, bench(IOMMU_FAULT_BENCH_START, 100, NULL, &r));
	ASSERT_EQ(0, stalls(50));
	ASSERT_EQ(0, ifb_inject(smmu, &f, 50));
	/* RESULT waits (up to 300 ms) for answers the 50 never get. */
	ASSERT_EQ(0, bench(IOMMU_FAULT_BENCH_RESULT, 300, self->lat, &r));
	EXPECT_EQ(100, r.recorded);
	EXPECT_EQ(50, r.answered);
	EXPECT_TRUE(all_positive(self->lat, 50));
	for (i = 50; i < 100; i++)
		EXPECT_EQ(0, self->lat[i]);
	ifb_expect_smmu(_metadata->name, "RESUME=50");
}

TEST_F(b, fast_and_deferred_answers_are_timed)
{
	static const int verdicts[] = {
		IOMMU_FAULT_STATUS_HANDLED, IOMMU_FAULT_STATUS_DEFER,
	};
	struct iommu_fault_ctl_bench r;
	struct test_policy *skel;
	struct bpf_link *link;
	int i;

	for (i = 0; i < 2; i++) {
		skel = attach(verdicts[i], &link);
		ASSERT_NE(NULL, skel);
		ASSERT_EQ(0, timed_stalls(IOMMU_FAULT_BENCH_START, 100, 0,
					  self->lat, NULL, &r));
		EXPECT_EQ(100, r.recorded);
		EXPECT_EQ(100, r.answered);
		EXPECT_TRUE(all_positive(self->lat, 100));
		bpf_link__destroy(link);
		test_policy__destroy(skel);
	}
	ifb_expect_smmu(_metadata->name, "RESUME=200");
}

/*
 * The floor's records go through the driver to the core, which hands them
 * to bare work items ahead of any policy: the attached policy never runs,
 * the core counts none of them, the work items answer every one and QEMU
 * sees each resume.  After RESULT the policy has its faults again.
 */
TEST_F(b, floor_issues_real_resumes)
{
	struct iommu_fault_ctl_dev before, after;
	struct iommu_fault_ctl_bench r;
	struct test_policy *skel;
	struct bpf_link *link;

	skel = attach(IOMMU_FAULT_STATUS_HANDLED, &link);
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, ifb_dev_stats(dev, &before));
	ASSERT_EQ(0, timed_stalls(IOMMU_FAULT_BENCH_FLOOR, 50, 0, self->lat,
				  NULL, &r));
	EXPECT_EQ(50, r.recorded);
	EXPECT_EQ(50, r.answered);
	EXPECT_TRUE(all_positive(self->lat, 50));
	ASSERT_EQ(0, ifb_dev_stats(dev, &after));
	EXPECT_EQ(before.faults[1], after.faults[1]);
	EXPECT_EQ(before.responses[1], after.responses[1]);
	EXPECT_EQ(0, skel->bss->fast_calls);

	ASSERT_EQ(0, stalls(1));
	EXPECT_EQ(1, skel->bss->fast_calls);
	bpf_link__destroy(link);
	test_policy__destroy(skel);

	/* Nothing attached: the floor still takes them, and lets go. */
	ASSERT_EQ(0, timed_stalls(IOMMU_FAULT_BENCH_FLOOR, 20, 0, self->lat,
				  NULL, &r));
	EXPECT_EQ(20, r.answered);
	ifb_expect_smmu(_metadata->name, "RESUME=71");
}

/*
 * SPANS: a deferred fault and a floor round trip are timed stage by stage,
 * each stage after the one before, adding up to the whole; a fault the
 * fast stage answered has no stages.  Unknown flags are refused.
 */
TEST_F(b, spans_time_each_stage)
{
	static const struct {
		uint32_t op;
		int fast;
	} runs[] = {
		{ IOMMU_FAULT_BENCH_START, IOMMU_FAULT_STATUS_DEFER },
		{ IOMMU_FAULT_BENCH_FLOOR, IOMMU_FAULT_STATUS_DEFER },
		{ IOMMU_FAULT_BENCH_START, IOMMU_FAULT_STATUS_HANDLED },
	};
	struct iommu_fault_ctl_bench r;
	struct test_policy *skel;
	struct bpf_link *link;
	uint64_t span[3 * 20];
	int i, j, staged;

	for (i = 0; i < 3; i++) {
		skel = attach(runs[i].fast, &link);
		ASSERT_NE(NULL, skel);
		memset(span, 0xff, sizeof(span));
		ASSERT_EQ(0, timed_stalls(runs[i].op, 20, IOMMU_FAULT_BENCH_F_SPANS,
					  self->lat, span, &r));
		EXPECT_EQ(20, r.answered);
		for (j = 0, staged = 0; j < 20; j++) {
			uint64_t *s = &span[3 * j];

			if (s[0] && s[1] && s[2] &&
			    s[0] + s[1] + s[2] == self->lat[j])
				staged++;
			else
				EXPECT_EQ(0, s[0] | s[1] | s[2]);
		}
		EXPECT_EQ(runs[i].fast == IOMMU_FAULT_STATUS_DEFER ? 20 : 0, staged);
		bpf_link__destroy(link);
		test_policy__destroy(skel);
	}

	EXPECT_EQ(-EINVAL, bench_spans(IOMMU_FAULT_BENCH_START, 10, 2, NULL,
				       NULL, &r));
	ifb_expect_smmu(_metadata->name, "RESUME=60");
}

TEST_F(b, misuse_is_refused)
{
	struct iommu_fault_ctl_bench r;

	EXPECT_EQ(-ENOENT, bench(IOMMU_FAULT_BENCH_RESULT, 10, NULL, &r));
	EXPECT_EQ(-EINVAL, bench(IOMMU_FAULT_BENCH_START, 0, NULL, &r));
	EXPECT_EQ(-EINVAL, bench(IOMMU_FAULT_BENCH_START, (1U << 20) + 1, NULL, &r));
	EXPECT_EQ(-EINVAL, bench(7, 10, NULL, &r));
	ASSERT_EQ(0, bench(IOMMU_FAULT_BENCH_START, 10, NULL, &r));
	EXPECT_EQ(-EBUSY, bench(IOMMU_FAULT_BENCH_START, 10, NULL, &r));
	/* Nothing injected: nothing recorded, nothing waited for. */
	ASSERT_EQ(0, bench(IOMMU_FAULT_BENCH_RESULT, 10, NULL, &r));
	EXPECT_EQ(0, r.recorded);
	snprintf(dev, sizeof(dev), "nosuch");
	EXPECT_EQ(-ENODEV, bench(IOMMU_FAULT_BENCH_START, 10, NULL, &r));
	ifb_expect_smmu(_metadata->name, "RESUME=0");
}

TEST_HARNESS_MAIN
