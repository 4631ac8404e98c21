/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Set the data fields of a policy's struct_ops map (name, dev, priority,
 * flags) before it is loaded.  bpftool's skeleton cannot express char
 * arrays in struct_ops shadow types, so fields are found by name in the
 * object's BTF and written into libbpf's copy of the map value.
 */
#ifndef IFB_POLICY_H
#define IFB_POLICY_H

#include <errno.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Copy @len bytes of @val into member @field of the map's value. */
static inline int ifb_policy_set(struct bpf_object *obj, struct bpf_map *map,
				 const char *field, const void *val, size_t len)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_member *m;
	const struct btf_type *t;
	size_t vsize;
	char *value;
	int id, i;

	value = bpf_map__initial_value(map, &vsize);
	if (!btf || !value)
		return -EINVAL;
	id = btf__find_by_name_kind(btf, "iommu_fault_ops", BTF_KIND_STRUCT);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		__s64 msize;
		__u32 off;

		if (strcmp(btf__name_by_offset(btf, m->name_off), field))
			continue;
		off = btf_member_bit_offset(t, i) / 8;
		msize = btf__resolve_size(btf, m->type);
		if (msize < 0 || (size_t)msize < len ||
		    off + (size_t)msize > vsize)
			return -E2BIG;
		memset(value + off, 0, msize);
		memcpy(value + off, val, len);
		return 0;
	}
	return -ENOENT;
}

static inline int ifb_policy_set_str(struct bpf_object *obj,
				     struct bpf_map *map, const char *field,
				     const char *s)
{
	return ifb_policy_set(obj, map, field, s, strlen(s) + 1);
}

#endif /* IFB_POLICY_H */
