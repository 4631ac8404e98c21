/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-fault-bpf tracepoints: every fault reported, every verdict a
 * policy op returned, every answer sent to the IOMMU.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iommu_fault_bpf

#if !defined(_IOMMU_FAULT_BPF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _IOMMU_FAULT_BPF_TRACE_H

#include <linux/iommu_fault_bpf.h>
#include <linux/ktime.h>
#include <linux/tracepoint.h>

TRACE_EVENT(iommu_fault_bpf_fault,
	    TP_PROTO(const struct iommu_fault_ctx *ctx, const char *iommu_kind),
	    TP_ARGS(ctx, iommu_kind),
	TP_STRUCT__entry(__string(dev, ctx->dev_name)
		__string(iommu, iommu_kind)
		__field(u32, sid)
		__field(u32, pasid)
		__field(u64, addr)
		__field(u32, perm)
		__field(u32, reason)
		__field(u32, flags)
		__field(u64, seq)
	),
	TP_fast_assign(__assign_str(dev);
		__assign_str(iommu);
		__entry->sid = ctx->sid;
		__entry->pasid = ctx->pasid;
		__entry->addr = ctx->addr;
		__entry->perm = ctx->perm;
		__entry->reason = ctx->reason;
		__entry->flags = ctx->flags;
		__entry->seq = ctx->seq;
	),
	TP_printk("dev=%s iommu=%s sid=0x%x pasid=0x%x addr=0x%llx perm=0x%x reason=%u flags=0x%x seq=%llu",
		  __get_str(dev), __get_str(iommu), __entry->sid, __entry->pasid, __entry->addr,
		  __entry->perm, __entry->reason, __entry->flags,
		  __entry->seq)
);

TRACE_EVENT(iommu_fault_bpf_verdict,
	    TP_PROTO(const struct iommu_fault_ctx *ctx, const char *policy,
		     int status, int action),
	    TP_ARGS(ctx, policy, status, action),
	TP_STRUCT__entry(__string(dev, ctx->dev_name)
		__string(policy, policy)
		__field(u64, seq)
		__field(u32, stage)
		__field(int, status)
		__field(int, action)
	),
	TP_fast_assign(__assign_str(dev);
		__assign_str(policy);
		__entry->seq = ctx->seq;
		__entry->stage = ctx->stage;
		__entry->status = status;
		__entry->action = action;
	),
	TP_printk("dev=%s seq=%llu policy=%s stage=%u status=%d action=%d",
		  __get_str(dev), __entry->seq, __get_str(policy),
		  __entry->stage, __entry->status, __entry->action)
);

TRACE_EVENT(iommu_fault_bpf_response,
	    TP_PROTO(const struct iommu_fault_ctx *ctx, bool retry),
	    TP_ARGS(ctx, retry),
	TP_STRUCT__entry(__string(dev, ctx->dev_name)
		__field(u32, sid)
		__field(u32, grpid)
		__field(u64, cookie)
		__field(u64, seq)
		__field(bool, retry)
		__field(u64, latency_ns)
	),
	TP_fast_assign(__assign_str(dev);
		__entry->sid = ctx->sid;
		__entry->grpid = ctx->grpid;
		__entry->cookie = ctx->cookie;
		__entry->seq = ctx->seq;
		__entry->retry = retry;
		__entry->latency_ns = ctx->timestamp ?
				      ktime_get_ns() - ctx->timestamp : 0;
	),
	TP_printk("dev=%s sid=0x%x grpid=0x%x cookie=0x%llx seq=%llu resp=%s latency_ns=%llu",
		  __get_str(dev), __entry->sid, __entry->grpid,
		  __entry->cookie, __entry->seq,
		  __entry->retry ? "retry" : "abort", __entry->latency_ns)
);

#endif /* _IOMMU_FAULT_BPF_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
