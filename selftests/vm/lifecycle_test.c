// SPDX-License-Identifier: GPL-2.0-only
/*
 * A policy's init and exit ops: what init returns decides the attach (0
 * attaches; a negative errno refuses with it; any other value refuses with
 * EINVAL), a refused attach leaves nothing behind, and exit runs once,
 * at detach or replace, never for an attach init refused.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb.h"
#include "lifecycle.skel.h"

FIXTURE(lifecycle) {
	struct lifecycle *skel;
	struct bpf_link *link;
	struct iommu_fault_ctl_info before;
	char dev[64];
	char smmu[64];
	struct ifb_fault f;
};

FIXTURE_VARIANT(lifecycle) {
	int init_ret;
	int want_errno;		/* 0: the attach succeeds */
};

FIXTURE_VARIANT_ADD(lifecycle, zero) { .init_ret = 0, .want_errno = 0 };
FIXTURE_VARIANT_ADD(lifecycle, errno_enodev) {
	.init_ret = -ENODEV, .want_errno = ENODEV };
FIXTURE_VARIANT_ADD(lifecycle, positive_one) {
	.init_ret = 1, .want_errno = EINVAL };
FIXTURE_VARIANT_ADD(lifecycle, int_max) {
	.init_ret = 0x7fffffff, .want_errno = EINVAL };
FIXTURE_VARIANT_ADD(lifecycle, below_errno_range) {
	.init_ret = -5000, .want_errno = EINVAL };

FIXTURE_SETUP(lifecycle)
{
	ASSERT_EQ(0, ifb_edu_stall(self->dev, self->smmu, &self->f));
	ASSERT_EQ(0, ifb_info(&self->before));
	self->skel = lifecycle__open();
	ASSERT_NE(NULL, self->skel);
	self->skel->bss->init_ret = variant->init_ret;
	ASSERT_EQ(0, lifecycle__load(self->skel));
	self->link = NULL;
}

FIXTURE_TEARDOWN(lifecycle)
{
	bpf_link__destroy(self->link);
	lifecycle__destroy(self->skel);
}

/*
 * The attach follows init's answer; a refused one leaves no policy, no
 * name taken and no exit call, and the same map attaches afterwards.
 */
TEST_F(lifecycle, init_decides_the_attach)
{
	struct iommu_fault_ctl_policy st;
	struct iommu_fault_ctl_info info;

	self->link = bpf_map__attach_struct_ops(self->skel->maps.policy);
	EXPECT_EQ(1, self->skel->bss->init_calls);
	if (!variant->want_errno) {
		ASSERT_NE(NULL, self->link);
	} else {
		ASSERT_EQ(NULL, self->link);
		EXPECT_EQ(variant->want_errno, errno);
		EXPECT_EQ(0, self->skel->bss->exit_calls);
		ASSERT_EQ(0, ifb_info(&info));
		EXPECT_EQ(self->before.nr_policies, info.nr_policies);
		EXPECT_EQ(-ENOENT, ifb_policy_stats("lifecycle", &st));

		/* Nothing is left: the same map attaches once init agrees. */
		self->skel->bss->init_ret = 0;
		self->link = bpf_map__attach_struct_ops(self->skel->maps.policy);
		ASSERT_NE(NULL, self->link);
		EXPECT_EQ(2, self->skel->bss->init_calls);
	}
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(self->before.nr_policies + 1, info.nr_policies);

	/* And it decides faults: the subsystem kept working. */
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 3));
	EXPECT_EQ(3, self->skel->bss->fast_calls);

	bpf_link__destroy(self->link);
	self->link = NULL;
	EXPECT_EQ(1, self->skel->bss->exit_calls);
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(self->before.nr_policies, info.nr_policies);
}

/* A link update: the old policy's exit once, the new one's init once. */
TEST(replace_runs_exit_of_old_init_of_new)
{
	struct lifecycle *old, *new;
	struct bpf_link *link;
	char dev[IFB_NAME_LEN], smmu[IFB_NAME_LEN];
	struct ifb_fault f;

	ASSERT_EQ(0, ifb_edu_stall(dev, smmu, &f));
	old = lifecycle__open_and_load();
	ASSERT_NE(NULL, old);
	new = lifecycle__open_and_load();
	ASSERT_NE(NULL, new);
	link = bpf_map__attach_struct_ops(old->maps.policy);
	ASSERT_NE(NULL, link);

	/* A refusing replacement leaves the old one attached and alive. */
	new->bss->init_ret = -EPERM;
	EXPECT_EQ(-EPERM, bpf_link__update_map(link, new->maps.policy));
	EXPECT_EQ(0, old->bss->exit_calls);
	ASSERT_EQ(0, ifb_inject(smmu, &f, 1));
	EXPECT_EQ(1, old->bss->fast_calls);

	new->bss->init_ret = 0;
	ASSERT_EQ(0, bpf_link__update_map(link, new->maps.policy));
	EXPECT_EQ(2, new->bss->init_calls);
	EXPECT_EQ(1, old->bss->exit_calls);
	EXPECT_EQ(0, new->bss->exit_calls);
	ASSERT_EQ(0, ifb_inject(smmu, &f, 1));
	EXPECT_EQ(1, new->bss->fast_calls);
	EXPECT_EQ(1, old->bss->fast_calls);

	bpf_link__destroy(link);
	EXPECT_EQ(1, new->bss->exit_calls);
	EXPECT_EQ(1, old->bss->exit_calls);
	lifecycle__destroy(new);
	lifecycle__destroy(old);
}

TEST_HARNESS_MAIN
