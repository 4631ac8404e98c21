// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl device { show | list | reset | help }
 */
#include <errno.h>
#include <string.h>

#include "faultctl.h"

static void json_hist(const char *name, const __u64 *vals)
{
	int i;

	jsonw_name(json_wtr, name);
	jsonw_start_array(json_wtr);
	for (i = 0; i < IOMMU_FAULT_HIST_BUCKETS; i++)
		jsonw_uint(json_wtr, vals[i]);
	jsonw_end_array(json_wtr);
}

/* A device, as every command prints it in JSON (device show, stats show). */
void json_device(const struct iommu_fault_ctl_dev *d)
{
	jsonw_start_object(json_wtr);
	jsonw_uint_field(json_wtr, "id", d->id);
	jsonw_string_field(json_wtr, "dev", d->dev);
	jsonw_string_field(json_wtr, "iommu", d->iommu);
	jsonw_string_field(json_wtr, "iommu_kind", d->iommu_kind);
	jsonw_uint_field(json_wtr, "sid", d->sid);
	jsonw_bool_field(json_wtr, "quarantined", d->quarantined);
	jsonw_name(json_wtr, "faults");
	jsonw_start_object(json_wtr);
	jsonw_uint_field(json_wtr, "recoverable", d->faults[1]);
	jsonw_uint_field(json_wtr, "unrecoverable", d->faults[0]);
	jsonw_end_object(json_wtr);
	jsonw_name(json_wtr, "responses");
	jsonw_start_object(json_wtr);
	jsonw_uint_field(json_wtr, "retry", d->responses[1]);
	jsonw_uint_field(json_wtr, "abort", d->responses[0]);
	jsonw_end_object(json_wtr);
	jsonw_uint_field(json_wtr, "stock", d->stock);
	jsonw_uint_field(json_wtr, "deferred", d->deferred);
	jsonw_uint_field(json_wtr, "ignored", d->ignored);
	jsonw_uint_field(json_wtr, "timeouts", d->timeouts);
	jsonw_uint_field(json_wtr, "pool_full", d->pool_full);
	jsonw_uint_field(json_wtr, "quarantine_drops", d->quarantine_drops);
	json_hist("fast_ns_log2", d->fast_ns_log2);
	json_hist("pending_ns_log2", d->pending_ns_log2);
	jsonw_end_object(json_wtr);
}

static void show_dev(const struct iommu_fault_ctl_dev *d)
{
	if (json_output) {
		json_device(d);
		return;
	}
	printf("%-16s iommu %-16s %-8s sid 0x%-5x %-12s faults %llu\n", d->dev,
	       d->iommu, d->iommu_kind[0] ? d->iommu_kind : "-", d->sid, d->quarantined ? "QUARANTINED" : "ok",
	       (unsigned long long)(d->faults[0] + d->faults[1]));
}

/* [DEV] */
static int do_show(int argc, char **argv)
{
	struct iommu_fault_ctl_dev d;
	uint32_t id;
	int ret;

	if (argc > 1)
		return usage_err("usage: %s device show [DEV]", bin_name);
	if (ctl_open() < 0)
		return -1;
	if (argc == 1) {
		ret = ctl_dev_by_name(argv[0], &d);
		if (ret) {
			p_err("unknown device '%s'", argv[0]);
			return -1;
		}
		show_dev(&d);
		return 0;
	}
	if (json_output)
		jsonw_start_array(json_wtr);
	for (id = 0; !(ret = ctl_dev_next(id, &d)); id = d.id)
		show_dev(&d);
	if (json_output)
		jsonw_end_array(json_wtr);
	if (ret != -ENOENT) {
		p_err("can't list devices: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

/* DEV: lift its quarantine (FAILURE verdict) */
static int do_reset(int argc, char **argv)
{
	struct iommu_fault_ctl_dev d = { .size = sizeof(d) };
	int ret;

	if (argc != 1)
		return usage_err("usage: %s device reset DEV", bin_name);
	if (strlen(argv[0]) >= sizeof(d.dev)) {
		p_err("unknown device '%s'", argv[0]);
		return -1;
	}
	strcpy(d.dev, argv[0]);
	ret = ctl_ioctl(IOMMU_FAULT_IOC_RESET_DEV, &d);
	if (ret == -ENODEV) {
		p_err("unknown device '%s' (see '%s device show')", argv[0],
		      bin_name);
		return -1;
	}
	if (ret) {
		if (ret != CTL_UNAVAILABLE)
			p_err("can't reset '%s': %s", argv[0], strerror(-ret));
		return -1;
	}
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_bool_field(json_wtr, "was_quarantined", d.quarantined);
		jsonw_end_object(json_wtr);
	} else {
		printf("%s: %s\n", argv[0],
		       d.quarantined ? "quarantine lifted" : "was not quarantined");
	}
	return 0;
}

static int do_help(int argc, char **argv)
{
	return p_help("Usage: %1$s device { show | list } [DEV]\n"
		      "       %1$s device reset DEV\n"
		      "       %1$s device help\n",
		      bin_name);
}

static const struct cmd cmds[] = {
	{ "show",	do_show },
	{ "list",	do_show },
	{ "reset",	do_reset },
	{ "help",	do_help },
	{ 0 }
};

int do_device(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
