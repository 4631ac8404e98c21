/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the arm-smmu-v3 driver calls of its iommu-fault-bpf glue
 * (arm-smmu-v3-fault-bpf.c, built into the driver): the call sites are
 * all the wiring patch adds to the driver.
 */
#ifndef _ARM_SMMU_V3_FAULT_BPF_H
#define _ARM_SMMU_V3_FAULT_BPF_H

#include <linux/iommu_fault_bpf.h>
#include <linux/types.h>

struct arm_smmu_device;
struct arm_smmu_master;

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

#endif /* _ARM_SMMU_V3_FAULT_BPF_H */
