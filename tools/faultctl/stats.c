// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl stats show [dev DEV] [format {text|prometheus}] [file FILE]
 *                    [interval SEC [count N]]
 *
 * Counters per device and per policy, and log2 latency histograms in the
 * bcc style; or the Prometheus text exposition format, for
 * node_exporter's textfile collector (the file is written atomically).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultctl.h"

enum format { FMT_TEXT, FMT_PROMETHEUS };

struct stats_args {
	const char *dev;
	enum format format;
	const char *output;
	uint32_t interval;
	uint32_t count;
};

/* bcc's print_log2_hist(): "nsecs : count distribution" */
static void print_log2_hist(FILE *f, const __u64 *vals, int n,
			    const char *unit)
{
	int i, idx_max = -1, stars = 40;
	__u64 val_max = 0;

	for (i = 0; i < n; i++) {
		if (vals[i])
			idx_max = i;
		if (vals[i] > val_max)
			val_max = vals[i];
	}
	if (idx_max < 0) {
		fprintf(f, "     (no samples)\n");
		return;
	}
	fprintf(f, "%*s%-*s : count    distribution\n", 10, "", 14, unit);
	for (i = 0; i <= idx_max; i++) {
		unsigned long long low = i ? 1ULL << i : 0;
		unsigned long long high = (1ULL << (i + 1)) - 1;
		int w = val_max ? (int)(vals[i] * stars / val_max) : 0;

		fprintf(f, "%*llu -> %-*llu : %-8llu |%-*.*s|\n", 10, low, 14,
			high, (unsigned long long)vals[i], stars, w,
			"****************************************");
	}
}

static void text_dev(FILE *f, const struct iommu_fault_ctl_dev *d)
{
	fprintf(f, "device %s (%s %s sid 0x%x)%s\n", d->dev,
		d->iommu_kind[0] ? d->iommu_kind : "iommu", d->iommu, d->sid,
		d->quarantined ? "  QUARANTINED" : "");
	fprintf(f, "  faults      recoverable %llu  unrecoverable %llu\n",
		(unsigned long long)d->faults[1],
		(unsigned long long)d->faults[0]);
	fprintf(f, "  responses   retry %llu  abort %llu  stock path %llu\n",
		(unsigned long long)d->responses[1],
		(unsigned long long)d->responses[0],
		(unsigned long long)d->stock);
	fprintf(f, "  pending     deferred %llu  ignored %llu  timeouts %llu  pool full %llu\n",
		(unsigned long long)d->deferred, (unsigned long long)d->ignored,
		(unsigned long long)d->timeouts,
		(unsigned long long)d->pool_full);
	fprintf(f, "  quarantine  drops %llu\n",
		(unsigned long long)d->quarantine_drops);
	fprintf(f, "  fast stage latency (1 fault in %d):\n",
		IOMMU_FAULT_FAST_SAMPLE);
	print_log2_hist(f, d->fast_ns_log2, IOMMU_FAULT_HIST_BUCKETS, "nsecs");
	fprintf(f, "  pending faults, report to answer:\n");
	print_log2_hist(f, d->pending_ns_log2, IOMMU_FAULT_HIST_BUCKETS,
			"nsecs");
}

static void text_policy(FILE *f, const struct iommu_fault_ctl_policy *p)
{
	int st;

	fprintf(f, "policy %s (dev %s, priority %d)\n", p->name,
		p->dev[0] ? p->dev : "all", p->priority);
	fprintf(f, "  calls       atomic %llu  sleepable %llu  bad verdicts %llu  misused %llu\n",
		(unsigned long long)p->calls[0],
		(unsigned long long)p->calls[1],
		(unsigned long long)p->bad_verdicts,
		(unsigned long long)p->unrecoverable_misuse);
	fprintf(f, "  verdicts   ");
	for (st = 0; st < __IOMMU_FAULT_STATUS_MAX; st++)
		fprintf(f, " %s %llu/%llu", status_name(st),
			(unsigned long long)p->verdicts[0][st],
			(unsigned long long)p->verdicts[1][st]);
	fprintf(f, "  (atomic/sleepable)\n");
}

struct metric {
	const char *name;
	const char *type;
	const char *help;
};

static const struct metric metrics[] = {
	{ "iommu_fault_faults_total", "counter", "Faults the IOMMU driver reported." },
	{ "iommu_fault_responses_total", "counter", "Responses sent for recoverable faults." },
	{ "iommu_fault_stock_total", "counter", "Faults left to the driver's own handling." },
	{ "iommu_fault_deferred_total", "counter", "Faults deferred to a sleepable op." },
	{ "iommu_fault_ignored_total", "counter", "Faults parked for a later answer." },
	{ "iommu_fault_timeouts_total", "counter", "Pending faults aborted at their deadline." },
	{ "iommu_fault_pool_full_total", "counter", "Faults aborted because the pending pool was full." },
	{ "iommu_fault_quarantine_drops_total", "counter", "Faults of a quarantined device, aborted without a policy." },
	{ "iommu_fault_quarantined", "gauge", "1 while the device is quarantined." },
	{ "iommu_fault_policy_verdicts_total", "counter", "Verdicts a policy returned, by stage and status." },
	{ "iommu_fault_policy_bad_verdicts_total", "counter", "Unknown or misplaced verdicts of a policy." },
	{ "iommu_fault_device_info", "gauge", "1 for each device, labelled with its IOMMU and that IOMMU's kind." },
};

static void prom_header(FILE *f, int i)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", metrics[i].name,
		metrics[i].help, metrics[i].name, metrics[i].type);
}

/* One metric family at a time: the exposition format wants them grouped. */
static void prom_write(FILE *f, const struct iommu_fault_ctl_dev *devs, int nd,
		       const struct iommu_fault_ctl_policy *pols, int np)
{
	const struct iommu_fault_ctl_dev *d;
	int i, m, stage, st;

	for (m = 0; m < 9; m++) {
		prom_header(f, m);
		for (i = 0, d = devs; i < nd; i++, d++) {
			switch (m) {
			case 0:
				fprintf(f, "%s{dev=\"%s\",recoverable=\"true\"} %llu\n",
					metrics[m].name, d->dev,
					(unsigned long long)d->faults[1]);
				fprintf(f, "%s{dev=\"%s\",recoverable=\"false\"} %llu\n",
					metrics[m].name, d->dev,
					(unsigned long long)d->faults[0]);
				break;
			case 1:
				fprintf(f, "%s{dev=\"%s\",response=\"retry\"} %llu\n",
					metrics[m].name, d->dev,
					(unsigned long long)d->responses[1]);
				fprintf(f, "%s{dev=\"%s\",response=\"abort\"} %llu\n",
					metrics[m].name, d->dev,
					(unsigned long long)d->responses[0]);
				break;
			default: {
				const __u64 v[] = {
					[2] = d->stock, [3] = d->deferred,
					[4] = d->ignored, [5] = d->timeouts,
					[6] = d->pool_full,
					[7] = d->quarantine_drops,
					[8] = d->quarantined,
				};

				fprintf(f, "%s{dev=\"%s\"} %llu\n",
					metrics[m].name, d->dev,
					(unsigned long long)v[m]);
			}
			}
		}
	}
	prom_header(f, 9);
	for (i = 0; i < np; i++)
		for (stage = 0; stage < 2; stage++)
			for (st = 0; st < __IOMMU_FAULT_STATUS_MAX; st++)
				fprintf(f, "%s{policy=\"%s\",stage=\"%s\",status=\"%s\"} %llu\n",
					metrics[9].name, pols[i].name,
					stage ? "sleepable" : "atomic",
					status_name(st),
					(unsigned long long)pols[i].verdicts[stage][st]);
	prom_header(f, 10);
	for (i = 0; i < np; i++)
		fprintf(f, "%s{policy=\"%s\"} %llu\n", metrics[10].name,
			pols[i].name, (unsigned long long)pols[i].bad_verdicts);
	prom_header(f, 11);
	for (i = 0, d = devs; i < nd; i++, d++)
		fprintf(f, "%s{dev=\"%s\",iommu=\"%s\",iommu_kind=\"%s\"} 1\n",
			metrics[11].name, d->dev, d->iommu, d->iommu_kind);
}

#define MAX_OBJS 1024

/* Read every (or the one) device and every policy. */
static int collect(const struct stats_args *a, struct iommu_fault_ctl_dev *devs,
		   int *nd, struct iommu_fault_ctl_policy *pols, int *np)
{
	int ret;

	*nd = *np = 0;
	if (a->dev) {
		ret = ctl_dev_by_name(a->dev, &devs[0]);
		if (ret == -ENODEV || ret == -ENAMETOOLONG) {
			p_err("unknown device '%s' (see '%s device show')",
			      a->dev, bin_name);
			return -1;
		}
		if (ret)
			return -1;
		*nd = 1;
	} else {
		while (*nd < MAX_OBJS &&
		       !(ret = ctl_dev_next(*nd ? devs[*nd - 1].id : 0,
					    &devs[*nd])))
			(*nd)++;
		if (*nd < MAX_OBJS && ret != -ENOENT)
			return -1;
	}
	while (*np < MAX_OBJS &&
	       !(ret = ctl_policy_next(*np ? pols[*np - 1].id : 0,
				       &pols[*np])))
		(*np)++;
	if (*np < MAX_OBJS && ret != -ENOENT)
		return -1;
	/* With a device, only the policies that can see its faults. */
	if (a->dev) {
		int i, j = 0;

		for (i = 0; i < *np; i++)
			if (!pols[i].dev[0] || !strcmp(pols[i].dev, a->dev))
				pols[j++] = pols[i];
		*np = j;
	}
	return 0;
}

static int write_prometheus(const struct stats_args *a,
			    const struct iommu_fault_ctl_dev *devs, int nd,
			    const struct iommu_fault_ctl_policy *pols, int np)
{
	char tmp[4096];
	FILE *f;

	if (!a->output) {
		prom_write(stdout, devs, nd, pols, np);
		return 0;
	}
	/* node_exporter may read at any time: write aside, then rename. */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", a->output, getpid());
	f = fopen(tmp, "w");
	if (!f) {
		p_err("can't write %s: %s", tmp, strerror(errno));
		return -1;
	}
	prom_write(f, devs, nd, pols, np);
	if (fclose(f) || rename(tmp, a->output)) {
		p_err("can't write %s: %s", a->output, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int show_once(const struct stats_args *a)
{
	static struct iommu_fault_ctl_dev devs[MAX_OBJS];
	static struct iommu_fault_ctl_policy pols[MAX_OBJS];
	int nd, np, i;

	if (collect(a, devs, &nd, pols, &np)) {
		if (!a->dev)
			p_err("can't read the statistics");
		return -1;
	}
	if (a->format == FMT_PROMETHEUS)
		return write_prometheus(a, devs, nd, pols, np);
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "devices");
		jsonw_start_array(json_wtr);
		for (i = 0; i < nd; i++)
			json_device(&devs[i]);
		jsonw_end_array(json_wtr);
		jsonw_name(json_wtr, "policies");
		jsonw_start_array(json_wtr);
		for (i = 0; i < np; i++)
			json_policy(&pols[i]);
		jsonw_end_array(json_wtr);
		jsonw_end_object(json_wtr);
		fflush(stdout);
		return 0;
	}
	for (i = 0; i < nd; i++)
		text_dev(stdout, &devs[i]);
	for (i = 0; i < np; i++)
		text_policy(stdout, &pols[i]);
	fflush(stdout);
	return 0;
}

static int do_help(int argc, char **argv)
{
	return p_help("Usage: %1$s stats show [dev DEV] [format { text | prometheus }] [file FILE]\n"
		      "                       [interval SEC [count N]]\n"
		      "       %1$s stats help\n",
		      bin_name);
}

/*
 * [dev DEV] [format {text|prometheus}] [file FILE] [interval SEC [count N]]
 */
static int do_show(int argc, char **argv)
{
	struct stats_args a = { 0 };
	int ret;
	uint32_t n;

	while (argc) {
		if (argc < 2)
			return usage_err("'%s' needs a value", argv[0]);
		if (is_prefix(argv[0], "dev")) {
			a.dev = argv[1];
		} else if (is_prefix(argv[0], "format")) {
			if (!strcmp(argv[1], "prometheus"))
				a.format = FMT_PROMETHEUS;
			else if (!strcmp(argv[1], "text"))
				a.format = FMT_TEXT;
			else
				return usage_err("unknown format '%s' (text, prometheus)",
						 argv[1]);
		} else if (is_prefix(argv[0], "file")) {
			a.output = argv[1];
		} else if (is_prefix(argv[0], "interval")) {
			if (parse_u32(argv[1], &a.interval) || !a.interval)
				return usage_err("invalid interval '%s' (seconds, > 0)",
						 argv[1]);
		} else if (is_prefix(argv[0], "count")) {
			if (parse_u32(argv[1], &a.count) || !a.count)
				return usage_err("invalid count '%s' (> 0)", argv[1]);
		} else {
			return usage_err("unknown keyword '%s' (dev, format, file, interval, count)",
					 argv[0]);
		}
		NEXT_ARG();
		NEXT_ARG();
	}
	if (a.output && a.format != FMT_PROMETHEUS)
		return usage_err("file goes with format prometheus");
	if (a.count && !a.interval)
		return usage_err("count goes with interval");
	if (ctl_open() < 0)
		return -1;
	if (!a.interval)
		return show_once(&a);
	for (n = 0; !a.count || n < a.count; n++) {
		if (n)
			sleep(a.interval);
		ret = show_once(&a);
		if (ret)
			return ret;
		if (!json_output && a.format == FMT_TEXT)
			printf("\n");
	}
	return 0;
}

static const struct cmd cmds[] = {
	{ "show",	do_show },
	{ "help",	do_help },
	{ 0 }
};

int do_stats(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
