// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection has bounds: a cap on the records of one call, a fatal
 * signal stops a long one, and the kernel is tainted once it was used.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb.h"
#include "fast_only.skel.h"

#define TAINT_USER_BIT	(1UL << 6)	/* 'U' in /proc/sys/kernel/tainted */

FIXTURE(inject) {
	char dev[64], smmu[64];
	struct ifb_fault f;
	struct fast_only *skel;
	struct bpf_link *link;
};

FIXTURE_SETUP(inject)
{
	ASSERT_EQ(0, ifb_edu_stall(self->dev, self->smmu, &self->f));
	/* Every fault answered at once (HANDLED): nothing piles up. */
	self->skel = fast_only__open();
	ASSERT_NE(NULL, self->skel);
	ASSERT_EQ(0, ifb_ops_set_str(self->skel->obj, self->skel->maps.policy,
					"dev", self->dev));
	ASSERT_EQ(0, fast_only__load(self->skel));
	self->skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	self->link = bpf_map__attach_struct_ops(self->skel->maps.policy);
	ASSERT_NE(NULL, self->link);
}

FIXTURE_TEARDOWN(inject)
{
	bpf_link__destroy(self->link);
	fast_only__destroy(self->skel);
}

/* One record over the cap: refused before any is injected. */
TEST_F(inject, count_over_cap_refused)
{
	EXPECT_EQ(-E2BIG, ifb_inject(self->smmu, &self->f,
				     IOMMU_FAULT_INJECT_COUNT_MAX + 1));
	EXPECT_EQ(-E2BIG, ifb_inject(self->smmu, &self->f, UINT32_MAX));
	EXPECT_EQ(0, self->skel->bss->fast_calls);
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 2));
	EXPECT_EQ(2, self->skel->bss->fast_calls);
}

/*
 * A call of the full cap takes far longer than the 300 ms this waits (the
 * emulated SMMU answers well under 10^6 faults a second): SIGKILL ends
 * it between batches, soon, with only part of the records injected.
 */
TEST_F(inject, fatal_signal_stops_it)
{
	struct iommu_fault_ctl_info info;
	int status;
	double t0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(ifb_inject(self->smmu, &self->f,
				 IOMMU_FAULT_INJECT_COUNT_MAX) ? 1 : 0);
	/* Started: the policy saw faults. */
	while (!self->skel->bss->fast_calls)
		usleep(1000);
	usleep(300000);
	t0 = ifb_now_s();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_LT(ifb_now_s() - t0, 2.0);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_LT(self->skel->bss->fast_calls, IOMMU_FAULT_INJECT_COUNT_MAX);
	TH_LOG("killed after %llu of %u records",
	       (unsigned long long)self->skel->bss->fast_calls,
	       IOMMU_FAULT_INJECT_COUNT_MAX);
	/* Each one it injected was answered: nothing is left pending. */
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
}

static unsigned long tainted(void)
{
	char buf[32];

	if (ifb_read_file("/proc/sys/kernel/tainted", buf, sizeof(buf)) <= 0)
		return 0;
	return strtoul(buf, NULL, 10);
}

/*
 * Injection taints the kernel, and says so once per boot: the log line
 * comes with the taint, not with every call.
 */
TEST_F(inject, taints_the_kernel_once)
{
	const char *line = "iommu-fault-bpf: faults injected into";
	bool was = tainted() & TAINT_USER_BIT;
	int before = ifb_klog_count(line);

	ASSERT_LE(0, before);
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	EXPECT_TRUE(tainted() & TAINT_USER_BIT);
	EXPECT_EQ(before + (was ? 0 : 1), ifb_klog_count(line));
}

TEST_HARNESS_MAIN
