// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl policy replace under injected load: faults keep arriving while
 * the policy is swapped back and forth between one that parks every
 * fault and one that passes them to the stock path; at the end each
 * injected stall has had exactly one answer (counters, and CMD_RESUME in
 * QEMU's trace).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"

#define P		"/opt/ifb/policies"
#define ROUNDS		10
#define PER_ROUND	200

TEST(replace_under_load_loses_no_fault)
{
	struct iommu_fault_ctl_dev before, after;
	struct iommu_fault_ctl_info info;
	char dev[64], cmd[256];
	int i, status;
	pid_t pid;

	ASSERT_EQ(0, ifb_find_edu(dev, sizeof(dev)));
	ASSERT_EQ(0, ifb_dev_stats(dev, &before));
	ASSERT_EQ(0, system("faultctl config set deadline 600000 > /dev/null"));
	snprintf(cmd, sizeof(cmd),
		 "faultctl policy load " P "/ignore_all.bpf.o name swap dev %s > /dev/null",
		 dev);
	ASSERT_EQ(0, system(cmd));
	ifb_mark(_metadata->name);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		snprintf(cmd, sizeof(cmd),
			 "faultctl fault inject dev %s addr 0x5000 stall count %d > /dev/null",
			 dev, PER_ROUND);
		for (i = 0; i < ROUNDS; i++)
			if (system(cmd))
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < 6; i++) {
		usleep(100000);
		ASSERT_EQ(0, system(i % 2 ?
			"faultctl policy replace swap " P "/ignore_all.bpf.o > /dev/null" :
			"faultctl policy replace swap " P "/test_policy.bpf.o > /dev/null"));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* Whatever is still parked is answered by the unload. */
	ASSERT_EQ(0, system("faultctl policy unload swap > /dev/null"));

	ASSERT_EQ(0, ifb_dev_stats(dev, &after));
	EXPECT_EQ(ROUNDS * PER_ROUND, after.faults[1] - before.faults[1]);
	EXPECT_EQ(ROUNDS * PER_ROUND,
		  after.responses[0] + after.responses[1] + after.stock -
		  before.responses[0] - before.responses[1] - before.stock);
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
	system("faultctl config set deadline 1000 > /dev/null");
	ifb_expect_smmu(_metadata->name, "RESUME=%d", ROUNDS * PER_ROUND);
	ifb_mark("-");
}

TEST_HARNESS_MAIN
