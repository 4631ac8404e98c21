// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl fault { pending | respond | inject | help }
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultctl.h"

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
		if (ret != -ENODEV)
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
		if (ret != -ENODEV)
			p_err("can't respond: %s", strerror(-ret));
		return -1;
	}
	if (json_output)
		jsonw_null(json_wtr);
	return 0;
}

/* SMMUv3 event record fields (see arm-smmu-v3.h). */
#define EVT_SSV			(1ULL << 11)
#define EVT_STALL		(1ULL << 31)
#define EVT_PNU			(1ULL << 33)
#define EVT_IND			(1ULL << 34)
#define EVT_RNW			(1ULL << 35)

static const struct {
	const char *name;
	uint8_t event;
} reasons[] = {
	{ "translation", 0x10 },
	{ "addr_size", 0x11 },
	{ "access", 0x12 },
	{ "permission", 0x13 },
};

/*
 * dev DEV addr ADDR [pasid N] [read|write] [exec] [priv] [stall]
 * [reason R] [count N]: an SMMUv3 event record for DEV's stream ID,
 * into the SMMU in front of DEV.
 */
static int do_inject(int argc, char **argv)
{
	struct iommu_fault_ctl_inject inj = { .size = sizeof(inj), .len = 32 };
	struct iommu_fault_ctl_dev d;
	const char *dev = NULL;
	uint64_t addr = 0, evt[4] = { 0 };
	uint32_t pasid = 0, count = 1;
	bool has_addr = false, has_pasid = false, read = true;
	bool exec = false, priv = false, stall = false;
	uint8_t event = 0x10;
	unsigned int i;
	int ret;

	while (argc) {
		/* Flags are whole words; keywords with a value may be prefixes. */
		if (!strcmp(argv[0], "read")) {
			read = true;
		} else if (!strcmp(argv[0], "write")) {
			read = false;
		} else if (!strcmp(argv[0], "exec")) {
			exec = true;
		} else if (!strcmp(argv[0], "priv")) {
			priv = true;
		} else if (!strcmp(argv[0], "stall")) {
			stall = true;
		} else {
			if (argc < 2)
				return usage_err("'%s' needs a value", argv[0]);
			if (is_prefix(argv[0], "dev")) {
				dev = argv[1];
			} else if (is_prefix(argv[0], "addr")) {
				if (parse_u64(argv[1], &addr))
					return usage_err("invalid address '%s'", argv[1]);
				has_addr = true;
			} else if (is_prefix(argv[0], "pasid")) {
				if (parse_u32(argv[1], &pasid) || pasid >= 1U << 20)
					return usage_err("invalid PASID '%s' (20 bits)", argv[1]);
				has_pasid = true;
			} else if (is_prefix(argv[0], "reason")) {
				for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
					if (!strcmp(argv[1], reasons[i].name))
						break;
				if (i == sizeof(reasons) / sizeof(reasons[0]))
					return usage_err("unknown reason '%s' (translation, addr_size, access, permission)",
							 argv[1]);
				event = reasons[i].event;
			} else if (is_prefix(argv[0], "count")) {
				if (parse_u32(argv[1], &count) || !count)
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

	ret = ctl_dev_by_name(dev, &d);
	if (ret == -ENODEV || ret == -ENAMETOOLONG) {
		p_err("unknown device '%s' (see '%s device show')", dev, bin_name);
		return -1;
	}
	if (ret)
		return ret == -ENODEV ? -1 : (p_err("%s", strerror(-ret)), -1);

	evt[0] = event | (uint64_t)d.sid << 32;
	if (has_pasid)
		evt[0] |= EVT_SSV | (uint64_t)pasid << 12;
	/* Stall tags count up from the device's fault count, like hardware. */
	evt[1] = ((d.faults[0] + d.faults[1]) & 0xffff) |
		 (stall ? EVT_STALL : 0) | (read ? EVT_RNW : 0) |
		 (exec ? EVT_IND : 0) | (priv ? EVT_PNU : 0);
	evt[2] = addr;
	for (i = 0; i < 4; i++)
		evt[i] = htole64(evt[i]);
	memcpy(inj.raw, evt, sizeof(evt));
	memcpy(inj.iommu, d.iommu, sizeof(inj.iommu));
	inj.count = count;
	inj.flags = IOMMU_FAULT_INJECT_STAG_SEQ;
	ret = ctl_ioctl(IOMMU_FAULT_IOC_INJECT, &inj);
	if (ret == -EOPNOTSUPP) {
		p_err("this kernel has no fault injection (CONFIG_IOMMU_FAULT_BPF_INJECT)");
		return -1;
	}
	if (ret) {
		p_err("can't inject: %s", strerror(-ret));
		return -1;
	}
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "injected", count);
		jsonw_end_object(json_wtr);
	} else {
		printf("Injected %u %s fault%s for %s (sid 0x%x) at 0x%llx\n", count,
		       stall ? "stall" : "non-stall", count == 1 ? "" : "s", dev,
		       d.sid, (unsigned long long)addr);
	}
	return 0;
}

static int do_help(int argc, char **argv)
{
	if (json_output) {
		jsonw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %1$s fault pending\n"
		"       %1$s fault respond COOKIE { handled | invalid | failure }\n"
		"       %1$s fault inject dev DEV addr ADDR [pasid N] [read|write] [exec] [priv]\n"
		"                         [stall] [reason R] [count N]\n"
		"       %1$s fault help\n"
		"\n"
		"       R := { translation | addr_size | access | permission }\n",
		bin_name);
	return 0;
}

static const struct cmd cmds[] = {
	{ "pending",	do_pending },
	{ "respond",	do_respond },
	{ "inject",	do_inject },
	{ "help",	do_help },
	{ 0 }
};

int do_fault(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
