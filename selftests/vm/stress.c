// SPDX-License-Identifier: GPL-2.0-only
/*
 * make stress: 1,000,000 injected recoverable faults, in 20 rounds of
 * 50,000, through the mixed policy (every way of answering: fast, stock,
 * deferred, parked and answered by kfunc, deadline, bad verdict, pool
 * full) while
 *
 *  - a controller thread replaces the policy (link update) or detaches it
 *    and attaches a fresh one, every 3000 faults;
 *  - a responder thread answers pending faults by cookie, as
 *    `faultctl fault respond` does (the same ioctl), every 5 ms;
 *  - edu is removed and rescanned after every second round, with faults
 *    still pending (10 cycles);
 *  - the pool is resized between rounds.
 *
 * Checked, round by round, fault by fault (the resume tracepoint: seq,
 * stream, stall tag): each answered once by the core, with its own stream
 * and tag, or not at all when it went to the stock path, and those are as
 * many as the stock counter says.  At the end the pool is empty, and the
 * host checks that QEMU saw exactly 1,000,000 CMD_RESUME and no splat.
 *
 * A NONE policy stays attached throughout, so that the core sees every
 * fault (and numbers it) also while the mixed one is being swapped.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb.h"
#include "fast_only.skel.h"
#include "mix_policy.skel.h"

#define ROUNDS		20
#define ROUND_FAULTS	50000
#define CHUNK		1000
#define SWAP_EVERY	3000

static char dev[64], smmu[64];
static unsigned int sid;
static volatile int stop;

struct stress_counts {
	unsigned long swaps, detaches, responded;
};

/* The controller: swaps the mixed policy every SWAP_EVERY faults. */
struct controller {
	pthread_t thread;
	struct fast_only *watch;	/* the NONE policy: counts every fault */
	struct bpf_link *watch_link;
	struct mix_policy *mix;
	struct bpf_link *link;
	struct stress_counts *counts;
	int err;
};

static void *control(void *arg)
{
	struct controller *c = arg;
	__u64 last = 0;
	unsigned long n = 0;

	while (!stop) {
		struct mix_policy *next;

		if (c->watch->bss->fast_calls - last < SWAP_EVERY) {
			ifb_msleep(1);
			continue;
		}
		last = c->watch->bss->fast_calls;
		next = mix_policy__open_and_load();
		if (!next) {
			c->err = -ENOMEM;
			break;
		}
		if (++n % 3) {
			/* A link update: the new one takes the old one's place. */
			if (bpf_link__update_map(c->link, next->maps.policy)) {
				c->err = -errno;
				mix_policy__destroy(next);
				break;
			}
			c->counts->swaps++;
		} else {
			/* A detach, then a new attach: the NONE policy meanwhile. */
			bpf_link__destroy(c->link);
			c->link = bpf_map__attach_struct_ops(next->maps.policy);
			if (!c->link) {
				c->err = -errno;
				mix_policy__destroy(next);
				break;
			}
			c->counts->detaches++;
		}
		mix_policy__destroy(c->mix);
		c->mix = next;
	}
	return NULL;
}

/* The responder: answers a few pending faults by cookie, every 5 ms. */
static void *respond(void *arg)
{
	struct stress_counts *counts = arg;
	struct iommu_fault_ctl_pending_entry e[4];
	uint32_t count, total, i;

	while (!stop) {
		if (!ifb_list_pending(e, 4, &count, &total))
			for (i = 0; i < count; i++)
				if (!ifb_respond(e[i].cookie, i % 2 ?
						 IOMMU_FAULT_STATUS_HANDLED :
						 IOMMU_FAULT_STATUS_INVALID))
					counts->responded++;
		ifb_msleep(5);
	}
	return NULL;
}

static int wait_pool_empty(int ms)
{
	struct iommu_fault_ctl_info info;

	for (; ms > 0; ms -= 10) {
		if (!ifb_info(&info) && !info.pool_in_use)
			return 0;
		ifb_msleep(10);
	}
	return -1;
}

/* Remove edu and bring it back; it answers what was pending on the way. */
static int remove_and_rescan(void)
{
	struct iommu_fault_ctl_dev st;
	char path[PATH_MAX];
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", dev);
	if (ifb_write_file(path, "1") ||
	    ifb_write_file("/sys/bus/pci/rescan", "1"))
		return -1;
	for (i = 0; i < 200 && ifb_dev_stats(dev, &st); i++)
		ifb_msleep(10);
	return ifb_dev_stats(dev, &st);
}

FIXTURE(stress) {
	struct controller c;
	pthread_t responder;
	struct stress_counts counts;
};

FIXTURE_SETUP(stress)
{
	memset(&self->counts, 0, sizeof(self->counts));
	ASSERT_EQ(0, ifb_find_edu(dev, sizeof(dev)));
	ASSERT_EQ(0, ifb_smmu_of(dev, smmu, sizeof(smmu)));
	sid = ifb_pci_sid(dev);
	ASSERT_EQ(0, ifb_write_file(IFB_TRACING "/events/iommu_fault_bpf/enable", "0"));
	ASSERT_EQ(0, ifb_write_file(IFB_TRACING "/events/iommu_fault_bpf/iommu_fault_bpf_response/enable", "1"));
	ASSERT_EQ(0, ifb_write_file(IFB_TRACING "/buffer_size_kb", "32768"));
	ASSERT_EQ(0, ifb_set_limits(4096, 300));

	memset(&self->c, 0, sizeof(self->c));
	self->c.counts = &self->counts;
	self->c.watch = fast_only__open_and_load();
	ASSERT_NE(NULL, self->c.watch);
	self->c.watch->bss->fast_verdict = IOMMU_FAULT_STATUS_NONE;
	self->c.watch_link = bpf_map__attach_struct_ops(self->c.watch->maps.policy);
	ASSERT_NE(NULL, self->c.watch_link);
	self->c.mix = mix_policy__open_and_load();
	ASSERT_NE(NULL, self->c.mix);
	self->c.link = bpf_map__attach_struct_ops(self->c.mix->maps.policy);
	ASSERT_NE(NULL, self->c.link);
}

FIXTURE_TEARDOWN(stress)
{
	ifb_write_file(IFB_TRACING "/buffer_size_kb", "1408");
}

TEST_F_TIMEOUT(stress, million_faults_each_answered_once, 3600)
{
	static unsigned char times[ROUND_FAULTS];
	struct ifb_fault f = {
		.sid = sid, .addr = 0x0badd000ULL, .recoverable = true, .read = true,
		.grpid_seq = true,
	};
	static const uint32_t pools[] = { 1024, 4096, 512, 8192 };
	unsigned long total_stock = 0, total_wrong = 0, total_bad = 0;
	struct iommu_fault_ctl_dev st0, st1;
	unsigned int stag0, wrong, missing, twice, j;
	double t0 = ifb_now_s(), tr;
	int r, i, n;

	ifb_mark("stress");
	stop = 0;
	ASSERT_EQ(0, pthread_create(&self->c.thread, NULL, control, &self->c));
	ASSERT_EQ(0, pthread_create(&self->responder, NULL, respond,
				    &self->counts));

	for (r = 0; r < ROUNDS; r++) {
		__u64 seq0, stock;

		tr = ifb_now_s();
		ASSERT_EQ(0, ifb_dev_stats(dev, &st0));
		seq0 = st0.faults[0] + st0.faults[1] + 1;
		ASSERT_EQ(0, ifb_trace_start_keep_events());
		stag0 = (r * ROUND_FAULTS) & 0xffff;
		for (i = 0; i < ROUND_FAULTS / CHUNK; i++) {
			f.grpid = (stag0 + i * CHUNK) & 0xffff;
			ASSERT_EQ(0, ifb_inject(smmu, &f, CHUNK));
		}
		/* The stock path answers at once: its count is final now. */
		ASSERT_EQ(0, ifb_dev_stats(dev, &st1));
		ASSERT_EQ(ROUND_FAULTS, st1.faults[1] - st0.faults[1]);
		stock = st1.stock - st0.stock;
		if (r % 2 == 0)
			ASSERT_EQ(0, remove_and_rescan());
		ASSERT_EQ(0, wait_pool_empty(5000));

		memset(times, 0, sizeof(times));
		wrong = missing = twice = 0;
		n = ifb_responses_by_fault(seq0, ROUND_FAULTS, sid, stag0, times,
					 &wrong);
		ASSERT_LE(0, n);
		for (j = 0; j < ROUND_FAULTS; j++) {
			missing += !times[j];
			twice += times[j] > 1;
		}
		/* Unanswered by the core: exactly the stock path's. */
		EXPECT_EQ(stock, missing);
		EXPECT_EQ(0, twice);
		EXPECT_EQ(0, wrong);
		total_stock += stock;
		total_wrong += wrong;
		total_bad += twice + (missing != stock);
		TH_LOG("round %d: %d answers by the core, %llu by the stock path, %u twice, %u wrong%s, %.1f s",
		       r, n, (unsigned long long)stock, twice, wrong,
		       r % 2 == 0 ? ", then removed and rescanned" : "",
		       ifb_now_s() - tr);
		ASSERT_EQ(0, ifb_set_limits(pools[r % 4], 0));
	}

	stop = 1;
	pthread_join(self->c.thread, NULL);
	pthread_join(self->responder, NULL);
	EXPECT_EQ(0, self->c.err);
	bpf_link__destroy(self->c.link);
	mix_policy__destroy(self->c.mix);
	bpf_link__destroy(self->c.watch_link);
	fast_only__destroy(self->c.watch);
	EXPECT_EQ(0, wait_pool_empty(2000));
	ASSERT_EQ(0, ifb_set_limits(4096, 1000));
	TH_LOG("%d faults in %.0f s: %lu link updates, %lu detach+attach, %lu answered by cookie, %lu by the stock path, %lu rounds wrong, %lu answers wrong",
	       ROUNDS * ROUND_FAULTS, ifb_now_s() - t0, self->counts.swaps,
	       self->counts.detaches, self->counts.responded, total_stock,
	       total_bad, total_wrong);
	EXPECT_LT(9, self->counts.detaches);
	EXPECT_LT(0, self->counts.responded);
	ifb_expect_smmu("stress", "RESUME=%d", ROUNDS * ROUND_FAULTS);
	ifb_mark("-");
}

TEST_HARNESS_MAIN
