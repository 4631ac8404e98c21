// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl config { show | set [deadline MS] [pool N] | help }: the
 * pending-fault limits.
 */
#include <errno.h>
#include <string.h>

#include "faultctl.h"

static int show_limits(void)
{
	struct iommu_fault_ctl_info info = { .size = sizeof(info) };
	int ret;

	ret = ctl_ioctl(IOMMU_FAULT_IOC_INFO, &info);
	if (ret) {
		if (ret != CTL_UNAVAILABLE)
			p_err("can't read limits: %s", strerror(-ret));
		return -1;
	}
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "deadline_ms", info.deadline_ms);
		jsonw_uint_field(json_wtr, "pool", info.pool_size);
		jsonw_uint_field(json_wtr, "pool_in_use", info.pool_in_use);
		jsonw_end_object(json_wtr);
	} else {
		printf("deadline %u ms  pool %u (%u in use)\n", info.deadline_ms,
		       info.pool_size, info.pool_in_use);
	}
	return 0;
}

static int do_show(int argc, char **argv)
{
	if (argc)
		return usage_err("usage: %s config show", bin_name);
	return show_limits();
}

/* {deadline MS | pool N}...: then what the kernel has, as show prints it */
static int do_set(int argc, char **argv)
{
	struct iommu_fault_ctl_limits l = { .size = sizeof(l) };
	int ret;

	if (!argc)
		return usage_err("usage: %s config set [deadline MS] [pool N]",
				 bin_name);
	while (argc) {
		if (argc < 2)
			return usage_err("'%s' needs a value", argv[0]);
		if (is_prefix(argv[0], "deadline")) {
			if (parse_u32(argv[1], &l.deadline_ms) || !l.deadline_ms)
				return usage_err("invalid deadline '%s' (milliseconds, > 0)",
						 argv[1]);
		} else if (is_prefix(argv[0], "pool")) {
			if (parse_u32(argv[1], &l.pool_size) || !l.pool_size)
				return usage_err("invalid pool size '%s' (> 0)", argv[1]);
		} else {
			return usage_err("unknown keyword '%s' (deadline, pool)",
					 argv[0]);
		}
		NEXT_ARG();
		NEXT_ARG();
	}
	ret = ctl_ioctl(IOMMU_FAULT_IOC_SET_LIMITS, &l);
	if (ret == -EBUSY) {
		p_err("can't resize the pool while faults are pending (see '%s fault pending')",
		      bin_name);
		return -1;
	}
	if (ret == -ERANGE) {
		p_err("out of range: deadline up to 3600000 ms, pool up to 65536");
		return -1;
	}
	if (ret) {
		if (ret != CTL_UNAVAILABLE)
			p_err("can't set limits: %s", strerror(-ret));
		return -1;
	}
	return show_limits();
}

static int do_help(int argc, char **argv)
{
	return p_help("Usage: %1$s config show\n"
		      "       %1$s config set [deadline MS] [pool N]\n"
		      "       %1$s config help\n",
		      bin_name);
}

static const struct cmd cmds[] = {
	{ "show",	do_show },
	{ "set",	do_set },
	{ "help",	do_help },
	{ 0 }
};

int do_config(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
