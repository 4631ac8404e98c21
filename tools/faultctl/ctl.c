// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl: the control device, /dev/iommu_fault, with errors that say
 * what to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "faultctl.h"

#define CTL_PATH	"/dev/iommu_fault"

static int ctl_fd = -1;

int ctl_open(void)
{
	if (ctl_fd >= 0)
		return ctl_fd;
	ctl_fd = open(CTL_PATH, O_RDWR | O_CLOEXEC);
	if (ctl_fd >= 0)
		return ctl_fd;
	if (errno == ENOENT)
		p_err("no %s: this kernel has no iommu-fault-bpf (CONFIG_IOMMU_FAULT_BPF)",
		      CTL_PATH);
	else if (errno == EACCES || errno == EPERM)
		p_err("can't open %s: %s (faultctl needs root)", CTL_PATH,
		      strerror(errno));
	else
		p_err("can't open %s: %s", CTL_PATH, strerror(errno));
	return -1;
}

/*
 * The control device's fd, opened on first use; CTL_UNAVAILABLE, after
 * ctl_open() said why, when it cannot be.  The calls themselves are
 * libifb's (tools/lib/ifb), shared with the selftests and the bench.
 */
int ctl_fd_get(void)
{
	return ctl_open() < 0 ? CTL_UNAVAILABLE : ctl_fd;
}

/* One ioctl; -errno on failure (not reported here). */
int ctl_ioctl(unsigned long cmd, void *arg)
{
	int fd = ctl_fd_get();

	return fd < 0 ? fd : ifb_ioctl(fd, cmd, arg);
}

/* The device after id @after (0: the first): list with the id it returns. */
int ctl_dev_next(uint32_t after, struct iommu_fault_ctl_dev *out)
{
	int fd = ctl_fd_get();

	return fd < 0 ? fd : ifb_dev_next(fd, after, out);
}

int ctl_dev_by_name(const char *dev, struct iommu_fault_ctl_dev *out)
{
	int fd = ctl_fd_get();

	return fd < 0 ? fd : ifb_dev_by_name(fd, dev, out);
}

/* The policy after id @after (0: the first): list with the id it returns. */
int ctl_policy_next(uint32_t after, struct iommu_fault_ctl_policy *out)
{
	int fd = ctl_fd_get();

	return fd < 0 ? fd : ifb_policy_next(fd, after, out);
}

static const char *const status_names[] = {
	[IOMMU_FAULT_STATUS_NONE] = "none",
	[IOMMU_FAULT_STATUS_FAILURE] = "failure",
	[IOMMU_FAULT_STATUS_INVALID] = "invalid",
	[IOMMU_FAULT_STATUS_HANDLED] = "handled",
	[IOMMU_FAULT_STATUS_IGNORE] = "ignore",
	[IOMMU_FAULT_STATUS_DEFER] = "defer",
};

/* {"none": N, ...}: one stage's verdict counts, as an object. */
void json_verdicts(const __u64 *counts)
{
	int st;

	jsonw_start_object(json_wtr);
	for (st = 0; st < __IOMMU_FAULT_STATUS_MAX; st++)
		jsonw_uint_field(json_wtr, status_names[st], counts[st]);
	jsonw_end_object(json_wtr);
}

const char *status_name(int status)
{
	if (status < 0 || status >= __IOMMU_FAULT_STATUS_MAX)
		return "unknown";
	return status_names[status];
}

int status_parse(const char *s)
{
	int i;

	for (i = 0; i < __IOMMU_FAULT_STATUS_MAX; i++)
		if (!strcasecmp(s, status_names[i]))
			return i;
	return -1;
}
