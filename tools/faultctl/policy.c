// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl policy { load | replace | unload | show | list | help }
 *
 * A policy is loaded from a BPF object with an iommu_fault_ops struct_ops
 * map, attached as a link and the link pinned under PIN_DIR/NAME, so it
 * outlives faultctl.  "show" asks the kernel, not the pins, so it lists
 * every attached policy, whoever attached it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "faultctl.h"

static int set_str(struct bpf_object *obj, struct bpf_map *map,
		   const char *field, const char *val)
{
	size_t size;
	char *p = ifb_ops_field(obj, map, field, &size);

	if (!p)
		return -ENOENT;
	if (strlen(val) >= size) {
		p_err("%s '%s' is too long (at most %zu characters)", field,
		      val, size - 1);
		return -EINVAL;
	}
	memset(p, 0, size);
	strcpy(p, val);
	return 0;
}

/*
 * Set global variable @var of the object (in .data, .rodata or .bss: the
 * policy's configuration) to the integer @val before load.  The variable
 * is found in the DATASEC behind each internal map.
 */
static int set_var(struct bpf_object *obj, const char *var, const char *val)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const struct btf_var_secinfo *vs;
		const struct btf_type *sec;
		unsigned long long v;
		size_t vsize;
		char *data, *end;
		int i;

		if (!bpf_map__is_internal(map) || !btf)
			continue;
		sec = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		if (!sec || !btf_is_datasec(sec) ||
		    !strcmp(btf__name_by_offset(btf, sec->name_off), ".kconfig"))
			continue;
		vs = btf_var_secinfos(sec);
		for (i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *t = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, t->name_off), var))
				continue;
			t = btf__type_by_id(btf, btf__resolve_type(btf, t->type));
			if (!t || (!btf_is_int(t) && !btf_is_enum(t)) ||
			    (vs->size != 1 && vs->size != 2 && vs->size != 4 &&
			     vs->size != 8)) {
				p_err("'%s' is not an integer: 'set' takes integer variables",
				      var);
				return -EINVAL;
			}
			errno = 0;
			v = *val == '-' ? (unsigned long long)strtoll(val, &end, 0) :
					  strtoull(val, &end, 0);
			if (errno || end == val || *end ||
			    (vs->size < 8 && *val != '-' &&
			     v >> (vs->size * 8))) {
				p_err("invalid value '%s' for '%s' (an integer of %u bytes)",
				      val, var, vs->size);
				return -EINVAL;
			}
			data = bpf_map__initial_value(map, &vsize);
			if (!data || vs->offset + vs->size > vsize)
				return -EINVAL;
			/* Little- or big-endian alike: store the low bytes. */
			switch (vs->size) {
			case 1: *(__u8 *)(data + vs->offset) = v; break;
			case 2: *(__u16 *)(data + vs->offset) = v; break;
			case 4: *(__u32 *)(data + vs->offset) = v; break;
			default: *(__u64 *)(data + vs->offset) = v; break;
			}
			return 0;
		}
	}
	p_err("the object has no global variable '%s' to set", var);
	return -ENOENT;
}

/* bpffs at /sys/fs/bpf (mounted if needed) and PIN_DIR in it. */
static int pin_dir_ready(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
			p_err("can't mount bpffs at /sys/fs/bpf: %s",
			      strerror(errno));
			return -1;
		}
	}
	if (mkdir(PIN_DIR, 0700) && errno != EEXIST) {
		p_err("can't create %s: %s", PIN_DIR, strerror(errno));
		return -1;
	}
	return 0;
}

/* Policy names are [A-Za-z0-9_.]: the pin path needs no escaping. */
static void pin_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", PIN_DIR, name);
}

#define MAX_SETS	16

struct load_args {
	const char *file;
	const char *name;
	const char *dev;
	int32_t priority;
	bool has_priority;
	int nr_sets;
	const char *set_var[MAX_SETS];
	const char *set_val[MAX_SETS];
};

/* OBJ [name NAME] [dev DEV] [priority N] [set VAR VALUE]... */
static int parse_load_args(int argc, char **argv, struct load_args *a)
{
	memset(a, 0, sizeof(*a));
	if (argc < 1)
		return usage_err("missing object file");
	a->file = argv[0];
	NEXT_ARG();
	while (argc) {
		if (argc < 2)
			return usage_err("'%s' needs a value", argv[0]);
		if (is_prefix(argv[0], "name")) {
			a->name = argv[1];
		} else if (is_prefix(argv[0], "dev")) {
			a->dev = argv[1];
		} else if (is_prefix(argv[0], "priority")) {
			if (parse_s32(argv[1], &a->priority))
				return usage_err("invalid priority '%s'", argv[1]);
			a->has_priority = true;
		} else if (is_prefix(argv[0], "set")) {
			if (argc < 3)
				return usage_err("'set' needs a variable and a value");
			if (a->nr_sets == MAX_SETS)
				return usage_err("at most %d 'set's", MAX_SETS);
			a->set_var[a->nr_sets] = argv[1];
			a->set_val[a->nr_sets++] = argv[2];
			argc--;
			argv++;
		} else {
			return usage_err("unknown keyword '%s' (name, dev, priority, set)",
					 argv[0]);
		}
		argc -= 2;
		argv += 2;
	}
	return 0;
}

/*
 * Open @a->file, apply the overrides and load it.  On success *@obj and
 * *@map are set and the policy's name is copied to @name.
 */
static int open_and_load(const struct load_args *a, struct bpf_object **obj,
			 struct bpf_map **map, char *name, size_t name_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts,
		    .kernel_log_level = debug ? 1 | 2 | 4 : 0);
	size_t size;
	char *p;
	int i;

	*obj = bpf_object__open_file(a->file, &opts);
	if (!*obj) {
		p_err("can't open object %s: %s", a->file, strerror(errno));
		return -1;
	}
	*map = ifb_ops_map(*obj);
	if (!*map) {
		p_err("no iommu_fault_ops policy in %s (a SEC(\".struct_ops.link\") struct iommu_fault_ops)",
		      a->file);
		goto err;
	}
	if ((a->name && set_str(*obj, *map, "name", a->name)) ||
	    (a->dev && set_str(*obj, *map, "dev", a->dev)))
		goto err;
	for (i = 0; i < a->nr_sets; i++)
		if (set_var(*obj, a->set_var[i], a->set_val[i]))
			goto err;
	if (a->has_priority) {
		int32_t *prio = ifb_ops_field(*obj, *map, "priority", &size);

		if (!prio || size != sizeof(*prio))
			goto err;
		*prio = a->priority;
	}
	p = ifb_ops_field(*obj, *map, "name", &size);
	if (!p || !*p) {
		p_err("the policy in %s has no name: give it one with 'name NAME'",
		      a->file);
		goto err;
	}
	snprintf(name, name_size, "%.*s", (int)size, p);
	if (bpf_object__load(*obj)) {
		p_err("can't load %s: %s (the verifier's log is above)", a->file,
		      strerror(errno));
		goto err;
	}
	return 0;
err:
	bpf_object__close(*obj);
	*obj = NULL;
	return -1;
}

/* Why the kernel refused to attach a policy, in words. */
static void attach_err(const char *name, int err)
{
	if (err == EEXIST)
		p_err("a policy named '%s' is already attached", name);
	else if (err == EINVAL)
		p_err("the kernel refused policy '%s': it needs a 'fault' op, a name of [A-Za-z0-9_.], a device name without '/' and no unknown flags, and its init op, if any, must return 0 (the kernel log names an init op's bad return value)",
		      name);
	else if (err == EOPNOTSUPP || err == ENOENT)
		p_err("can't attach '%s': %s (is this kernel built with CONFIG_IOMMU_FAULT_BPF?)",
		      name, strerror(err));
	else
		p_err("can't attach policy '%s': %s", name, strerror(err));
}

static int do_load(int argc, char **argv)
{
	char name[IOMMU_FAULT_NAME_LEN], path[256];
	struct bpf_object *obj;
	struct bpf_link *link;
	struct load_args a;
	struct bpf_map *map;
	int ret;

	ret = parse_load_args(argc, argv, &a);
	if (ret)
		return ret;
	if (pin_dir_ready())
		return -1;
	if (open_and_load(&a, &obj, &map, name, sizeof(name)))
		return -1;
	pin_path(path, sizeof(path), name);
	if (!access(path, F_OK)) {
		p_err("a policy named '%s' is already loaded (%s)", name, path);
		goto err;
	}
	link = bpf_map__attach_struct_ops(map);
	if (!link) {
		attach_err(name, errno);
		goto err;
	}
	ret = bpf_link__pin(link, path);
	if (ret) {
		p_err("can't pin the policy's link at %s: %s", path,
		      strerror(-ret));
		bpf_link__destroy(link);
		goto err;
	}
	/* The pin keeps the policy attached after we exit. */
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	bpf_object__close(obj);

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "name", name);
		jsonw_string_field(json_wtr, "pinned", path);
		jsonw_end_object(json_wtr);
	} else {
		printf("Loaded policy %s, link pinned at %s\n", name, path);
	}
	return 0;
err:
	bpf_object__close(obj);
	return -1;
}

/* The attached policy @name, from the kernel; -ENOENT if none. */
static int policy_by_name(const char *name, struct iommu_fault_ctl_policy *p)
{
	uint32_t id;
	int ret;

	for (id = 0; !(ret = ctl_policy_next(id, p)); id = p->id)
		if (!strcmp(p->name, name))
			return 0;
	return ret;
}

/*
 * NAME OBJ [dev DEV] [priority N] [set VAR VALUE]...: the new object's
 * policy takes NAME's place atomically: its name, and its device and
 * priority unless given.
 */
static int do_replace(int argc, char **argv)
{
	char name[IOMMU_FAULT_NAME_LEN], path[256];
	struct iommu_fault_ctl_policy running;
	struct bpf_object *obj;
	struct bpf_link *link;
	struct load_args a;
	struct bpf_map *map;
	int ret;

	if (argc < 2)
		return usage_err("usage: %s policy replace NAME OBJ", bin_name);
	if (ctl_open() < 0)
		return -1;
	pin_path(path, sizeof(path), argv[0]);
	link = bpf_link__open(path);
	if (!link) {
		p_err("no policy '%s' loaded by faultctl (%s: %s)", argv[0],
		      path, strerror(errno));
		return -1;
	}
	ret = parse_load_args(argc - 1, argv + 1, &a);
	if (ret)
		goto out_link;
	if (a.name && strcmp(a.name, argv[0])) {
		ret = usage_err("the replacement keeps the name '%s'", argv[0]);
		goto out_link;
	}
	a.name = argv[0];
	ret = policy_by_name(argv[0], &running);
	if (ret) {
		p_err("policy '%s' is pinned but not attached: %s", argv[0],
		      strerror(-ret));
		ret = -1;
		goto out_link;
	}
	if (!a.dev)
		a.dev = running.dev;
	if (!a.has_priority) {
		a.priority = running.priority;
		a.has_priority = true;
	}
	ret = -1;
	if (open_and_load(&a, &obj, &map, name, sizeof(name)))
		goto out_link;
	ret = bpf_link__update_map(link, map);
	if (ret)
		p_err("can't replace policy '%s': %s", argv[0], strerror(-ret));
	else if (json_output)
		jsonw_string(json_wtr, name);
	else
		printf("Replaced policy %s with %s\n", name, a.file);
	bpf_object__close(obj);
out_link:
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	return ret;
}

/* NAME: detach it, even if someone else holds the link too. */
static int do_unload(int argc, char **argv)
{
	char path[256];
	int fd;

	if (argc != 1)
		return usage_err("usage: %s policy unload NAME", bin_name);
	pin_path(path, sizeof(path), argv[0]);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		p_err("no policy '%s' loaded by faultctl (%s: %s)", argv[0],
		      path, strerror(errno));
		return -1;
	}
	if (bpf_link_detach(fd)) {
		p_err("can't detach policy '%s': %s", argv[0], strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	unlink(path);
	if (json_output)
		jsonw_null(json_wtr);
	else
		printf("Unloaded policy %s\n", argv[0]);
	return 0;
}

static const char *const op_names[] = {
	"fault", "fault_sleepable", "init", "exit",
};
#define NR_OPS	4

/*
 * Program ids of attached policy @p: the kernel names the link that
 * attached it; the link names its struct_ops map, and a lookup in that
 * map gives, in each op slot of the value, the id of the program behind
 * the op.  Left 0 where anything is gone (a policy unloaded meanwhile).
 */
static void policy_prog_ids(const struct iommu_fault_ctl_policy *p,
			    __u32 ids[NR_OPS])
{
	static struct btf *btf;
	struct bpf_link_info link = {};
	struct bpf_map_info map = {};
	__u32 len, zero = 0, data_off, op_off;
	const struct btf_type *vt, *ot;
	int vtid, otid, lfd, mfd = -1, i;
	char *buf = NULL;
	size_t size;

	memset(ids, 0, NR_OPS * sizeof(*ids));
	lfd = bpf_link_get_fd_by_id(p->link_id);
	if (lfd < 0)
		goto out;
	len = sizeof(link);
	if (bpf_link_get_info_by_fd(lfd, &link, &len) ||
	    link.type != BPF_LINK_TYPE_STRUCT_OPS)
		goto out;
	mfd = bpf_map_get_fd_by_id(link.struct_ops.map_id);
	len = sizeof(map);
	if (mfd < 0 || bpf_map_get_info_by_fd(mfd, &map, &len))
		goto out;
	/* Parsed once per run: show may list many policies. */
	if (!btf)
		btf = btf__load_vmlinux_btf();
	if (!btf)
		goto out;
	vtid = btf__find_by_name_kind(btf, "bpf_struct_ops_iommu_fault_ops",
				      BTF_KIND_STRUCT);
	otid = btf__find_by_name_kind(btf, "iommu_fault_ops", BTF_KIND_STRUCT);
	if (vtid < 0 || otid < 0 || map.btf_vmlinux_value_type_id != (__u32)vtid)
		goto out;
	vt = btf__type_by_id(btf, vtid);
	ot = btf__type_by_id(btf, otid);
	buf = malloc(map.value_size);
	if (ifb_btf_member(btf, vt, "data", &data_off, &size) || !buf ||
	    map.value_size != vt->size || bpf_map_lookup_elem(mfd, &zero, buf))
		goto out;
	for (i = 0; i < NR_OPS; i++)
		if (!ifb_btf_member(btf, ot, op_names[i], &op_off, &size))
			ids[i] = (__u32)*(__u64 *)(buf + data_off + op_off);
out:
	if (debug && !ids[0])
		fprintf(stderr, "debug: no program ids for %s (link %u, map %u): %s\n",
			p->name, p->link_id, link.struct_ops.map_id,
			strerror(errno));
	free(buf);
	if (mfd >= 0)
		close(mfd);
	if (lfd >= 0)
		close(lfd);
}

static void show_ops(const struct iommu_fault_ctl_policy *p, char *buf,
		     size_t size)
{
	snprintf(buf, size, "%s%s%s%s",
		 p->ops & IOMMU_FAULT_POLICY_OP_FAULT ? "fault" : "",
		 p->ops & IOMMU_FAULT_POLICY_OP_FAULT_SLEEPABLE ? ",fault_sleepable" : "",
		 p->ops & IOMMU_FAULT_POLICY_OP_INIT ? ",init" : "",
		 p->ops & IOMMU_FAULT_POLICY_OP_EXIT ? ",exit" : "");
}

/* A policy, as every command prints it in JSON (policy show, stats show). */
void json_policy(const struct iommu_fault_ctl_policy *p)
{
	__u32 ids[NR_OPS];
	int stage, i;

	jsonw_start_object(json_wtr);
	jsonw_uint_field(json_wtr, "id", p->id);
	jsonw_string_field(json_wtr, "name", p->name);
	jsonw_string_field(json_wtr, "dev", p->dev);
	jsonw_int_field(json_wtr, "priority", p->priority);
	jsonw_name(json_wtr, "ops");
	jsonw_start_array(json_wtr);
	if (p->ops & IOMMU_FAULT_POLICY_OP_FAULT)
		jsonw_string(json_wtr, "fault");
	if (p->ops & IOMMU_FAULT_POLICY_OP_FAULT_SLEEPABLE)
		jsonw_string(json_wtr, "fault_sleepable");
	if (p->ops & IOMMU_FAULT_POLICY_OP_INIT)
		jsonw_string(json_wtr, "init");
	if (p->ops & IOMMU_FAULT_POLICY_OP_EXIT)
		jsonw_string(json_wtr, "exit");
	jsonw_end_array(json_wtr);
	policy_prog_ids(p, ids);
	jsonw_name(json_wtr, "prog_ids");
	jsonw_start_object(json_wtr);
	for (i = 0; i < NR_OPS; i++)
		if (ids[i])
			jsonw_uint_field(json_wtr, op_names[i], ids[i]);
	jsonw_end_object(json_wtr);
	jsonw_uint_field(json_wtr, "attached_ns", p->attached_ns);
	jsonw_name(json_wtr, "calls");
	jsonw_start_object(json_wtr);
	jsonw_uint_field(json_wtr, "atomic", p->calls[0]);
	jsonw_uint_field(json_wtr, "sleepable", p->calls[1]);
	jsonw_end_object(json_wtr);
	jsonw_name(json_wtr, "verdicts");
	jsonw_start_object(json_wtr);
	for (stage = 0; stage < 2; stage++) {
		jsonw_name(json_wtr, stage ? "sleepable" : "atomic");
		json_verdicts(p->verdicts[stage]);
	}
	jsonw_end_object(json_wtr);
	jsonw_uint_field(json_wtr, "bad_verdicts", p->bad_verdicts);
	jsonw_uint_field(json_wtr, "unrecoverable_misuse",
			 p->unrecoverable_misuse);
	jsonw_end_object(json_wtr);
}

static void show_policy_plain(const struct iommu_fault_ctl_policy *p)
{
	time_t t = p->attached_ns / 1000000000ULL;
	char ops[64], when[32];
	__u32 ids[NR_OPS];
	int st, i;

	show_ops(p, ops, sizeof(ops));
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	printf("%s: dev %s  priority %d  ops %s\n", p->name,
	       p->dev[0] ? p->dev : "all", p->priority, ops);
	policy_prog_ids(p, ids);
	printf("\tprog ids:");
	for (i = 0; i < NR_OPS; i++)
		if (ids[i])
			printf(" %s %u", op_names[i], ids[i]);
	printf("\n");
	printf("\tattached %s  calls %llu atomic, %llu sleepable  bad verdicts %llu  misused %llu\n",
	       when, (unsigned long long)p->calls[0],
	       (unsigned long long)p->calls[1],
	       (unsigned long long)p->bad_verdicts,
	       (unsigned long long)p->unrecoverable_misuse);
	printf("\tverdicts:");
	for (st = 0; st < __IOMMU_FAULT_STATUS_MAX; st++)
		printf(" %s %llu/%llu", status_name(st),
		       (unsigned long long)p->verdicts[0][st],
		       (unsigned long long)p->verdicts[1][st]);
	printf("  (atomic/sleepable)\n");
}

/* [name NAME] */
static int do_show(int argc, char **argv)
{
	struct iommu_fault_ctl_policy p;
	const char *filter = NULL;
	uint32_t id, shown = 0;
	int ret;

	if (argc == 2 && is_prefix(argv[0], "name"))
		filter = argv[1];
	else if (argc)
		return usage_err("usage: %s policy show [name NAME]", bin_name);
	if (ctl_open() < 0)
		return -1;
	if (json_output)
		jsonw_start_array(json_wtr);
	for (id = 0; !(ret = ctl_policy_next(id, &p)); id = p.id) {
		if (filter && strcmp(filter, p.name))
			continue;
		if (json_output)
			json_policy(&p);
		else
			show_policy_plain(&p);
		shown++;
	}
	if (json_output)
		jsonw_end_array(json_wtr);
	if (ret != -ENOENT) {
		p_err("can't read policies: %s", strerror(-ret));
		return -1;
	}
	/* A filter that matches nothing is a failure, as in bpftool. */
	if (filter && !shown) {
		p_err("no policy named '%s' is attached", filter);
		return -1;
	}
	return 0;
}

static int do_help(int argc, char **argv)
{
	return p_help("Usage: %1$s policy load OBJ [name NAME] [dev DEV] [priority N] [set VAR VALUE]...\n"
		      "       %1$s policy replace NAME OBJ [dev DEV] [priority N] [set VAR VALUE]...\n"
		      "       %1$s policy unload NAME\n"
		      "       %1$s policy { show | list } [name NAME]\n"
		      "       %1$s policy help\n"
		      "\n"
		      "       Policies are pinned under " PIN_DIR "/NAME.  'set' gives an integer\n"
		      "       global variable of the object (its configuration) a value before load.\n",
		      bin_name);
}

static const struct cmd cmds[] = {
	{ "load",	do_load },
	{ "replace",	do_replace },
	{ "unload",	do_unload },
	{ "show",	do_show },
	{ "list",	do_show },
	{ "help",	do_help },
	{ 0 }
};

int do_policy(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
