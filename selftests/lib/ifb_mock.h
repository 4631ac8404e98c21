/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd's selftest mock IOMMU as a fault source (CONFIG_IOMMUFD_TEST):
 * a mock device behind a nested HWPT with an iommufd fault queue, so that
 * IOMMU_TEST_OP_TRIGGER_IOPF raises page requests through io-pgfault
 * (iommu_report_device_fault()) on any architecture.  What the policies
 * pass on (NONE) reaches the fault queue's fd, as it would a VMM.
 */
#ifndef IFB_MOCK_H
#define IFB_MOCK_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "iommufd_test.h"
#include "ifb.h"

struct ifb_mock {
	int fd;				/* /dev/iommu */
	int fault_fd;			/* the fault queue */
	uint32_t ioas_id, stdev_id, idev_id, mock_hwpt_id;
	uint32_t parent_id, fault_id, iopf_hwpt_id;
	char dev[IOMMU_FAULT_DEV_LEN];	/* its name, as policies bind to it */
};

/* The newest device whose name starts with "iommufd_mock". */
static inline int ifb_mock_find_dev(char *name, size_t size)
{
	struct iommu_fault_ctl_dev d;
	uint32_t after = 0;
	int fd = ifb_ctl_open(), ret = -ENODEV;

	if (fd < 0)
		return fd;
	while (!ifb_dev_next(fd, after, &d)) {
		after = d.id;
		if (!strncmp(d.dev, "iommufd_mock", 12)) {
			snprintf(name, size, "%s", d.dev);
			ret = 0;
		}
	}
	close(fd);
	return ret;
}

/* The mock device behind the fault HWPT (@fault: with its fault queue). */
static inline int ifb_mock_attach(struct ifb_mock *m, bool fault)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = m->stdev_id,
		.mock_domain_replace.pt_id = fault ? m->iopf_hwpt_id : m->parent_id,
	};

	return ifb_ioctl(m->fd, IOMMU_TEST_CMD, &cmd);
}

static inline int ifb_mock_open(struct ifb_mock *m)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_test_cmd md = {
		.size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	struct iommu_hwpt_alloc parent = {
		.size = sizeof(parent), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
	};
	struct iommu_fault_alloc fq = { .size = sizeof(fq) };
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested), .flags = IOMMU_HWPT_FAULT_ID_VALID,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
	};
	int ret;

	memset(m, 0, sizeof(*m));
	m->fault_fd = -1;
	m->fd = open("/dev/iommu", O_RDWR);
	if (m->fd < 0)
		return -errno;
	ret = ifb_ioctl(m->fd, IOMMU_IOAS_ALLOC, &ioas);
	if (ret)
		return ret;
	m->ioas_id = ioas.out_ioas_id;
	md.id = m->ioas_id;
	ret = ifb_ioctl(m->fd, IOMMU_TEST_CMD, &md);
	if (ret)
		return ret;
	m->stdev_id = md.mock_domain.out_stdev_id;
	m->mock_hwpt_id = md.mock_domain.out_hwpt_id;
	m->idev_id = md.mock_domain.out_idev_id;
	parent.dev_id = m->idev_id;
	parent.pt_id = m->ioas_id;
	ret = ifb_ioctl(m->fd, IOMMU_HWPT_ALLOC, &parent);
	if (ret)
		return ret;
	m->parent_id = parent.out_hwpt_id;
	ret = ifb_ioctl(m->fd, IOMMU_FAULT_QUEUE_ALLOC, &fq);
	if (ret)
		return ret;
	m->fault_id = fq.out_fault_id;
	m->fault_fd = fq.out_fault_fd;
	nested.dev_id = m->idev_id;
	nested.pt_id = m->parent_id;
	nested.fault_id = m->fault_id;
	ret = ifb_ioctl(m->fd, IOMMU_HWPT_ALLOC, &nested);
	if (ret)
		return ret;
	m->iopf_hwpt_id = nested.out_hwpt_id;
	ret = ifb_mock_attach(m, true);
	return ret ? ret : ifb_mock_find_dev(m->dev, sizeof(m->dev));
}

/* A page request from the mock device: one group (LAST_PAGE). */
static inline int ifb_mock_trigger(struct ifb_mock *m, uint32_t pasid,
				   uint32_t grpid, uint64_t addr)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = {
			.dev_id = m->idev_id, .pasid = pasid, .grpid = grpid,
			.perm = IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE,
			.addr = addr,
		},
	};

	return ifb_ioctl(m->fd, IOMMU_TEST_CMD, &cmd);
}

/* The faults the queue holds, up to @max: how many (the read does not block). */
static inline int ifb_mock_read(struct ifb_mock *m, struct iommu_hwpt_pgfault *f,
				int max)
{
	ssize_t n = read(m->fault_fd, f, max * sizeof(*f));

	return n < 0 ? -errno : (int)(n / sizeof(*f));
}

static inline int ifb_mock_respond(struct ifb_mock *m, uint32_t cookie,
				   uint32_t code)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = code };

	return write(m->fault_fd, &r, sizeof(r)) == sizeof(r) ? 0 : -errno;
}

/* Closing /dev/iommu destroys what it holds; the fault queue answers the rest. */
static inline void ifb_mock_close(struct ifb_mock *m)
{
	if (m->fault_fd >= 0)
		close(m->fault_fd);
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->fault_fd = -1;
}

#endif /* IFB_MOCK_H */
