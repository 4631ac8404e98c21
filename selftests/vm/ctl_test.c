// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iommu_fault refuses what it does not understand: unknown flags,
 * reserved fields, sizes, unterminated strings, unknown devices and
 * commands, and callers without CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"

TEST(info_reports_version_and_limits)
{
	struct iommu_fault_ctl_info info;

	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(IOMMU_FAULT_CTL_VERSION, info.version);
	EXPECT_TRUE(info.features & IOMMU_FAULT_FEAT_INJECT);
	EXPECT_EQ(4096, info.pool_size);
	EXPECT_EQ(1000, info.deadline_ms);
	EXPECT_LE(1, info.nr_devices);
}

TEST(unknown_flags_and_reserved_rejected)
{
	struct iommu_fault_ctl_info info = { .size = sizeof(info), .flags = 1 };
	struct iommu_fault_ctl_respond r = {
		.size = sizeof(r), .cookie = 1,
		.status = IOMMU_FAULT_STATUS_HANDLED, .__reserved = 1,
	};
	struct iommu_fault_ctl_inject inj = {
		.size = sizeof(inj), .flags = 0x80,
		.reason = IOMMU_FAULT_REASON_TRANSLATION,
	};

	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_INFO, &info));
	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_RESPOND, &r));
	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_INJECT, &inj));
	inj.flags = 0;
	inj.fault_flags = 1U << 7;
	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_INJECT, &inj));
	inj.fault_flags = 0;
	inj.perm = 1U << 7;
	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_INJECT, &inj));
	inj.perm = 0;
	inj.__reserved = 1;
	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_INJECT, &inj));
}

TEST(sizes_checked)
{
	struct {
		struct iommu_fault_ctl_info info;
		__u64 future;	/* a newer user space's field */
	} big = { .info.size = sizeof(big), .future = 1 };
	struct iommu_fault_ctl_info tiny = { .size = 4 };

	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_INFO, &tiny));
	/* Unknown trailing bytes must be zero... */
	EXPECT_EQ(-E2BIG, ifb_ctl(IOMMU_FAULT_IOC_INFO, &big));
	/* ...then they are accepted. */
	big.future = 0;
	EXPECT_EQ(0, ifb_ctl(IOMMU_FAULT_IOC_INFO, &big));
}

TEST(strings_and_names_checked)
{
	struct iommu_fault_ctl_dev d = { .size = sizeof(d) };
	struct iommu_fault_ctl_inject inj = {
		.size = sizeof(inj), .reason = IOMMU_FAULT_REASON_TRANSLATION,
	};

	memset(d.dev, 'x', sizeof(d.dev));	/* no NUL */
	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_DEV_STATS, &d));
	snprintf(d.dev, sizeof(d.dev), "no-such-device");
	EXPECT_EQ(-ENODEV, ifb_ctl(IOMMU_FAULT_IOC_DEV_STATS, &d));
	EXPECT_EQ(-ENODEV, ifb_ctl(IOMMU_FAULT_IOC_RESET_DEV, &d));
	snprintf(inj.iommu, sizeof(inj.iommu), "no-such-smmu");
	EXPECT_EQ(-ENODEV, ifb_ctl(IOMMU_FAULT_IOC_INJECT, &inj));
	/* A reason the UAPI does not have, or none: refused first. */
	inj.reason = __IOMMU_FAULT_REASON_MAX;
	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_INJECT, &inj));
	inj.reason = IOMMU_FAULT_REASON_UNKNOWN;
	EXPECT_EQ(-EINVAL, ifb_ctl(IOMMU_FAULT_IOC_INJECT, &inj));
}

TEST(limits_checked)
{
	EXPECT_EQ(-ERANGE, ifb_set_limits(1U << 21, 0));
	EXPECT_EQ(-ERANGE, ifb_set_limits(65537, 0));
	EXPECT_EQ(0, ifb_set_limits(65536, 0));
	EXPECT_EQ(0, ifb_set_limits(4096, 0));
	EXPECT_EQ(-ERANGE, ifb_set_limits(0, 3600U * 1000 + 1));
	EXPECT_EQ(0, ifb_set_limits(4096, 1000));
}

TEST(unknown_command_and_cookie)
{
	int dummy = 0;

	EXPECT_EQ(-ENOTTY, ifb_ctl(_IO(IOMMU_FAULT_IOC_TYPE, 0x7f), &dummy));
	EXPECT_EQ(-ENOENT, ifb_respond(0xdead00000001ULL, IOMMU_FAULT_STATUS_HANDLED));
	EXPECT_EQ(-ENOENT, ifb_respond(0, IOMMU_FAULT_STATUS_HANDLED));
}

/* Without root the node does not open; with an fd but no CAP_SYS_ADMIN
 * every ioctl is refused. */
TEST(root_only)
{
	struct iommu_fault_ctl_info info = { .size = sizeof(info) };
	int fd = ifb_ctl_open(), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (open(IFB_CTL_PATH, O_RDWR) >= 0 || errno != EACCES)
			_exit(11);
		if (!ioctl(fd, IOMMU_FAULT_IOC_INFO, &info) || errno != EPERM)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd);
}

TEST_HARNESS_MAIN
