/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-fault-bpf: the interface between the kernel and BPF fault policies.
 *
 * A policy is a struct iommu_fault_ops map attached as a struct_ops link.
 * Its ops see one fault at a time through struct iommu_fault_ctx and return
 * an enum iommu_fault_status (include/uapi/linux/iommu_fault_bpf.h).
 */
#ifndef _LINUX_IOMMU_FAULT_BPF_H
#define _LINUX_IOMMU_FAULT_BPF_H

#include <linux/types.h>
#include <uapi/linux/iommu_fault_bpf.h>

/**
 * struct iommu_fault_ctx - one fault, as a policy sees it
 * @stage: enum iommu_fault_stage of the op that runs
 * @flags: IOMMU_FAULT_CTX_* (recoverable, PASID valid, stage 2, IPA valid)
 * @dev_name: the faulting device, dev_name() (e.g. "0000:00:01.0")
 * @sid: the device's stream ID (requester ID) at the IOMMU
 * @pasid: PASID / substream ID, when IOMMU_FAULT_CTX_PASID_VALID
 * @addr: the faulting input address (IOVA)
 * @ipa: the stage-2 input address, when IOMMU_FAULT_CTX_IPA_VALID
 * @access: IOMMU_FAULT_ACCESS_* of the faulting access
 * @reason: enum iommu_fault_reason
 * @event: the IOMMU's own event code (SMMUv3: the event ID, e.g. 0x10)
 * @stall_tag: the hardware's tag of a stalled transaction
 * @cookie: names the fault while it is pending (respond by cookie)
 * @seq: per-device fault sequence number, from 1
 * @timestamp: ktime_get_ns() when the IOMMU driver reported the fault
 * @raw: the IOMMU's event record, as read from its event queue, less any
 *	physical address in it (SMMUv3: the FetchAddr of fetch and walk aborts)
 * @scratch: written by the fast op, read by the sleepable op of the same
 *	policy: the only part of the context a program may write
 *
 * Everything but @scratch is read-only to programs.
 */
struct iommu_fault_ctx {
	u32 stage;
	u32 flags;
	char dev_name[IOMMU_FAULT_DEV_LEN];
	u32 sid;
	u32 pasid;
	u64 addr;
	u64 ipa;
	u32 access;
	u32 reason;
	u32 event;
	u32 stall_tag;
	u64 cookie;
	u64 seq;
	u64 timestamp;
	u8 raw[IOMMU_FAULT_RAW_LEN];
	u8 scratch[IOMMU_FAULT_SCRATCH_LEN];
};

struct iommu_fault_policy;

/**
 * struct iommu_fault_ops - a BPF fault policy
 *
 * Data fields, set by the loader before the map is created:
 *
 * @name: the policy's name, unique among attached policies;
 *	[A-Za-z0-9_.], not empty
 * @dev: dev_name() of the one device the policy serves; empty for all
 *	devices.  Device policies run before global ones.
 * @priority: order within the device or the global chain, lower first
 *	(equal priorities: attach order)
 * @flags: IOMMU_FAULT_OPS_* flags; unknown bits are rejected
 */
struct iommu_fault_ops {
	/**
	 * @fault: decide on a fault, at once.  Required.
	 *
	 * Called for every fault of the devices the policy serves that no
	 * policy before it decided, recoverable or not.  May write
	 * @ctx->scratch for its sleepable op.
	 *
	 * Context: the IOMMU driver's fault path, may not sleep (an atomic
	 * section): a sleepable program is rejected here.
	 *
	 * Return: an enum iommu_fault_status; DEFER runs @fault_sleepable
	 * from a workqueue.  See enum iommu_fault_status for the effect of
	 * each; an unknown value aborts a recoverable fault and is counted.
	 */
	int (*fault)(struct iommu_fault_ctx *ctx);

	/**
	 * @fault_sleepable: decide on a fault @fault deferred.  Optional.
	 *
	 * Context: process context on the iommu-fault-bpf workqueue; may
	 * sleep and call the sleepable kfuncs (e.g. populate the page).
	 * Must be a sleepable (struct_ops.s) program.
	 *
	 * Return: an enum iommu_fault_status, final for this policy: NONE
	 * passes the fault to the next policy; DEFER is invalid here (abort,
	 * counted).
	 */
	int (*fault_sleepable)(struct iommu_fault_ctx *ctx);

	/**
	 * @init: called once when the policy is attached.  Optional.
	 *
	 * Context: process context, may sleep.
	 *
	 * Return: 0, or a negative errno to refuse the attach with it; any
	 * other value refuses it with -EINVAL.
	 */
	int (*init)(void);

	/**
	 * @exit: called once when the policy is detached or replaced, after
	 * its last fault op returned.  Optional.
	 *
	 * Context: process context, may sleep.
	 */
	void (*exit)(void);

	char name[IOMMU_FAULT_NAME_LEN];
	char dev[IOMMU_FAULT_DEV_LEN];
	s32 priority;
	u32 flags;

	/* private: owned by the kernel, must be zero when the map is created */
	struct iommu_fault_policy *policy;
};

#endif /* _LINUX_IOMMU_FAULT_BPF_H */
