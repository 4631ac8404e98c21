/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an iommu-fault-bpf policy includes after vmlinux.h: libbpf's BPF
 * helpers and the kfuncs.  The types (struct iommu_fault_ctx, struct
 * iommu_fault_ops) and constants (enum iommu_fault_status, _ctx_flags,
 * _access, _reason) come from vmlinux.h.
 */
#ifndef IOMMU_FAULT_POLICY_H
#define IOMMU_FAULT_POLICY_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Answer a pending fault by cookie: any op, and SEC("syscall") programs. */
extern int bpf_iommu_fault_respond(__u64 cookie, int status) __ksym;
/* Have the domain's owner map the faulting page: fault_sleepable only. */
extern int bpf_iommu_fault_populate(struct iommu_fault_ctx *ctx) __ksym;

/* sizeof(iommu_fault_ctx::dev_name): UAPI's, which vmlinux.h lacks. */
#define IOMMU_FAULT_DEV_LEN	64

/*
 * A map key naming the fault's device (its dev_name()).  Helpers take
 * keys from the stack or a map value, not from the context: copy it.
 */
struct iommu_fault_dev_key {
	char name[IOMMU_FAULT_DEV_LEN];
};

static __always_inline void
iommu_fault_dev_key(const struct iommu_fault_ctx *ctx,
		    struct iommu_fault_dev_key *key)
{
	_Static_assert(sizeof(key->name) == sizeof(ctx->dev_name),
		       "device name length");
	__builtin_memcpy(key->name, ctx->dev_name, sizeof(key->name));
}

static __always_inline int iommu_fault_recoverable(const struct iommu_fault_ctx *ctx)
{
	return ctx->flags & IOMMU_FAULT_CTX_RECOVERABLE;
}

/* The policy itself: a struct_ops map attached as a link. */
#define IOMMU_FAULT_POLICY(var) \
	SEC(".struct_ops.link") struct iommu_fault_ops var

#endif /* IOMMU_FAULT_POLICY_H */
