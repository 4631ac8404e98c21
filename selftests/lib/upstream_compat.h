/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Debian's linux-source-6.12 (6.12.117) carries a tools/testing/selftests/
 * iommu/ newer than its kernel: iommufd.c and iommufd_utils.h name uAPI
 * that 6.12 does not have (hardware info by input type, PASID-capable
 * mock devices).  These definitions, forced in front of them, let them
 * compile unchanged; the tests that use what 6.12 lacks fail on any 6.12
 * kernel, with or without iommu-fault-bpf, and selftests/vm/upstream_*.sh
 * leave them out by name.
 */
#ifndef UPSTREAM_COMPAT_H
#define UPSTREAM_COMPAT_H

#define IOMMU_HW_INFO_TYPE_DEFAULT	0
#define IOMMU_HW_INFO_FLAG_INPUT_TYPE	(1 << 0)
#define in_data_type			out_data_type
#define MOCK_FLAGS_DEVICE_PASID		(1 << 2)
#define MOCK_PASID_WIDTH		20

#endif /* UPSTREAM_COMPAT_H */
