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

/* One ioctl; -errno, with errno set, on failure (not reported here). */
int ctl_ioctl(unsigned long cmd, void *arg)
{
	if (ctl_open() < 0)
		return CTL_UNAVAILABLE;
	if (ioctl(ctl_fd, cmd, arg))
		return -errno;
	return 0;
}

/* The device after id @after (0: the first): list with the id it returns. */
int ctl_dev_next(uint32_t after, struct iommu_fault_ctl_dev *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = IOMMU_FAULT_CTL_DEV_NEXT;
	out->id = after;
	return ctl_ioctl(IOMMU_FAULT_IOC_DEV_STATS, out);
}

int ctl_dev_by_name(const char *dev, struct iommu_fault_ctl_dev *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	if (strlen(dev) >= sizeof(out->dev))
		return -ENAMETOOLONG;
	strcpy(out->dev, dev);
	return ctl_ioctl(IOMMU_FAULT_IOC_DEV_STATS, out);
}

/* The policy after id @after (0: the first): list with the id it returns. */
int ctl_policy_next(uint32_t after, struct iommu_fault_ctl_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = IOMMU_FAULT_CTL_POLICY_NEXT;
	out->id = after;
	return ctl_ioctl(IOMMU_FAULT_IOC_POLICY_STATS, out);
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
