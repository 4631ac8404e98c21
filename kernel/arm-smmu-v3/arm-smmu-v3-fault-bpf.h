/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the arm-smmu-v3 driver calls of its iommu-fault-bpf glue
 * (arm-smmu-v3-fault-bpf.c, built into the driver): the call sites are
 * all the wiring patch adds to the driver.  With the driver's own
 * EVTQ_* fields, the event IDs below are all the glue knows of the
 * SMMUv3 event record.
 */
#ifndef _ARM_SMMU_V3_FAULT_BPF_H
#define _ARM_SMMU_V3_FAULT_BPF_H

#include <linux/iommu_fault_bpf.h>
#include <linux/types.h>

struct arm_smmu_device;
struct arm_smmu_master;

/* The event IDs arm-smmu-v3.h does not define (it has the four faults). */
#define EVT_ID_UUT			0x01
#define EVT_ID_BAD_STREAMID		0x02
#define EVT_ID_STE_FETCH		0x03
#define EVT_ID_BAD_STE			0x04
#define EVT_ID_BAD_ATS_TREQ		0x05
#define EVT_ID_STREAM_DISABLED		0x06
#define EVT_ID_TRANSL_FORBIDDEN		0x07
#define EVT_ID_BAD_SUBSTREAMID		0x08
#define EVT_ID_CD_FETCH			0x09
#define EVT_ID_BAD_CD			0x0a
#define EVT_ID_WALK_EABT		0x0b

#ifdef CONFIG_IOMMU_FAULT_BPF
int arm_smmu_fault_bpf_add_smmu(struct arm_smmu_device *smmu);
void arm_smmu_fault_bpf_remove_smmu(struct arm_smmu_device *smmu);
void arm_smmu_fault_bpf_add_master(struct arm_smmu_master *master);
void arm_smmu_fault_bpf_remove_master(struct arm_smmu_master *master);
bool __arm_smmu_fault_bpf_claim(struct arm_smmu_device *smmu, u64 *evt);
void arm_smmu_fault_bpf_orphan(struct arm_smmu_device *smmu, u64 *evt);

/*
 * Policies see every event first.  A NOP (static branch) while the core
 * has nothing to do: the record is not even decoded.
 */
static inline bool arm_smmu_fault_bpf_claim(struct arm_smmu_device *smmu,
					    u64 *evt)
{
	return iommu_fault_bpf_enabled() &&
	       __arm_smmu_fault_bpf_claim(smmu, evt);
}
#else
static inline int arm_smmu_fault_bpf_add_smmu(struct arm_smmu_device *smmu)
{
	return 0;
}

static inline void arm_smmu_fault_bpf_remove_smmu(struct arm_smmu_device *smmu)
{
}

static inline void arm_smmu_fault_bpf_add_master(struct arm_smmu_master *master)
{
}

static inline void
arm_smmu_fault_bpf_remove_master(struct arm_smmu_master *master)
{
}

static inline bool arm_smmu_fault_bpf_claim(struct arm_smmu_device *smmu,
					    u64 *evt)
{
	return false;
}

static inline void arm_smmu_fault_bpf_orphan(struct arm_smmu_device *smmu,
					     u64 *evt)
{
}
#endif /* CONFIG_IOMMU_FAULT_BPF */

#if IS_ENABLED(CONFIG_KUNIT)
/* The event record codec, for its KUnit test. */
void arm_smmu_fault_bpf_decode(const u64 *evt, struct iommu_fault_ctx *ctx);
int arm_smmu_fault_bpf_encode(const struct iommu_fault_ctx *f, u64 *evt);
#endif

#endif /* _ARM_SMMU_V3_FAULT_BPF_H */
