/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libifb: what every user-space program of iommu-fault-bpf needs of the
 * kernel, written once for faultctl, the selftests and the benchmark.
 *
 * - The data fields of a policy's struct_ops map (name, dev, priority,
 *   flags), set before load.  bpftool's skeleton cannot express char
 *   arrays in struct_ops shadow types, so fields are found by name in the
 *   object's BTF and written into libbpf's copy of the map value.
 * - The control device, /dev/iommu_fault: one call per ioctl, -errno on
 *   failure, and the listings by id.
 * - A fault to inject, as a policy's context describes it.
 *
 * Header only: static inline functions, no state.
 */
#ifndef IFB_H
#define IFB_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/iommu_fault_bpf.h>

#define IFB_CTL_PATH	"/dev/iommu_fault"

/* --- a policy's struct_ops map ------------------------------------------ */

/* The struct_ops map of type iommu_fault_ops in @obj, or NULL. */
static inline struct bpf_map *ifb_ops_map(struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const struct btf_type *t;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		if (t && !strcmp(btf__name_by_offset(btf, t->name_off),
				 "iommu_fault_ops"))
			return map;
	}
	return NULL;
}

/* Offset and size of member @name of struct type @t; -ENOENT if none. */
static inline int ifb_btf_member(const struct btf *btf,
				 const struct btf_type *t, const char *name,
				 uint32_t *off, size_t *size)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++) {
		int64_t msize;

		if (strcmp(btf__name_by_offset(btf, m->name_off), name))
			continue;
		msize = btf__resolve_size(btf, m->type);
		if (msize < 0)
			return -EINVAL;
		*off = btf_member_bit_offset(t, i) / 8;
		*size = msize;
		return 0;
	}
	return -ENOENT;
}

/*
 * Where member @field of @map's value lives in libbpf's copy of it, and
 * its size; NULL when the map or its value has no such member.
 */
static inline void *ifb_ops_field(struct bpf_object *obj, struct bpf_map *map,
				  const char *field, size_t *size)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	size_t vsize;
	uint32_t off;
	char *value;

	value = bpf_map__initial_value(map, &vsize);
	if (!btf || !value)
		return NULL;
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	if (!t || ifb_btf_member(btf, t, field, &off, size) ||
	    off + *size > vsize)
		return NULL;
	return value + off;
}

/* Copy @len bytes of @val into member @field; -ENOENT, or -E2BIG. */
static inline int ifb_ops_set(struct bpf_object *obj, struct bpf_map *map,
			      const char *field, const void *val, size_t len)
{
	size_t size;
	char *p = ifb_ops_field(obj, map, field, &size);

	if (!p)
		return -ENOENT;
	if (len > size)
		return -E2BIG;
	memset(p, 0, size);
	memcpy(p, val, len);
	return 0;
}

/* A string member (name, dev), with its NUL; -E2BIG when it is too long. */
static inline int ifb_ops_set_str(struct bpf_object *obj, struct bpf_map *map,
				  const char *field, const char *s)
{
	return ifb_ops_set(obj, map, field, s, strlen(s) + 1);
}

/* --- the control device ------------------------------------------------- */

static inline int ifb_ctl_open(void)
{
	return open(IFB_CTL_PATH, O_RDWR | O_CLOEXEC);
}

/* One ioctl on @fd; 0 or -errno. */
static inline int ifb_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Device @name's counters and id; -ENODEV for no such device. */
static inline int ifb_dev_by_name(int fd, const char *name,
				  struct iommu_fault_ctl_dev *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	if (strlen(name) >= sizeof(out->dev))
		return -ENAMETOOLONG;
	strcpy(out->dev, name);
	return ifb_ioctl(fd, IOMMU_FAULT_IOC_DEV_STATS, out);
}

/* The device after id @after (0: the first); -ENOENT after the last. */
static inline int ifb_dev_next(int fd, uint32_t after,
			       struct iommu_fault_ctl_dev *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = IOMMU_FAULT_CTL_DEV_NEXT;
	out->id = after;
	return ifb_ioctl(fd, IOMMU_FAULT_IOC_DEV_STATS, out);
}

/* The policy after id @after (0: the first); -ENOENT after the last. */
static inline int ifb_policy_next(int fd, uint32_t after,
				  struct iommu_fault_ctl_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = IOMMU_FAULT_CTL_POLICY_NEXT;
	out->id = after;
	return ifb_ioctl(fd, IOMMU_FAULT_IOC_POLICY_STATS, out);
}

/* The attached policy called @name; -ENOENT if none. */
static inline int ifb_policy_by_name(int fd, const char *name,
				     struct iommu_fault_ctl_policy *out)
{
	uint32_t id = 0;
	int ret;

	while (!(ret = ifb_policy_next(fd, id, out))) {
		if (!strcmp(out->name, name))
			return 0;
		id = out->id;
	}
	return ret;
}

/* --- injection ---------------------------------------------------------- */

/* A fault to inject, as a policy's context describes it. */
struct ifb_fault {
	uint32_t sid;
	uint64_t addr;
	bool recoverable;
	uint16_t grpid;
	bool read;		/* else a write */
	bool exec;
	bool priv;
	bool pasid_valid;
	uint32_t pasid;
	uint32_t reason;	/* 0: a translation fault */
	bool grpid_seq;		/* copy i gets group grpid + i */
};

/*
 * Have the driver of IOMMU @iommu record @count copies of @f and feed them
 * into its event path; 0 or -errno (EINVAL: the IOMMU cannot record it).
 */
static inline int ifb_fault_inject(int fd, const char *iommu,
				   const struct ifb_fault *f, uint32_t count)
{
	struct iommu_fault_ctl_inject inj = {
		.size = sizeof(inj), .count = count,
		.flags = f->grpid_seq ? IOMMU_FAULT_INJECT_GRPID_SEQ : 0,
		.sid = f->sid, .addr = f->addr, .pasid = f->pasid,
		.fault_flags = (f->recoverable ? IOMMU_FAULT_CTX_RECOVERABLE : 0) |
			       (f->pasid_valid ? IOMMU_FAULT_CTX_PASID_VALID : 0),
		.perm = (f->read ? IOMMU_FAULT_CTX_PERM_READ :
				   IOMMU_FAULT_CTX_PERM_WRITE) |
			(f->exec ? IOMMU_FAULT_CTX_PERM_EXEC : 0) |
			(f->priv ? IOMMU_FAULT_CTX_PERM_PRIV : 0),
		.reason = f->reason ? f->reason : IOMMU_FAULT_REASON_TRANSLATION,
		.grpid = f->grpid,
	};

	if (strlen(iommu) >= sizeof(inj.iommu))
		return -ENAMETOOLONG;
	strcpy(inj.iommu, iommu);
	return ifb_ioctl(fd, IOMMU_FAULT_IOC_INJECT, &inj);
}

#endif /* IFB_H */
