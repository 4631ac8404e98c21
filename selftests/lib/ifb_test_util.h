/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the iommu-fault-bpf VM selftests: sysfs and debugfs
 * access, finding QEMU's edu device, reading the kernel log.
 */
#ifndef IFB_TEST_UTIL_H
#define IFB_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

#define EDU_VENDOR_ID	"0x1234"
#define EDU_DEVICE_ID	"0x11e8"
#define EDU_DEBUGFS	"/sys/kernel/debug/iommu_fault_edu"

static inline void ifb_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* CLOCK_MONOTONIC, the kernel's ktime_get_ns(), in ns. */
static inline uint64_t ifb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double ifb_now_s(void)
{
	return ifb_now_ns() / 1e9;
}

/* Read a whole (small) file into buf, NUL-terminated; -errno on error. */
static inline int ifb_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

static inline int ifb_write_file(const char *path, const char *s)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* First line of a sysfs attribute, without the newline. */
static inline int ifb_read_attr(const char *path, char *buf, size_t size)
{
	int ret = ifb_read_file(path, buf, size);

	if (ret >= 0)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

/* PCI name ("0000:00:01.0") of the first edu device; 0 or -ENODEV. */
static inline int ifb_find_edu(char *name, size_t size)
{
	char path[PATH_MAX], v[32], d[32];
	struct dirent *de;
	DIR *dir;
	int ret = -ENODEV;

	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (ifb_read_attr(path, v, sizeof(v)) < 0)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (ifb_read_attr(path, d, sizeof(d)) < 0)
			continue;
		if (!strcmp(v, EDU_VENDOR_ID) && !strcmp(d, EDU_DEVICE_ID)) {
			snprintf(name, size, "%s", de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret;
}

/* Basename of the target of a symlink, e.g. a device's driver. */
static inline int ifb_link_base(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	memcpy(buf, base, strlen(base) + 1);
	return 0;
}

/* Value of "key=" in a key=value text; copied to out, 0 or -ENOENT. */
static inline int ifb_kv(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, "\n");

			if (n >= size)
				n = size - 1;
			memcpy(out, p + klen + 1, n);
			out[n] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

/* Number of kernel log lines containing needle (whole log buffer). */
static inline int ifb_klog_count(const char *needle)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	int n, count = 0;
	char *buf, *p;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, needle)); p += strlen(needle))
		count++;
	free(buf);
	return count;
}

#endif /* IFB_TEST_UTIL_H */
