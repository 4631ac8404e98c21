// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf: struct iommu_fault_ops plumbing.
 *
 * What the BPF core needs to accept a policy: which members may be
 * sleepable, what a program may write in the context, how the data fields
 * are checked, and the attach/detach/replace entry points, which hand over
 * to policy.c.  Also the subsystem's one initcall.
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/init.h>
#include <linux/iommu_fault_bpf.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "iommu_fault_bpf_private.h"

static const struct btf_type *iommu_fault_ctx_type;
static u32 iommu_fault_ops_type_id;

static int iommu_fault_ops_init(struct btf *btf)
{
	s32 id;

	id = btf_find_by_name_kind(btf, "iommu_fault_ctx", BTF_KIND_STRUCT);
	if (id < 0)
		return id;
	iommu_fault_ctx_type = btf_type_by_id(btf, id);

	id = btf_find_by_name_kind(btf, "iommu_fault_ops", BTF_KIND_STRUCT);
	if (id < 0)
		return id;
	iommu_fault_ops_type_id = id;
	return 0;
}

/* True for programs that implement a member of struct iommu_fault_ops. */
bool iommu_fault_prog_is_policy(const struct bpf_prog *prog)
{
	return prog->type == BPF_PROG_TYPE_STRUCT_OPS &&
	       prog->aux->attach_btf_id == iommu_fault_ops_type_id;
}

static bool iommu_fault_ops_is_valid_access(int off, int size,
					    enum bpf_access_type type,
					    const struct bpf_prog *prog,
					    struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

struct iommu_fault_write_range {
	const char *field;
	u32 start;
	u32 end;
};

/* The parts of struct iommu_fault_ctx a program may write. */
static const struct iommu_fault_write_range iommu_fault_write_ranges[] = {
	{
		.field = "scratch",
		.start = offsetof(struct iommu_fault_ctx, scratch),
		.end = offsetofend(struct iommu_fault_ctx, scratch),
	},
};

static int iommu_fault_ops_btf_struct_access(struct bpf_verifier_log *log,
					     const struct bpf_reg_state *reg,
					     int off, int size)
{
	const struct btf_type *t = btf_type_by_id(reg->btf, reg->btf_id);
	int i;

	if (t != iommu_fault_ctx_type) {
		bpf_log(log, "write access to this struct is not supported\n");
		return -EACCES;
	}

	for (i = 0; i < ARRAY_SIZE(iommu_fault_write_ranges); i++) {
		const struct iommu_fault_write_range *r =
			&iommu_fault_write_ranges[i];

		if (off >= r->start && off + size <= r->end)
			return NOT_INIT;
	}

	bpf_log(log,
		"write access at off %d with size %d to read-only part of iommu_fault_ctx: only scratch is writable\n",
		off, size);
	return -EACCES;
}

static const struct bpf_func_proto *
iommu_fault_ops_get_func_proto(enum bpf_func_id func_id,
			       const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

static const struct bpf_verifier_ops iommu_fault_verifier_ops = {
	.get_func_proto = iommu_fault_ops_get_func_proto,
	.is_valid_access = iommu_fault_ops_is_valid_access,
	.btf_struct_access = iommu_fault_ops_btf_struct_access,
};

/*
 * @fault runs in the IOMMU driver's fault path and may not sleep;
 * @fault_sleepable runs from a workqueue and is the one that may.
 */
static int iommu_fault_ops_check_member(const struct btf_type *t,
					const struct btf_member *member,
					const struct bpf_prog *prog)
{
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	switch (moff) {
	case offsetof(struct iommu_fault_ops, fault):
		return prog->sleepable ? -EINVAL : 0;
	case offsetof(struct iommu_fault_ops, fault_sleepable):
		return prog->sleepable ? 0 : -EINVAL;
	default:
		return 0;
	}
}

/* [A-Za-z0-9_.], NUL-terminated within the field, not empty. */
static int iommu_fault_copy_name(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);
	size_t i;

	if (!len || len == size)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum(src[i]) && src[i] != '_' && src[i] != '.')
			return -EINVAL;
	memcpy(dst, src, len + 1);
	return 0;
}

/* A device name: printable, no '/', NUL-terminated; empty means all. */
static int iommu_fault_copy_dev(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);
	size_t i;

	if (len == size)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isgraph(src[i]) || src[i] == '/')
			return -EINVAL;
	memcpy(dst, src, len + 1);
	return 0;
}

static int iommu_fault_ops_init_member(const struct btf_type *t,
				       const struct btf_member *member,
				       void *kdata, const void *udata)
{
	const struct iommu_fault_ops *uops = udata;
	struct iommu_fault_ops *kops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;
	int ret;

	switch (moff) {
	case offsetof(struct iommu_fault_ops, name):
		ret = iommu_fault_copy_name(kops->name, uops->name,
					    sizeof(kops->name));
		return ret ? ret : 1;
	case offsetof(struct iommu_fault_ops, dev):
		ret = iommu_fault_copy_dev(kops->dev, uops->dev,
					   sizeof(kops->dev));
		return ret ? ret : 1;
	case offsetof(struct iommu_fault_ops, priority):
		kops->priority = uops->priority;
		return 1;
	case offsetof(struct iommu_fault_ops, flags):
		if (uops->flags & ~IOMMU_FAULT_OPS_FLAGS_ALL)
			return -EINVAL;
		kops->flags = uops->flags;
		return 1;
	}
	/* Ops, and the private pointer, which the core wants zero. */
	return 0;
}

/* The errno alone cannot tell the author what is missing: say it. */
static int iommu_fault_ops_validate(void *kdata)
{
	struct iommu_fault_ops *ops = kdata;

	if (ops->fault)
		return 0;
	pr_warn_ratelimited("iommu-fault-bpf: policy '%s' refused: it has no fault op\n",
			    ops->name);
	return -EINVAL;
}

/*
 * CAP_BPF (or a BPF token) is all the struct_ops map and its link need;
 * a policy decides for devices, so attaching or replacing one takes what
 * the control device takes: CAP_SYS_ADMIN.
 */
static int iommu_fault_ops_reg(void *kdata, struct bpf_link *link)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return iommu_fault_policy_attach(&iommu_fault_sys_core, kdata, link);
}

static void iommu_fault_ops_unreg(void *kdata, struct bpf_link *link)
{
	iommu_fault_policy_detach(&iommu_fault_sys_core, kdata);
}

static int iommu_fault_ops_update(void *kdata, void *old_kdata,
				  struct bpf_link *link)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return iommu_fault_policy_replace(&iommu_fault_sys_core, kdata,
					  old_kdata, link);
}

/* CFI stubs: the type anchors of the trampolines, never called. */
static int iommu_fault_ops__fault(struct iommu_fault_ctx *ctx)
{
	return IOMMU_FAULT_STATUS_NONE;
}

static int iommu_fault_ops__fault_sleepable(struct iommu_fault_ctx *ctx)
{
	return IOMMU_FAULT_STATUS_NONE;
}

static int iommu_fault_ops__init(void)
{
	return 0;
}

static void iommu_fault_ops__exit(void)
{
}

static struct iommu_fault_ops __bpf_ops_iommu_fault_ops = {
	.fault = iommu_fault_ops__fault,
	.fault_sleepable = iommu_fault_ops__fault_sleepable,
	.init = iommu_fault_ops__init,
	.exit = iommu_fault_ops__exit,
};

static struct bpf_struct_ops bpf_iommu_fault_ops = {
	.verifier_ops = &iommu_fault_verifier_ops,
	.init = iommu_fault_ops_init,
	.check_member = iommu_fault_ops_check_member,
	.init_member = iommu_fault_ops_init_member,
	.validate = iommu_fault_ops_validate,
	.reg = iommu_fault_ops_reg,
	.unreg = iommu_fault_ops_unreg,
	.update = iommu_fault_ops_update,
	.name = "iommu_fault_ops",
	.cfi_stubs = &__bpf_ops_iommu_fault_ops,
	.owner = THIS_MODULE,
};

/*
 * The subsystem's one initcall, in dependency order: the machine's core
 * (its pending pool), the control device, the kfuncs, and last the
 * struct_ops, so that a policy can attach only once all it reaches
 * exists.  An fs_initcall: before the IOMMU drivers probe (device
 * initcalls) and add their instances and devices.
 */
static int __init iommu_fault_bpf_init(void)
{
	int ret;

	/* Policies include vmlinux.h only: make sure it has the enums. */
	BTF_TYPE_EMIT_ENUM(IOMMU_FAULT_STATUS_NONE);
	BTF_TYPE_EMIT_ENUM(IOMMU_FAULT_STAGE_ATOMIC);
	BTF_TYPE_EMIT_ENUM(IOMMU_FAULT_REASON_UNKNOWN);
	BTF_TYPE_EMIT_ENUM(IOMMU_FAULT_CTX_RECOVERABLE);
	BTF_TYPE_EMIT_ENUM(IOMMU_FAULT_RAW_SMMUV3);
	BTF_TYPE_EMIT_ENUM(IOMMU_FAULT_CTX_PERM_READ);
	BTF_TYPE_EMIT_ENUM(IOMMU_FAULT_OPS_TIMESTAMP);

	ret = iommu_fault_core_init(&iommu_fault_sys_core,
				    &iommu_fault_bpf_active);
	if (ret)
		return ret;
	ret = iommu_fault_ctl_init();
	if (ret)
		return ret;
	ret = iommu_fault_kfuncs_init();
	if (ret)
		return ret;
	return register_bpf_struct_ops(&bpf_iommu_fault_ops, iommu_fault_ops);
}
fs_initcall(iommu_fault_bpf_init);
