/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One traced event, as trace.bpf.c hands it to faultctl through the ring
 * buffer.  Plain fixed-size types: compiled for BPF and for user space.
 */
#ifndef FAULTCTL_TRACE_EVENT_H
#define FAULTCTL_TRACE_EVENT_H

#define TRACE_NAME_LEN	32	/* IOMMU_FAULT_NAME_LEN */
#define TRACE_DEV_LEN	64	/* IOMMU_FAULT_DEV_LEN */
#define TRACE_KIND_LEN	32	/* IOMMU_FAULT_KIND_LEN */

enum faultctl_event_type {
	TRACE_FAULT = 1,	/* iommu_fault_bpf_fault */
	TRACE_VERDICT,		/* iommu_fault_bpf_verdict */
	TRACE_RESPONSE,		/* iommu_fault_bpf_response */
};

struct faultctl_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u64 addr;
	__u64 cookie;
	__u64 seq;
	__u32 type;
	__u32 sid;
	__u32 pasid;
	__u32 flags;
	__u32 perm;
	__u32 reason;
	__u32 grpid;
	__u32 stage;
	__s32 status;		/* verdict */
	__s32 action;		/* verdict */
	__u32 retry;		/* resume */
	__u32 event;		/* the IOMMU's event code */
	char dev[TRACE_DEV_LEN];
	char policy[TRACE_NAME_LEN];
	char iommu_kind[TRACE_KIND_LEN];	/* fault */
};

#endif /* FAULTCTL_TRACE_EVENT_H */
