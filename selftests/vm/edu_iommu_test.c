// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU's edu device sits behind the SMMUv3, in an IOMMU group with a
 * translating DMA domain, and its DMA really is translated: a mapped page
 * receives the data, the IOVA of an unmapped page faults in the SMMU.
 *
 * Needs the edu test driver (CONFIG_IOMMU_FAULT_BPF_EDU_TEST) and a VM
 * started with -M virt,iommu=smmuv3 -device edu.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb_test_util.h"

FIXTURE(edu) {
	char name[256];
	char sysfs[320];
};

FIXTURE_SETUP(edu)
{
	ASSERT_EQ(0, ifb_find_edu(self->name, sizeof(self->name)))
		TH_LOG("no edu device (1234:11e8): is QEMU started with -device edu?");
	snprintf(self->sysfs, sizeof(self->sysfs), "/sys/bus/pci/devices/%s",
		 self->name);
}

FIXTURE_TEARDOWN(edu)
{
}

/* The test driver bound it (so the kernel set up its DMA domain). */
TEST_F(edu, bound_to_test_driver)
{
	char path[PATH_MAX + 64], drv[64];

	snprintf(path, sizeof(path), "%s/driver", self->sysfs);
	ASSERT_EQ(0, ifb_link_base(path, drv, sizeof(drv)));
	EXPECT_STREQ("iommu_fault_edu", drv);
}

/* It is in an IOMMU group whose default domain translates. */
TEST_F(edu, in_iommu_group_with_dma_domain)
{
	char path[PATH_MAX + 64], group[32], type[32];

	snprintf(path, sizeof(path), "%s/iommu_group", self->sysfs);
	ASSERT_EQ(0, ifb_link_base(path, group, sizeof(group)))
		TH_LOG("%s has no IOMMU group", self->name);
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", group);
	ASSERT_LE(0, ifb_read_attr(path, type, sizeof(type)));
	EXPECT_TRUE(!strcmp(type, "DMA") || !strcmp(type, "DMA-FQ"))
		TH_LOG("group %s has domain type '%s'", group, type);
}

/* The IOMMU in front of it is the SMMUv3. */
TEST_F(edu, behind_smmuv3)
{
	char path[PATH_MAX + 64], iommu[128];

	snprintf(path, sizeof(path), "%s/iommu", self->sysfs);
	ASSERT_EQ(0, ifb_link_base(path, iommu, sizeof(iommu)));
	EXPECT_NE(NULL, strstr(iommu, "smmu3"))
		TH_LOG("edu's IOMMU is '%s'", iommu);
}

/* The control device names it the SMMUv3 driver's fault device. */
TEST_F(edu, fault_device_of_smmuv3)
{
	struct iommu_fault_ctl_dev st;

	ASSERT_EQ(0, ifb_dev_stats(self->name, &st));
	EXPECT_STREQ("smmuv3", st.iommu_kind);
	EXPECT_NE(NULL, strstr(st.iommu, "smmu"))
		TH_LOG("edu's fault source is '%s'", st.iommu);
}

/*
 * A page copied to another through edu (RAM -> device -> RAM, both pages
 * mapped with the DMA API), then a DMA to the unmapped IOVA: blocked, and
 * recorded by the SMMU as a translation fault event.
 */
TEST_F(edu, dma_is_translated)
{
	char path[PATH_MAX], out[1024], v[64];
	int events_before, events_after;

	events_before = ifb_klog_count("event 0x10 received");
	snprintf(path, sizeof(path), EDU_DEBUGFS "/%s/dma_selftest", self->name);
	ASSERT_LT(0, ifb_read_file(path, out, sizeof(out)))
		TH_LOG("cannot run %s", path);
	TH_LOG("%s", out);

	ASSERT_EQ(0, ifb_kv(out, "domain", v, sizeof(v)));
	EXPECT_TRUE(!strcmp(v, "DMA") || !strcmp(v, "DMA-FQ"));
	ASSERT_EQ(0, ifb_kv(out, "round_trip", v, sizeof(v)));
	EXPECT_STREQ("ok", v);
	ASSERT_EQ(0, ifb_kv(out, "stale_dma", v, sizeof(v)));
	EXPECT_STREQ("blocked", v);
	ASSERT_EQ(0, ifb_kv(out, "result", v, sizeof(v)));
	EXPECT_STREQ("ok", v);

	/* The blocked DMA reached the SMMU as a translation fault event. */
	events_after = ifb_klog_count("event 0x10 received");
	EXPECT_LT(events_before, events_after);
}

TEST_HARNESS_MAIN
