/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VM selftest helpers for the iommu-fault-bpf control device, fault
 * injection, and marks that let the host match QEMU's SMMU trace to a
 * test (scripts/vmlog.py).
 */
#ifndef IFB_CTL_H
#define IFB_CTL_H

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <linux/iommu_fault_bpf.h>

#include "ifb.h"		/* tools/lib/ifb: shared with faultctl */
#include "ifb_test_util.h"

/*
 * @call, a libifb call naming `fd`, on a fresh fd of the control device
 * (each call opens it, as an unprivileged test process must see): its
 * result, or -errno when the device cannot be opened.
 */
#define IFB_FRESH_FD(call) ({						\
	int fd = ifb_ctl_open(), __ret = -errno;			\
									\
	if (fd >= 0) {							\
		__ret = (call);						\
		close(fd);						\
	}								\
	__ret;								\
})

/* One ioctl on a fresh fd; -errno on failure. */
static inline int ifb_ctl(unsigned long cmd, void *arg)
{
	return IFB_FRESH_FD(ifb_ioctl(fd, cmd, arg));
}

static inline int ifb_dev_stats(const char *dev, struct iommu_fault_ctl_dev *st)
{
	return IFB_FRESH_FD(ifb_dev_by_name(fd, dev, st));
}

static inline int ifb_dev_reset(const char *dev)
{
	struct iommu_fault_ctl_dev st = { .size = sizeof(st) };

	snprintf(st.dev, sizeof(st.dev), "%s", dev);
	return ifb_ctl(IOMMU_FAULT_IOC_RESET_DEV, &st);
}

static inline int ifb_respond(uint64_t cookie, int status)
{
	struct iommu_fault_ctl_respond r = {
		.size = sizeof(r), .cookie = cookie, .status = status,
	};

	return ifb_ctl(IOMMU_FAULT_IOC_RESPOND, &r);
}

static inline int ifb_set_limits(uint32_t pool, uint32_t deadline_ms)
{
	struct iommu_fault_ctl_limits l = {
		.size = sizeof(l), .pool_size = pool, .deadline_ms = deadline_ms,
	};

	return ifb_ctl(IOMMU_FAULT_IOC_SET_LIMITS, &l);
}

static inline int ifb_info(struct iommu_fault_ctl_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ifb_ctl(IOMMU_FAULT_IOC_INFO, info);
}

/* The pending faults, oldest first: up to @max into @e; *@total of all. */
static inline int ifb_list_pending(struct iommu_fault_ctl_pending_entry *e,
				   uint32_t max, uint32_t *count,
				   uint32_t *total)
{
	struct iommu_fault_ctl_pending lp = {
		.size = sizeof(lp), .max = max,
		.entries = (uintptr_t)e,
	};
	int ret = ifb_ctl(IOMMU_FAULT_IOC_LIST_PENDING, &lp);

	if (!ret) {
		*count = lp.count;
		*total = lp.total;
	}
	return ret;
}

static inline uint64_t ifb_hist_sum(const __u64 *hist)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < IOMMU_FAULT_HIST_BUCKETS; i++)
		sum += hist[i];
	return sum;
}

/* Counters of the attached policy called @name; -ENOENT if none. */
static inline int ifb_policy_stats(const char *name,
				   struct iommu_fault_ctl_policy *out)
{
	return IFB_FRESH_FD(ifb_policy_by_name(fd, name, out));
}

#define IFB_TRACING	"/sys/kernel/tracing"

/* Turn the iommu_fault_bpf tracepoints on and empty the trace buffer. */
static inline int ifb_trace_start(void)
{
	int fd, ret;

	ret = ifb_write_file(IFB_TRACING "/events/iommu_fault_bpf/enable", "1");
	if (ret)
		return ret;
	fd = open(IFB_TRACING "/trace", O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Empty the trace buffer, leaving the enabled events as they are. */
static inline int ifb_trace_start_keep_events(void)
{
	int fd = open(IFB_TRACING "/trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * The response events of the trace buffer, by fault: @times[j] counts the
 * answers to fault seq0 + j (j < @n); an answer whose stream or stall tag
 * is not that fault's, or whose seq is outside the run, is counted in
 * *@wrong.  Fault j was injected with stall tag @stag0 + j mod 2^16.
 * The number of response events read, or -1.
 */
static inline int ifb_responses_by_fault(__u64 seq0, unsigned int n,
				       unsigned int sid, unsigned int stag0,
				       unsigned char *times,
				       unsigned int *wrong)
{
	FILE *f = fopen(IFB_TRACING "/trace", "r");
	unsigned int esid, stag;
	unsigned long long seq;
	char line[512];
	int events = 0;
	char *p;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "iommu_fault_bpf_response:");
		if (!p || !(p = strstr(p, "sid=0x")))
			continue;
		events++;
		if (sscanf(p, "sid=0x%x grpid=0x%x", &esid, &stag) != 2 ||
		    !(p = strstr(p, " seq=")) ||
		    sscanf(p, " seq=%llu", &seq) != 1 ||
		    seq < seq0 || seq - seq0 >= n || esid != sid ||
		    stag != ((stag0 + seq - seq0) & 0xffff)) {
			(*wrong)++;
			continue;
		}
		if (times[seq - seq0] < 255)
			times[seq - seq0]++;
	}
	fclose(f);
	return events;
}

/* Lines of the trace buffer that contain every one of the needles. */
static inline int ifb_trace_count(const char *needle, const char *needle2)
{
	FILE *f = fopen(IFB_TRACING "/trace", "r");
	char line[1024];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && strstr(line, needle) &&
		    (!needle2 || strstr(line, needle2)))
			n++;
	fclose(f);
	return n;
}

/* The SMMU in front of PCI device @dev, by its platform device name. */
static inline int ifb_smmu_of(const char *dev, char *out, size_t size)
{
	char path[PATH_MAX], iommu[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu", dev);
	if (ifb_link_base(path, iommu, sizeof(iommu)))
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/class/iommu/%s/device", iommu);
	return ifb_link_base(path, out, size);
}

/* Stream ID of a PCI device: its requester ID (QEMU virt: identity map). */
static inline uint32_t ifb_pci_sid(const char *dev)
{
	unsigned int dom, bus, slot, fn;

	if (sscanf(dev, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return ~0U;
	return bus << 8 | slot << 3 | fn;
}

#define IFB_NAME_LEN	64

/*
 * edu's name, its SMMU's, and the fault most tests inject: one stalled
 * read of 0x0badd000 by edu.  0 or -ENODEV.
 */
static inline int ifb_edu_stall(char dev[IFB_NAME_LEN], char smmu[IFB_NAME_LEN],
				struct ifb_fault *f)
{
	if (ifb_find_edu(dev, IFB_NAME_LEN) ||
	    ifb_smmu_of(dev, smmu, IFB_NAME_LEN))
		return -ENODEV;
	memset(f, 0, sizeof(*f));
	f->sid = ifb_pci_sid(dev);
	f->addr = 0x0badd000ULL;
	f->recoverable = true;
	f->read = true;
	return 0;
}

/* Inject @count copies of @f into @smmu's event path (its driver records it). */
static inline int ifb_inject(const char *smmu, const struct ifb_fault *f,
			     uint32_t count)
{
	return IFB_FRESH_FD(ifb_fault_inject(fd, smmu, f, count));
}

/*
 * Start a window of QEMU's SMMU trace named @name: the host counts the
 * SMMU commands from this mark to the next one.  The mark must reach the
 * UART before the test's commands reach the SMMU: drain the console.
 */
static inline void ifb_mark(const char *name)
{
	printf("IFB-MARK %s\n", name);
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

/* Ask the host to check @name's window: e.g. "RESUME=1 EVT_F_TRANSLATION=0". */
static inline void ifb_expect_smmu(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("IFB-SMMU-EXPECT %s ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

#endif /* IFB_CTL_H */
