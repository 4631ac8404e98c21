// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl fault { pending | respond | inject | replay | trace | help }
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faultctl.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

#define MAX_LIST	65536

static int do_pending(int argc, char **argv)
{
	struct iommu_fault_ctl_pending lp = { .size = sizeof(lp) };
	struct iommu_fault_ctl_pending_entry *e;
	uint32_t i;
	int ret;

	if (argc)
		return usage_err("usage: %s fault pending", bin_name);
	e = calloc(MAX_LIST, sizeof(*e));
	if (!e) {
		p_err("out of memory");
		return -1;
	}
	lp.max = MAX_LIST;
	lp.entries = (uintptr_t)e;
	ret = ctl_ioctl(IOMMU_FAULT_IOC_LIST_PENDING, &lp);
	if (ret) {
		if (ret != CTL_UNAVAILABLE)
			p_err("can't list pending faults: %s", strerror(-ret));
		free(e);
		return -1;
	}
	if (json_output)
		jsonw_start_array(json_wtr);
	else if (lp.count)
		printf("%-18s %-14s %-10s %-16s %-8s %-18s %s\n", "COOKIE",
		       "DEVICE", "AGE_MS", "POLICY", "SID", "ADDR", "STATE");
	for (i = 0; i < lp.count; i++) {
		if (json_output) {
			jsonw_start_object(json_wtr);
			jsonw_lluint_field(json_wtr, "cookie", e[i].cookie);
			jsonw_string_field(json_wtr, "dev", e[i].dev);
			jsonw_uint_field(json_wtr, "age_ns", e[i].age_ns);
			jsonw_string_field(json_wtr, "policy", e[i].policy);
			jsonw_uint_field(json_wtr, "sid", e[i].sid);
			if (e[i].flags & IOMMU_FAULT_CTX_PASID_VALID)
				jsonw_uint_field(json_wtr, "pasid", e[i].pasid);
			jsonw_uint_field(json_wtr, "addr", e[i].addr);
			jsonw_string_field(json_wtr, "state",
					   e[i].deferred ? "deferred" : "parked");
			jsonw_end_object(json_wtr);
		} else {
			printf("0x%016llx %-14s %-10llu %-16s 0x%-6x 0x%016llx %s\n",
			       (unsigned long long)e[i].cookie, e[i].dev,
			       (unsigned long long)e[i].age_ns / 1000000,
			       e[i].policy, e[i].sid,
			       (unsigned long long)e[i].addr,
			       e[i].deferred ? "deferred" : "parked");
		}
	}
	if (json_output)
		jsonw_end_array(json_wtr);
	else if (lp.total > lp.count)
		p_info("%u more not shown", lp.total - lp.count);
	free(e);
	return 0;
}

/* COOKIE {handled|invalid|failure} */
static int do_respond(int argc, char **argv)
{
	struct iommu_fault_ctl_respond r = { .size = sizeof(r) };
	uint64_t cookie;
	int status, ret;

	if (argc != 2)
		return usage_err("usage: %s fault respond COOKIE {handled|invalid|failure}",
				 bin_name);
	if (parse_u64(argv[0], &cookie))
		return usage_err("invalid cookie '%s'", argv[0]);
	r.cookie = cookie;
	status = status_parse(argv[1]);
	if (status != IOMMU_FAULT_STATUS_HANDLED &&
	    status != IOMMU_FAULT_STATUS_INVALID &&
	    status != IOMMU_FAULT_STATUS_FAILURE)
		return usage_err("a response is handled, invalid or failure, not '%s'",
				 argv[1]);
	r.status = status;
	ret = ctl_ioctl(IOMMU_FAULT_IOC_RESPOND, &r);
	if (ret == -ENOENT) {
		p_err("no pending fault with cookie %s (answered already, or timed out)",
		      argv[0]);
		return -1;
	}
	if (ret) {
		if (ret != CTL_UNAVAILABLE)
			p_err("can't respond: %s", strerror(-ret));
		return -1;
	}
	if (json_output)
		jsonw_null(json_wtr);
	return 0;
}

static const struct {
	const char *name;
	uint32_t reason;
} reasons[] = {
	{ "translation", IOMMU_FAULT_REASON_TRANSLATION },
	{ "addr_size", IOMMU_FAULT_REASON_ADDR_SIZE },
	{ "access", IOMMU_FAULT_REASON_ACCESS },
	{ "permission", IOMMU_FAULT_REASON_PERMISSION },
};

struct inject_spec {
	struct ifb_fault f;	/* its sid is the device's */
	uint32_t count;
};

/* A fault of device @d, into the IOMMU in front of it: its driver records it. */
static int inject(const struct iommu_fault_ctl_dev *d,
		  const struct inject_spec *s)
{
	struct ifb_fault f = s->f;
	int fd = ctl_fd_get(), ret;

	f.sid = d->sid;
	ret = fd < 0 ? fd : ifb_fault_inject(fd, d->iommu, &f, s->count);
	if (ret == -EOPNOTSUPP)
		p_err("this kernel has no fault injection (CONFIG_IOMMU_FAULT_BPF_INJECT)");
	else if (ret == -EINVAL)
		p_err("can't inject: the IOMMU cannot record such a fault");
	else if (ret && ret != CTL_UNAVAILABLE)
		p_err("can't inject: %s", strerror(-ret));
	return ret;
}

static int dev_lookup(const char *dev, struct iommu_fault_ctl_dev *d)
{
	int ret = ctl_dev_by_name(dev, d);

	if (ret == -ENODEV) {
		p_err("unknown device '%s' (see '%s device show')", dev, bin_name);
		return -1;
	}
	if (ret == -ENAMETOOLONG) {
		p_err("unknown device '%s'", dev);
		return -1;
	}
	if (ret && ret != CTL_UNAVAILABLE)
		p_err("can't read device '%s': %s", dev, strerror(-ret));
	return ret ? -1 : 0;
}

/*
 * dev DEV addr ADDR [pasid N] [read|write] [exec] [priv] [stall]
 * [reason R] [count N]: a fault of DEV, into the IOMMU in front of it,
 * whose driver writes its own record of it.
 */
static int do_inject(int argc, char **argv)
{
	struct inject_spec spec = {
		.f = { .read = true, .reason = IOMMU_FAULT_REASON_TRANSLATION },
		.count = 1,
	};
	struct iommu_fault_ctl_dev d;
	const char *dev = NULL;
	bool has_addr = false;
	unsigned int i;

	while (argc) {
		/* Flags are whole words; keywords with a value may be prefixes. */
		if (!strcmp(argv[0], "read")) {
			spec.f.read = true;
		} else if (!strcmp(argv[0], "write")) {
			spec.f.read = false;
		} else if (!strcmp(argv[0], "exec")) {
			spec.f.exec = true;
		} else if (!strcmp(argv[0], "priv")) {
			spec.f.priv = true;
		} else if (!strcmp(argv[0], "stall")) {
			spec.f.recoverable = true;
		} else {
			if (argc < 2)
				return usage_err("'%s' needs a value", argv[0]);
			if (is_prefix(argv[0], "dev")) {
				dev = argv[1];
			} else if (is_prefix(argv[0], "addr")) {
				if (parse_u64(argv[1], &spec.f.addr))
					return usage_err("invalid address '%s'", argv[1]);
				has_addr = true;
			} else if (is_prefix(argv[0], "pasid")) {
				if (parse_u32(argv[1], &spec.f.pasid) ||
				    spec.f.pasid >= 1U << 20)
					return usage_err("invalid PASID '%s' (20 bits)", argv[1]);
				spec.f.pasid_valid = true;
			} else if (is_prefix(argv[0], "reason")) {
				for (i = 0; i < ARRAY_LEN(reasons); i++)
					if (!strcmp(argv[1], reasons[i].name))
						break;
				if (i == ARRAY_LEN(reasons))
					return usage_err("unknown reason '%s' (translation, addr_size, access, permission)",
							 argv[1]);
				spec.f.reason = reasons[i].reason;
			} else if (is_prefix(argv[0], "count")) {
				if (parse_u32(argv[1], &spec.count) || !spec.count)
					return usage_err("invalid count '%s'", argv[1]);
			} else {
				return usage_err("unknown keyword '%s'", argv[0]);
			}
			NEXT_ARG();
		}
		NEXT_ARG();
	}
	if (!dev || !has_addr)
		return usage_err("usage: %s fault inject dev DEV addr ADDR [pasid N] [read|write] [exec] [priv] [stall] [reason R] [count N]",
				 bin_name);
	if (dev_lookup(dev, &d))
		return -1;
	/* Groups count up from the device's fault count, like stall tags. */
	spec.f.grpid = (d.faults[0] + d.faults[1]) & 0xffff;
	spec.f.grpid_seq = true;
	if (inject(&d, &spec))
		return -1;
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "injected", spec.count);
		jsonw_end_object(json_wtr);
	} else {
		printf("Injected %u %s fault%s for %s (sid 0x%x) at 0x%llx\n",
		       spec.count, spec.f.recoverable ? "stall" : "non-stall",
		       spec.count == 1 ? "" : "s", dev, d.sid,
		       (unsigned long long)spec.f.addr);
	}
	return 0;
}

/*
 * A flat JSON object, as "faultctl -j fault trace" writes one per line:
 * its members' keys and values, strings unescaped, numbers and literals
 * as written.  Nested objects and arrays are not part of the format.
 */
#define JSON_MAX_MEMBERS	32
#define JSON_MAX_TEXT		1024

struct json_obj {
	int n;
	const char *key[JSON_MAX_MEMBERS];
	const char *val[JSON_MAX_MEMBERS];
	char text[2 * JSON_MAX_TEXT];	/* the strings, NUL-terminated */
};

static const char *json_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A JSON string at @p into @out; the character after it, or NULL. */
static const char *json_string(const char *p, char **out, char *end)
{
	char *o = *out;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		char c = *p++;

		if (!c || (unsigned char)c < 0x20 || o >= end)
			return NULL;
		if (c == '\\') {
			switch (*p++) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case '/': c = '/'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned int u;

				/* Only what json_writer writes: control characters. */
				if (sscanf(p, "%4x", &u) != 1 || u > 0x7f)
					return NULL;
				p += 4;
				c = u;
				break;
			}
			default:
				return NULL;
			}
		}
		*o++ = c;
	}
	if (o >= end)
		return NULL;
	*o++ = '\0';
	*out = o;
	return p + 1;
}

/* Parse @line into @obj; 0, or -1 with *@why saying what is wrong. */
static int json_parse(const char *line, struct json_obj *obj, const char **why)
{
	char *o = obj->text, *end = obj->text + sizeof(obj->text);
	const char *p = json_skip_ws(line);

	obj->n = 0;
	*why = "not a JSON object";
	if (*p++ != '{')
		return -1;
	p = json_skip_ws(p);
	if (*p == '}')
		goto done;
	for (;;) {
		if (obj->n == JSON_MAX_MEMBERS)
			return -1;
		obj->key[obj->n] = o;
		p = json_string(json_skip_ws(p), &o, end);
		if (!p)
			return -1;
		p = json_skip_ws(p);
		if (*p++ != ':')
			return -1;
		p = json_skip_ws(p);
		obj->val[obj->n] = o;
		if (*p == '"') {
			p = json_string(p, &o, end);
			if (!p)
				return -1;
		} else {
			size_t n = strcspn(p, ",} \t\r\n");

			if (!n || o + n >= end || strchr("{[", *p))
				return -1;
			memcpy(o, p, n);
			o += n;
			*o++ = '\0';
			p += n;
		}
		obj->n++;
		p = json_skip_ws(p);
		if (*p == '}')
			break;
		if (*p++ != ',')
			return -1;
	}
done:
	if (*json_skip_ws(p + 1))
		return -1;
	return 0;
}

/* The value of member @key, copied into @buf; NULL if none or too long. */
static const char *json_field(const struct json_obj *obj, const char *key,
			      char *buf, size_t size)
{
	int i;

	for (i = 0; i < obj->n; i++) {
		if (strcmp(obj->key[i], key))
			continue;
		if (strlen(obj->val[i]) >= size)
			return NULL;
		return strcpy(buf, obj->val[i]);
	}
	return NULL;
}

struct replay_fault {
	char dev[IOMMU_FAULT_DEV_LEN];
	uint64_t ts_ns;
	struct inject_spec spec;
};

/* One line of a "faultctl -j trace" capture; 1 = a fault, 0 = skip. */
static int replay_parse(const char *line, struct replay_fault *f,
			const char **why)
{
	static struct json_obj obj;
	char v[64];
	uint64_t n;
	uint32_t flags, perm, reason;

	if (!line[0])
		return 0;
	if (strlen(line) >= JSON_MAX_TEXT || json_parse(line, &obj, why))
		return -1;
	if (!json_field(&obj, "event", v, sizeof(v))) {
		*why = "no \"event\"";
		return -1;
	}
	if (strcmp(v, "fault"))
		return 0;
	memset(f, 0, sizeof(*f));
	if (!json_field(&obj, "dev", f->dev, sizeof(f->dev)) || !f->dev[0]) {
		*why = "no \"dev\"";
		return -1;
	}
	if (!json_field(&obj, "ts_ns", v, sizeof(v)) || parse_u64(v, &f->ts_ns) ||
	    !json_field(&obj, "addr", v, sizeof(v)) || parse_u64(v, &f->spec.f.addr) ||
	    !json_field(&obj, "flags", v, sizeof(v)) || parse_u32(v, &flags) ||
	    !json_field(&obj, "perm", v, sizeof(v)) || parse_u32(v, &perm) ||
	    !json_field(&obj, "reason", v, sizeof(v)) || parse_u32(v, &reason) ||
	    reason == IOMMU_FAULT_REASON_UNKNOWN ||
	    reason >= __IOMMU_FAULT_REASON_MAX) {
		*why = "missing or bad ts_ns, addr, flags, perm or reason";
		return -1;
	}
	if (json_field(&obj, "grpid", v, sizeof(v)) && !parse_u64(v, &n))
		f->spec.f.grpid = n & 0xffff;
	if (flags & IOMMU_FAULT_CTX_PASID_VALID) {
		if (!json_field(&obj, "pasid", v, sizeof(v)) ||
		    parse_u32(v, &f->spec.f.pasid)) {
			*why = "PASID valid but no \"pasid\"";
			return -1;
		}
		f->spec.f.pasid_valid = true;
	}
	f->spec.f.recoverable = flags & IOMMU_FAULT_CTX_RECOVERABLE;
	f->spec.f.read = perm & IOMMU_FAULT_CTX_PERM_READ;
	f->spec.f.exec = perm & IOMMU_FAULT_CTX_PERM_EXEC;
	f->spec.f.priv = perm & IOMMU_FAULT_CTX_PERM_PRIV;
	f->spec.f.reason = reason;
	f->spec.count = 1;
	return 1;
}

/* FILE [realtime]: re-inject the faults of a JSON Lines trace, in order. */
static int do_replay(int argc, char **argv)
{
	struct replay_fault *faults = NULL, *tmp;
	size_t nr = 0, cap = 0, lineno = 0, i;
	struct iommu_fault_ctl_dev d;
	bool realtime = false;
	char *line = NULL;
	size_t len = 0;
	ssize_t got;
	int ret = -1;
	FILE *f;

	if (argc == 2 && is_prefix(argv[1], "realtime"))
		realtime = true;
	else if (argc != 1)
		return usage_err("usage: %s fault replay FILE [realtime]", bin_name);
	f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
	if (!f) {
		p_err("can't open %s: %s", argv[0], strerror(errno));
		return -1;
	}
	/* Check the whole file before injecting anything. */
	while ((got = getline(&line, &len, f)) >= 0) {
		const char *why = NULL;
		int r;

		lineno++;
		while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (nr == cap) {
			cap = cap ? cap * 2 : 256;
			tmp = realloc(faults, cap * sizeof(*faults));
			if (!tmp) {
				p_err("out of memory");
				goto out;
			}
			faults = tmp;
		}
		r = replay_parse(line, &faults[nr], &why);
		if (r < 0) {
			p_err("%s:%zu: malformed trace line: %s", argv[0], lineno, why);
			goto out;
		}
		nr += r;
	}
	for (i = 0; i < nr; i++) {
		if (realtime && i) {
			uint64_t gap = faults[i].ts_ns - faults[i - 1].ts_ns;
			struct timespec ts = { gap / 1000000000ULL,
					       gap % 1000000000ULL };

			if (faults[i].ts_ns > faults[i - 1].ts_ns)
				nanosleep(&ts, NULL);
		}
		if (dev_lookup(faults[i].dev, &d) || inject(&d, &faults[i].spec))
			goto out;
	}
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "replayed", nr);
		jsonw_end_object(json_wtr);
	} else {
		printf("Replayed %zu faults from %s\n", nr, argv[0]);
	}
	ret = 0;
out:
	free(line);
	free(faults);
	if (f != stdin)
		fclose(f);
	return ret;
}

static int do_help(int argc, char **argv)
{
	return p_help("Usage: %1$s fault pending\n"
		      "       %1$s fault respond COOKIE { handled | invalid | failure }\n"
		      "       %1$s fault inject dev DEV addr ADDR [pasid N] [read|write] [exec] [priv]\n"
		      "                         [stall] [reason R] [count N]\n"
		      "       %1$s fault replay FILE [realtime]\n"
		      "       %1$s fault trace [dev DEV]\n"
		      "       %1$s fault help\n"
		      "\n"
		      "       R := { translation | addr_size | access | permission }\n",
		      bin_name);
}

static const struct cmd cmds[] = {
	{ "pending",	do_pending },
	{ "respond",	do_respond },
	{ "inject",	do_inject },
	{ "replay",	do_replay },
	{ "trace",	do_trace },
	{ "help",	do_help },
	{ 0 }
};

int do_fault(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
