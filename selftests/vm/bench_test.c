// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's clock (bench/bench_clock.h, BPF programs outside the
 * fault path): every timed record gets the answer time of its own resume,
 * whichever stage issues it; only what is answered is timed; deferred
 * faults are timed stage by stage; records of other processes are not
 * timed; page requests on the iommufd mock are timed to the hand-off to
 * iommufd or to a policy's answer.  `make bench` trusts these figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "bench_clock.h"
#include "ifb_ctl.h"
#include "ifb_mock.h"
#include "ifb.h"
#include "bench_stamped.skel.h"
#include "mock_responses.skel.h"
#include "test_policy.skel.h"

static char dev[64], smmu[64];

/* @n stalls at once, record i tagged @base + i (mod 2^16). */
static int stalls(uint32_t n, uint16_t base)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .recoverable = true,
		.grpid = base, .grpid_seq = true,
	};

	return ifb_inject(smmu, &f, n);
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

/* Records [from, to) answered, each within 10 s of entering. */
static int all_answered(const struct bench_times *bt, uint32_t from,
			uint32_t to)
{
	uint64_t lat;
	uint32_t i;

	for (i = from; i < to; i++) {
		lat = bench_times_latency(bt, i);
		if (!lat || lat > 10ULL * 1000 * 1000 * 1000)
			return 0;
	}
	return 1;
}

FIXTURE(b) {
	struct bench_times bt;
};

FIXTURE_SETUP(b)
{
	ASSERT_EQ(0, ifb_find_edu(dev, sizeof(dev)));
	ASSERT_EQ(0, ifb_smmu_of(dev, smmu, sizeof(smmu)));
	/* The harness forks each test: the clock is this process's. */
	ASSERT_EQ(0, bench_times_open(&self->bt));
	ifb_mark(_metadata->name);
}

FIXTURE_TEARDOWN(b)
{
	ifb_mark("-");
	bench_times_close(&self->bt);
}

/*
 * The stock path, nothing attached: every record timed and answered, tags
 * wrapping past 2^16 included; QEMU saw each resume.
 */
TEST_F(b, stock_path_is_timed)
{
	ASSERT_EQ(0, bench_times_start(&self->bt, 100, 65500, 0));
	ASSERT_EQ(0, stalls(100, 65500));
	EXPECT_EQ(100, bench_times_stop(&self->bt, 5000));
	EXPECT_EQ(100, bench_times_answered(&self->bt));
	EXPECT_TRUE(all_answered(&self->bt, 0, 100));
	EXPECT_LE(bench_times_latency(&self->bt, 99),
		  bench_times_elapsed(&self->bt, 100));
	EXPECT_LT(0, bench_pending_slot_size());
	EXPECT_LT(0, bench_times_clock_cost(&self->bt));
	ifb_expect_smmu(_metadata->name, "RESUME=100");
}

/*
 * The stock path answers stalls and nothing else: in a run of 50 stalls
 * then 50 unrecoverable faults only the stalls get an answer time, and
 * QEMU saw 50 responses.
 */
TEST_F(b, only_answered_records_are_timed)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .grpid_seq = true,
	};
	uint32_t i;

	ASSERT_EQ(0, bench_times_start(&self->bt, 100, 0, 0));
	ASSERT_EQ(0, stalls(50, 0));
	ASSERT_EQ(0, ifb_inject(smmu, &f, 50));
	/* Waits (up to 300 ms) for answers the 50 never get. */
	EXPECT_EQ(100, bench_times_stop(&self->bt, 300));
	EXPECT_EQ(50, bench_times_answered(&self->bt));
	EXPECT_TRUE(all_answered(&self->bt, 0, 50));
	for (i = 50; i < 100; i++)
		EXPECT_EQ(0, bench_times_latency(&self->bt, i));
	ifb_expect_smmu(_metadata->name, "RESUME=50");
}

TEST_F(b, fast_and_deferred_answers_are_timed)
{
	static const int verdicts[] = {
		IOMMU_FAULT_STATUS_HANDLED, IOMMU_FAULT_STATUS_DEFER,
	};
	struct test_policy *skel;
	struct bpf_link *link;
	int i;

	for (i = 0; i < 2; i++) {
		skel = attach(verdicts[i], &link);
		ASSERT_NE(NULL, skel);
		ASSERT_EQ(0, bench_times_start(&self->bt, 100, 0, 0));
		ASSERT_EQ(0, stalls(100, 0));
		EXPECT_EQ(100, bench_times_stop(&self->bt, 5000));
		EXPECT_EQ(100, bench_times_answered(&self->bt));
		EXPECT_TRUE(all_answered(&self->bt, 0, 100));
		bpf_link__destroy(link);
		test_policy__destroy(skel);
	}
	ifb_expect_smmu(_metadata->name, "RESUME=200");
}

/*
 * Identity: ten parked faults answered newest first, 20 ms apart, get the
 * answer times of their own resumes: the first injected waited longest,
 * so the latencies fall with the record's index.  A clock that gave each
 * resume to the newest record, or counted answers, would not see that.
 */
TEST_F(b, each_record_gets_its_own_answer)
{
	struct iommu_fault_ctl_pending_entry e[10];
	uint32_t n, total, i;
	struct test_policy *skel;
	struct bpf_link *link;

	skel = attach(IOMMU_FAULT_STATUS_IGNORE, &link);
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, bench_times_start(&self->bt, 10, 7, 0));
	ASSERT_EQ(0, stalls(10, 7));
	ASSERT_EQ(0, ifb_list_pending(e, 10, &n, &total));
	ASSERT_EQ(10, n);
	EXPECT_EQ(0, bench_times_answered(&self->bt));
	for (i = 10; i-- > 0;) {
		usleep(20000);
		ASSERT_EQ(0, ifb_respond(e[i].cookie, IOMMU_FAULT_STATUS_HANDLED));
		EXPECT_EQ(10 - i, bench_times_answered(&self->bt));
	}
	EXPECT_EQ(10, bench_times_stop(&self->bt, 1000));
	EXPECT_TRUE(all_answered(&self->bt, 0, 10));
	for (i = 1; i < 10; i++)
		EXPECT_GT(bench_times_latency(&self->bt, i - 1),
			  bench_times_latency(&self->bt, i) + 10 * 1000 * 1000);
	bpf_link__destroy(link);
	test_policy__destroy(skel);
	ifb_expect_smmu(_metadata->name, "RESUME=10");
}

/*
 * By stage: a deferred fault's stages follow each other and add up
 * to its latency; a fault the fast stage answered has none.
 */
TEST_F(b, stages_of_deferred_answers)
{
	static const int verdicts[] = {
		IOMMU_FAULT_STATUS_DEFER, IOMMU_FAULT_STATUS_HANDLED,
	};
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .recoverable = true,
	};
	struct test_policy *skel;
	struct bpf_link *link;
	uint64_t span[BENCH_STAGES], sum;
	uint32_t i, staged;
	int v, k;

	for (v = 0; v < 2; v++) {
		skel = attach(verdicts[v], &link);
		ASSERT_NE(NULL, skel);
		ASSERT_EQ(0, bench_times_start(&self->bt, 20, 0,
					       BENCH_TIMES_STAGES));
		for (i = 0; i < 20; i++) {
			f.grpid = i;
			ASSERT_EQ(0, ifb_inject(smmu, &f, 1));
			ASSERT_EQ(0, bench_times_wait_answered(&self->bt, i + 1));
		}
		EXPECT_EQ(20, bench_times_stop(&self->bt, 1000));
		for (i = 0, staged = 0; i < 20; i++) {
			if (bench_times_stages(&self->bt, i, span)) {
				for (k = 0, sum = 0; k < BENCH_STAGES; k++)
					sum += span[k];
				EXPECT_EQ(bench_times_latency(&self->bt, i), sum);
				staged++;
			}
		}
		EXPECT_EQ(v ? 0 : 20, staged);
		bpf_link__destroy(link);
		test_policy__destroy(skel);
	}
	ifb_expect_smmu(_metadata->name, "RESUME=40");
}

/*
 * The breakdown: a fast verdict passes every marked point in path order,
 * and its spans add up to its latency; the stamping policy's n-th call is
 * the n-th record.
 */
TEST_F(b, breakdown_of_fast_verdicts)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .recoverable = true,
	};
	uint64_t span[BENCH_MARKS + 1], prog, sum;
	struct bench_stamped *skel;
	struct bpf_link *link;
	uint32_t i;
	int k;

	skel = bench_stamped__open();
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, ifb_ops_set_str(skel->obj, skel->maps.bench_stamped,
				     "dev", dev));
	ASSERT_EQ(0, bench_stamped__load(skel));
	link = bpf_map__attach_struct_ops(skel->maps.bench_stamped);
	ASSERT_NE(NULL, link);
	ASSERT_EQ(0, bench_times_start(&self->bt, 20, 0, BENCH_TIMES_MARKS));
	for (i = 0; i < 20; i++) {
		f.grpid = i;
		ASSERT_EQ(0, ifb_inject(smmu, &f, 1));
		ASSERT_EQ(0, bench_times_wait_answered(&self->bt, i + 1));
	}
	EXPECT_EQ(20, bench_times_stop(&self->bt, 1000));
	EXPECT_EQ(20, skel->bss->calls);
	for (i = 0; i < 20; i++) {
		prog = 0;
		ASSERT_EQ(0, bpf_map__lookup_elem(skel->maps.prog, &i,
						  sizeof(i), &prog,
						  sizeof(prog), 0));
		ASSERT_TRUE(bench_times_breakdown(&self->bt, i, prog, span));
		for (k = 0, sum = 0; k <= BENCH_MARKS; k++)
			sum += span[k];
		EXPECT_EQ(bench_times_latency(&self->bt, i), sum);
	}
	/* Past the run's records: nothing. */
	EXPECT_FALSE(bench_times_breakdown(&self->bt, 20, prog, span));
	bpf_link__destroy(link);
	bench_stamped__destroy(skel);
	ifb_expect_smmu(_metadata->name, "RESUME=20");
}

/* Another process's records are neither timed nor taken for ours. */
TEST_F(b, other_processes_are_not_timed)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, bench_times_start(&self->bt, 10, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(stalls(10, 0) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, bench_times_stop(&self->bt, 100));
	EXPECT_EQ(0, bench_times_answered(&self->bt));
	ifb_expect_smmu(_metadata->name, "RESUME=10");
}

/*
 * Page requests on the iommufd mock (scenario 7), one at a time: nothing
 * attached, each is timed to io-pgfault handing its group to iommufd's
 * fault queue (answered from there afterwards, untimed); with a policy's
 * HANDLED, to the mock's one page_response.  A stall injected meanwhile
 * is not a page request: not timed.
 */
TEST_F(b, page_requests_are_timed)
{
	struct iommu_hwpt_pgfault f[4];
	struct mock_responses *rec;
	struct test_policy *skel;
	struct bpf_link *link;
	struct ifb_mock m;
	uint32_t i;
	int n, k;

	ASSERT_EQ(0, ifb_mock_open(&m));
	rec = mock_responses__open_and_load();
	ASSERT_NE(NULL, rec);
	ASSERT_EQ(0, mock_responses__attach(rec));
	bench_times_page_requests(&self->bt, true);

	ASSERT_EQ(0, bench_times_start(&self->bt, 10, 0, 0));
	ASSERT_EQ(0, stalls(3, 100));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, ifb_mock_trigger(&m, 0, i, 0x40000000));
		ASSERT_EQ(0, bench_times_wait_answered(&self->bt, i + 1));
		/* Handed on, not answered: the queue holds it. */
		EXPECT_EQ(i, rec->bss->n_responses);
		n = ifb_mock_read(&m, f, 4);
		ASSERT_EQ(1, n);
		for (k = 0; k < n; k++)
			ASSERT_EQ(0, ifb_mock_respond(&m, f[k].cookie,
						      IOMMUFD_PAGE_RESP_SUCCESS));
	}
	EXPECT_EQ(10, bench_times_stop(&self->bt, 1000));
	EXPECT_TRUE(all_answered(&self->bt, 0, 10));
	EXPECT_EQ(10, rec->bss->n_responses);

	skel = test_policy__open();
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, ifb_ops_set_str(skel->obj, skel->maps.policy, "dev", m.dev));
	ASSERT_EQ(0, test_policy__load(skel));
	skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	link = bpf_map__attach_struct_ops(skel->maps.policy);
	ASSERT_NE(NULL, link);
	ASSERT_EQ(0, bench_times_start(&self->bt, 10, 0, 0));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, ifb_mock_trigger(&m, 0, i, 0x40000000));
		ASSERT_EQ(0, bench_times_wait_answered(&self->bt, i + 1));
		EXPECT_EQ(11 + i, rec->bss->n_responses);
	}
	EXPECT_EQ(10, bench_times_stop(&self->bt, 1000));
	EXPECT_TRUE(all_answered(&self->bt, 0, 10));
	EXPECT_EQ(0, ifb_mock_read(&m, f, 4));

	bpf_link__destroy(link);
	test_policy__destroy(skel);
	bench_times_page_requests(&self->bt, false);
	mock_responses__destroy(rec);
	ifb_mock_close(&m);
}

TEST_HARNESS_MAIN
