// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl trace: copy every iommu_fault_bpf tracepoint into a ring
 * buffer for user space; count what did not fit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace_event.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

__u64 lost;

static struct faultctl_event *event_new(const struct iommu_fault_ctx *ctx,
				     __u32 type)
{
	struct faultctl_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	e->ts_ns = bpf_ktime_get_ns();
	e->addr = ctx->addr;
	e->cookie = ctx->cookie;
	e->seq = ctx->seq;
	e->sid = ctx->sid;
	e->pasid = ctx->pasid;
	e->flags = ctx->flags;
	e->perm = ctx->perm;
	e->reason = ctx->reason;
	e->grpid = ctx->grpid;
	e->stage = ctx->stage;
	e->event = ctx->event;
	bpf_probe_read_kernel_str(e->dev, sizeof(e->dev), ctx->dev_name);
	return e;
}

SEC("tp_btf/iommu_fault_bpf_fault")
int BPF_PROG(on_fault, const struct iommu_fault_ctx *fault,
	     const char *iommu_kind)
{
	struct faultctl_event *e = event_new(fault, TRACE_FAULT);

	if (!e)
		return 0;
	bpf_probe_read_kernel_str(e->iommu_kind, sizeof(e->iommu_kind),
				  iommu_kind);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/iommu_fault_bpf_verdict")
int BPF_PROG(on_verdict, const struct iommu_fault_ctx *fault, const char *policy,
	     int status, int action)
{
	struct faultctl_event *e = event_new(fault, TRACE_VERDICT);

	if (!e)
		return 0;
	e->status = status;
	e->action = action;
	bpf_probe_read_kernel_str(e->policy, sizeof(e->policy), policy);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/iommu_fault_bpf_response")
int BPF_PROG(on_response, const struct iommu_fault_ctx *fault, bool retry)
{
	struct faultctl_event *e = event_new(fault, TRACE_RESPONSE);

	if (!e)
		return 0;
	e->retry = retry;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
