// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl fault trace [dev DEV]: live fault, verdict and response events, one
 * line each; JSON Lines with -j.  Events the ring buffer had no room for
 * are counted and reported on stderr.  Ends cleanly on Ctrl-C (SIGINT)
 * or SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "faultctl.h"
#include "trace_event.h"
#include "trace.skel.h"

static volatile sig_atomic_t exiting;
static const char *trace_dev;
static __u64 first_ts;

static void on_signal(int sig)
{
	exiting = 1;
}

static const char *event_name(__u32 type)
{
	switch (type) {
	case TRACE_FAULT:
		return "fault";
	case TRACE_VERDICT:
		return "verdict";
	case TRACE_RESPONSE:
		return "response";
	default:
		return "unknown";
	}
}

static void perm_str(__u32 perm, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s",
		 perm & IOMMU_FAULT_CTX_PERM_READ ? "r" : "",
		 perm & IOMMU_FAULT_CTX_PERM_WRITE ? "w" : "",
		 perm & IOMMU_FAULT_CTX_PERM_EXEC ? "x" : "",
		 perm & IOMMU_FAULT_CTX_PERM_PRIV ? "p" : "");
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* One event, one JSON object (one line unless -p): what replay reads. */
static void print_json(const struct faultctl_event *e)
{
	json_writer_t *w = jsonw_new(stdout);

	if (!w)
		return;
	jsonw_pretty(w, pretty_output);
	jsonw_start_object(w);
	jsonw_lluint_field(w, "ts_ns", e->ts_ns);
	jsonw_string_field(w, "event", event_name(e->type));
	jsonw_string_field(w, "dev", e->dev);
	jsonw_uint_field(w, "sid", e->sid);
	jsonw_lluint_field(w, "seq", e->seq);
	jsonw_lluint_field(w, "addr", e->addr);
	jsonw_uint_field(w, "perm", e->perm);
	jsonw_uint_field(w, "flags", e->flags);
	jsonw_uint_field(w, "reason", e->reason);
	jsonw_uint_field(w, "event_id", e->event);
	jsonw_uint_field(w, "grpid", e->grpid);
	jsonw_lluint_field(w, "cookie", e->cookie);
	if (e->flags & IOMMU_FAULT_CTX_PASID_VALID)
		jsonw_uint_field(w, "pasid", e->pasid);
	if (e->type == TRACE_FAULT)
		jsonw_string_field(w, "iommu_kind", e->iommu_kind);
	if (e->type == TRACE_VERDICT) {
		jsonw_string_field(w, "policy", e->policy);
		jsonw_string_field(w, "stage",
				   e->stage ? "sleepable" : "atomic");
		jsonw_string_field(w, "status", status_name(e->status));
		jsonw_int_field(w, "status_value", e->status);
	} else if (e->type == TRACE_RESPONSE) {
		jsonw_string_field(w, "response", e->retry ? "retry" : "abort");
	}
	jsonw_end_object(w);
	jsonw_destroy(&w);
}

static void print_text(const struct faultctl_event *e)
{
	char acc[8];

	printf("%12.6f %-7s %-14s seq %-6llu ",
	       (double)(e->ts_ns - first_ts) / 1e9, event_name(e->type),
	       e->dev[0] ? e->dev : "-", (unsigned long long)e->seq);
	switch (e->type) {
	case TRACE_FAULT:
		perm_str(e->perm, acc, sizeof(acc));
		printf("%s sid 0x%x addr 0x%llx %s %s",
		       e->iommu_kind[0] ? e->iommu_kind : "-", e->sid,
		       (unsigned long long)e->addr, acc,
		       e->flags & IOMMU_FAULT_CTX_RECOVERABLE ? "stall" :
								"unrecoverable");
		if (e->flags & IOMMU_FAULT_CTX_PASID_VALID)
			printf(" pasid 0x%x", e->pasid);
		break;
	case TRACE_VERDICT:
		printf("%s %s -> %s", e->policy,
		       e->stage ? "sleepable" : "atomic",
		       status_name(e->status));
		break;
	case TRACE_RESPONSE:
		printf("%s stag 0x%x", e->retry ? "RETRY" : "ABORT",
		       e->grpid);
		break;
	}
	printf("\n");
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct faultctl_event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (trace_dev && strcmp(trace_dev, e->dev))
		return 0;
	if (!first_ts)
		first_ts = e->ts_ns;
	if (json_output)
		print_json(e);
	else
		print_text(e);
	fflush(stdout);
	return 0;
}

static void report_lost(struct trace *skel, __u64 *reported)
{
	__u64 lost = skel->bss->lost;

	if (lost > *reported) {
		fprintf(stderr, "Lost %llu events\n",
			(unsigned long long)(lost - *reported));
		*reported = lost;
	}
}

int do_trace(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct iommu_fault_ctl_dev d;
	struct trace *skel;
	__u64 reported = 0;
	int ret = -1;

	if (argc == 2 && is_prefix(argv[0], "dev"))
		trace_dev = argv[1];
	else if (argc)
		return usage_err("usage: %s fault trace [dev DEV]", bin_name);
	if (ctl_open() < 0)
		return -1;
	if (trace_dev && ctl_dev_by_name(trace_dev, &d)) {
		p_err("unknown device '%s' (see '%s device show')", trace_dev,
		      bin_name);
		return -1;
	}

	skel = trace__open_and_load();
	if (!skel) {
		p_err("can't load the trace programs: %s", strerror(errno));
		return -1;
	}
	if (trace__attach(skel)) {
		p_err("can't attach to the iommu_fault_bpf tracepoints: %s",
		      strerror(errno));
		goto out;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL,
			      NULL);
	if (!rb) {
		p_err("can't open the ring buffer: %s", strerror(errno));
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/*
	 * On stderr in JSON mode too (stdout carries only events): a script
	 * waits for this line to know that no fault from now on is missed.
	 */
	fprintf(stderr, "Tracing IOMMU faults... Hit Ctrl-C to end.\n");

	while (!exiting) {
		int n = ring_buffer__poll(rb, 100);

		if (n < 0 && n != -EINTR) {
			p_err("reading the ring buffer: %s", strerror(-n));
			goto out;
		}
		report_lost(skel, &reported);
	}
	ring_buffer__consume(rb);
	report_lost(skel, &reported);
	ret = 0;
out:
	ring_buffer__free(rb);
	trace__destroy(skel);
	return ret;
}
