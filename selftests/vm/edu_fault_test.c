// SPDX-License-Identifier: GPL-2.0-only
/*
 * Real DMA faults from QEMU's edu device and stall faults injected for
 * its stream ID, through the SMMUv3 driver and the policies:
 *
 *  - edu DMA to an unmapped IOVA is a real F_TRANSLATION event: a policy
 *    sees it as unrecoverable, with edu's stream ID, the address and a
 *    write access; QEMU records the event; no resume is sent;
 *  - a stall at an IOVA of the domain edu's driver owns: the fast op
 *    defers, the sleepable op has the owner populate the page and retries;
 *    edu then DMAs there without a fault and the data is in the page;
 *  - with nothing attached, a real fault gets the stock event print.
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

#define UNMAPPED_IOVA	0x0dead000ULL	/* never mapped in edu's domains */
#define STALL_IOVA	0x0cafe000ULL
#define PATTERN		"0x5eedf00d"

FIXTURE(edu) {
	char dev[64];
	char smmu[64];
	char dbg[PATH_MAX];
	struct test_policy *skel;
	struct bpf_link *link;
};

static int edu_cmd(FIXTURE_DATA(edu) *self, const char *file, const char *cmd)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", self->dbg, file);
	return ifb_write_file(path, cmd);
}

static int attach_policy(FIXTURE_DATA(edu) *self, int fast, int sleep)
{
	self->skel = test_policy__open();
	if (!self->skel ||
	    ifb_ops_set_str(self->skel->obj, self->skel->maps.policy,
			       "name", "edu") ||
	    ifb_ops_set_str(self->skel->obj, self->skel->maps.policy,
			       "dev", self->dev) ||
	    test_policy__load(self->skel))
		return -EINVAL;
	self->skel->bss->fast_verdict = fast;
	self->skel->bss->sleep_verdict = sleep;
	self->skel->bss->do_populate = 1;
	self->link = bpf_map__attach_struct_ops(self->skel->maps.policy);
	return self->link ? 0 : -errno;
}

FIXTURE_SETUP(edu)
{
	ASSERT_EQ(0, ifb_find_edu(self->dev, sizeof(self->dev)));
	ASSERT_EQ(0, ifb_smmu_of(self->dev, self->smmu, sizeof(self->smmu)));
	snprintf(self->dbg, sizeof(self->dbg), EDU_DEBUGFS "/%s", self->dev);
	self->skel = NULL;
	self->link = NULL;
	ifb_mark(_metadata->name);
}

FIXTURE_TEARDOWN(edu)
{
	bpf_link__destroy(self->link);
	test_policy__destroy(self->skel);
	edu_cmd(self, "domain", "release");
	ifb_mark("-");
}

TEST_F(edu, real_dma_fault_is_unrecoverable)
{
	char cmd[64];

	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_NONE,
				   IOMMU_FAULT_STATUS_NONE));
	/* 4 bytes: one translation, one event */
	snprintf(cmd, sizeof(cmd), "to_ram 0x%llx 4", UNMAPPED_IOVA);
	ASSERT_EQ(0, edu_cmd(self, "dma", cmd));
	ifb_msleep(100);	/* the event queue thread */

	EXPECT_EQ(1, self->skel->bss->fast_calls);
	EXPECT_EQ(ifb_pci_sid(self->dev), self->skel->bss->last_sid);
	EXPECT_EQ(UNMAPPED_IOVA, self->skel->bss->last_addr);
	EXPECT_EQ(IOMMU_FAULT_CTX_PERM_WRITE, self->skel->bss->last_perm);
	EXPECT_EQ(IOMMU_FAULT_REASON_TRANSLATION, self->skel->bss->last_reason);
	EXPECT_FALSE(self->skel->bss->last_flags & IOMMU_FAULT_CTX_RECOVERABLE);
	ifb_expect_smmu(_metadata->name, "EVT_F_TRANSLATION=1 RESUME=0");
}

TEST_F(edu, stall_populated_then_dma_succeeds)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(self->dev), .addr = STALL_IOVA + 0x40,
		.recoverable = true, .grpid = 7,
	};
	char cmd[64], out[256];
	int i;

	ASSERT_EQ(0, edu_cmd(self, "domain", "own"));
	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_DEFER,
				   IOMMU_FAULT_STATUS_HANDLED));
	ASSERT_EQ(0, ifb_inject(self->smmu, &f, 1));
	for (i = 0; i < 200 && !self->skel->bss->sleep_calls; i++)
		ifb_msleep(10);
	ifb_msleep(50);
	EXPECT_EQ(1, self->skel->bss->sleep_calls);
	EXPECT_EQ(0, self->skel->bss->populate_ret);

	/* The page is there now: edu writes it without a fault. */
	ASSERT_EQ(0, edu_cmd(self, "load", PATTERN));
	snprintf(cmd, sizeof(cmd), "to_ram 0x%llx 2048", STALL_IOVA);
	ASSERT_EQ(0, edu_cmd(self, "dma", cmd));
	snprintf(cmd, sizeof(cmd), "%s/populated", self->dbg);
	ASSERT_LT(0, ifb_read_file(cmd, out, sizeof(out)));
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "addr=0xcafe000 match=1"));
	ifb_expect_smmu(_metadata->name, "RESUME=1 EVT_F_TRANSLATION=0");
}

/* In the DMA-API domain nobody registered a populator: -ENOENT. */
TEST_F(edu, populate_without_owner_fails)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(self->dev), .addr = STALL_IOVA,
		.recoverable = true, .grpid = 9,
	};
	int i;

	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_DEFER,
				   IOMMU_FAULT_STATUS_INVALID));
	ASSERT_EQ(0, ifb_inject(self->smmu, &f, 1));
	for (i = 0; i < 200 && !self->skel->bss->sleep_calls; i++)
		ifb_msleep(10);
	ifb_msleep(50);
	EXPECT_EQ(-ENOENT, self->skel->bss->populate_ret);
	ifb_expect_smmu(_metadata->name, "RESUME=1");
}

/* Nothing attached: the stock print for a real fault, no resume. */
TEST_F(edu, nothing_attached_real_fault_is_stock)
{
	int before = ifb_klog_count("event 0x10 received");
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "to_ram 0x%llx 4", UNMAPPED_IOVA);
	ASSERT_EQ(0, edu_cmd(self, "dma", cmd));
	ifb_msleep(100);
	EXPECT_LT(before, ifb_klog_count("event 0x10 received"));
	ifb_expect_smmu(_metadata->name, "EVT_F_TRANSLATION=1 RESUME=0");
}

TEST_HARNESS_MAIN
