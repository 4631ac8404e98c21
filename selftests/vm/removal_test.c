// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device removal: the SMMUv3 master release answers every fault still
 * pending for the device, and a device that comes back finds its
 * policies again.  Removes and rescans edu: runs after the other edu
 * tests (file order).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb.h"
#include "test_policy.skel.h"

TEST(release_answers_pending_faults)
{
	struct iommu_fault_ctl_info info;
	struct iommu_fault_ctl_dev st;
	struct test_policy *skel;
	struct bpf_link *link;
	char dev[64], smmu[64], path[PATH_MAX];
	struct ifb_fault f = { .addr = 0x0badd000, .recoverable = true, .grpid = 3 };
	int i;

	ASSERT_EQ(0, ifb_find_edu(dev, sizeof(dev)));
	ASSERT_EQ(0, ifb_smmu_of(dev, smmu, sizeof(smmu)));
	f.sid = ifb_pci_sid(dev);
	skel = test_policy__open();
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, ifb_ops_set_str(skel->obj, skel->maps.policy, "name", "removal"));
	ASSERT_EQ(0, ifb_ops_set_str(skel->obj, skel->maps.policy, "dev", dev));
	ASSERT_EQ(0, test_policy__load(skel));
	skel->bss->fast_verdict = IOMMU_FAULT_STATUS_IGNORE;
	link = bpf_map__attach_struct_ops(skel->maps.policy);
	ASSERT_NE(NULL, link);

	ifb_mark(_metadata->name);
	ASSERT_EQ(0, ifb_inject(smmu, &f, 3));
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(3, info.pool_in_use);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", dev);
	ASSERT_EQ(0, ifb_write_file(path, "1"));
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
	EXPECT_EQ(-ENODEV, ifb_dev_stats(dev, &st));
	/*
	 * Each stall answered once, and before the release blocked the STE
	 * (CFGI_STE) and freed the streams the answer names.
	 */
	ifb_expect_smmu(_metadata->name, "RESUME=3 RESUME<CFGI_STE");

	/* Back again: its device policy applies to it. */
	ifb_mark("release_answers_pending_faults.rescan");
	ASSERT_EQ(0, ifb_write_file("/sys/bus/pci/rescan", "1"));
	for (i = 0; i < 100 && ifb_dev_stats(dev, &st); i++)
		usleep(20000);
	ASSERT_EQ(0, ifb_dev_stats(dev, &st));
	skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	ASSERT_EQ(0, ifb_inject(smmu, &f, 1));
	EXPECT_EQ(4, skel->bss->fast_calls);
	ASSERT_EQ(0, ifb_dev_stats(dev, &st));
	EXPECT_EQ(1, st.responses[1]);

	bpf_link__destroy(link);
	test_policy__destroy(skel);
	ifb_expect_smmu("release_answers_pending_faults.rescan", "RESUME=1");
	ifb_mark("-");
}

TEST_HARNESS_MAIN
