// SPDX-License-Identifier: GPL-2.0-only
/*
 * ifb-bench: the guest half of `make bench`.  Runs the fault-path
 * scenarios back to back in one boot, each injecting COUNT stall faults
 * for the edu device through the real SMMUv3 event path, and prints one
 * line per scenario, "IFB-BENCH {json}", with the timings of its BPF
 * clock (bench_clock.h: record entering the driver -> resume issued).
 *
 *   ifb-bench [-n COUNT] [-r ROUNDS] [SCENARIO...]   (default: all, 1..9)
 *
 * With ROUNDS > 1 the scenarios run in turn ROUNDS times (1 2 ... 6 1 2
 * ...), so that slow drifts of the machine hit every scenario alike; each
 * line carries its round.
 *
 *  1 nothing attached (the stock 6.12 path)
 *  2 one policy, fast op HANDLED
 *  3 eight chained policies, seven NONE then HANDLED
 *  4 fast op DEFER, sleepable op HANDLED
 *  5 scenario 2 plus 64 policies on other devices
 *  6 scenario 2 while `faultctl -j fault trace` consumes every event
 *  7 page requests on the iommufd mock: stock (12) and HANDLED (13)
 *  8 the breakdown of a fast HANDLED, one at a time (81 and 82, below)
 *  9 scenario 6 at 100,000 faults a second of the guest's clock
 *
 * Scenario 4 is an open loop: all faults arrive at once, so its latencies
 * are mostly queueing.  It is also run closed-loop (41: one fault at a
 * time, the next once the previous one was answered; 4000, in blocks of
 * 250 taking turns with 11, the stock path one at a time), then timed
 * stage by stage (42: record to the fault kept pending, to its work
 * queued, to the work starting, to the sleepable op's return, to the
 * resume: bench_clock.h, enum bench_stage); 71, the floor of a deferred
 * answer, is 11 plus 42's workqueue hops, less the probe each holds (see
 * report_floor()).
 *
 * Scenario 7 is io-pgfault's path, every IOMMU's but SMMUv3's: page
 * requests raised on the iommufd selftest's mock device, one at a time, in
 * blocks taking turns: 12, nothing attached (io-pgfault hands the group to
 * the domain's handler, iommufd's fault queue, for the VMM; ifb-bench
 * answers it from there, untimed), and 13, a policy's fast HANDLED (the
 * mock's page_response).
 *
 * Scenario 8 splits a fast verdict at the points of bench_marks.h, one
 * fault at a time (82: a probe at each point, the policy reading the
 * clock itself; 83: its spans), in blocks taking turns with the same
 * verdict unmarked (81).  Each probe costs instructions of its own: 82's
 * p50 less 81's is what the five cost together, and each span holds
 * about one of them.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bench_clock.h"
#include "ifb_ctl.h"
#include "ifb_mock.h"
#include "ifb.h"
#include "bench_none.skel.h"
#include "bench_handled.skel.h"
#include "bench_stamped.skel.h"
#include "bench_defer.skel.h"

#define MAX_LINKS	80
#define CHUNK		10000	/* faults per inject call */
#define PACED_PER_S	100000	/* scenario 9's faults a second */
#define PACE_NS		1000000	/* a batch of them each millisecond */
#define SERIAL_N	4000	/* one-at-a-time faults, each of 41 and 11 */
#define SERIAL_BLOCK	250	/* in blocks of this many, in turn */
#define STAGES_N	2000	/* deferred faults timed stage by stage (42) */
#define MOCK_N		4000	/* page requests, each of 12 and 13 */
#define BREAK_N		2000	/* fast verdicts, each of 81 and 82 (8) */
#define SPANS_MAX	(BENCH_MARKS + 1)

static char dev[64], smmu[64];
static struct bpf_link *links[MAX_LINKS];
static void *skels[MAX_LINKS];
static void (*destroy[MAX_LINKS])(void *);
static int nr_links;
static uint32_t count = 100000;
static int round_no = 1;
static struct bench_times clk;
static int slot_size;		/* bytes of a pending-fault slot (BTF) */
static uint64_t clock_cost_ns;	/* of one clock read */

static void die(const char *what, int err)
{
	fprintf(stderr, "ifb-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

#define ATTACH(type, name, on, prio) do {				\
	struct type *s = type##__open();				\
	int32_t p = (prio);						\
									\
	if (!s || ifb_ops_set_str(s->obj, s->maps.type, "name", name) || \
	    ifb_ops_set_str(s->obj, s->maps.type, "dev", on) ||	\
	    ifb_ops_set(s->obj, s->maps.type, "priority", &p, sizeof(p)) || \
	    type##__load(s))						\
		die("load " #type, errno);				\
	links[nr_links] = bpf_map__attach_struct_ops(s->maps.type);	\
	if (!links[nr_links])						\
		die("attach " #type, errno);				\
	skels[nr_links] = s;						\
	destroy[nr_links++] = (void (*)(void *))type##__destroy;	\
} while (0)

static void detach_all(void)
{
	while (nr_links--) {
		bpf_link__destroy(links[nr_links]);
		destroy[nr_links](skels[nr_links]);
	}
	nr_links = 0;
}

/* What one or more timed runs of a scenario gave. */
struct result {
	uint64_t *lat;		/* latencies of the answered records */
	uint64_t *span;		/* or NULL; nk each, of those split */
	int8_t *same_cpu;	/* by stage: bench_times_same_cpu(), each split */
	unsigned int what;	/* BENCH_TIMES_*: how they are split */
	uint32_t n, nk, nspan, recorded, answered;
	uint64_t elapsed_ns;	/* first t0 to last t1, summed over runs */
	uint64_t probe_ns;	/* by stage: what one of its probes costs */
};

/* The stamping policy of a marked run (8): its program's clock reads. */
static struct bench_stamped *stamped;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* @what: BENCH_TIMES_STAGES or _MARKS to split each record, or 0. */
static void result_init(struct result *r, uint32_t max, unsigned int what)
{
	memset(r, 0, sizeof(*r));
	r->what = what;
	r->nk = what & BENCH_TIMES_MARKS ? SPANS_MAX :
		what & BENCH_TIMES_STAGES ? BENCH_STAGES : 0;
	r->lat = calloc(max, sizeof(*r->lat));
	if (r->nk)
		r->span = calloc(r->nk * (size_t)max, sizeof(*r->span));
	if (what & BENCH_TIMES_STAGES)
		r->same_cpu = calloc(max, sizeof(*r->same_cpu));
	if (!r->lat || (r->nk && !r->span) ||
	    ((what & BENCH_TIMES_STAGES) && !r->same_cpu))
		die("calloc", ENOMEM);
}

static void result_free(struct result *r)
{
	free(r->lat);
	free(r->span);
	free(r->same_cpu);
}

/* Time the next @n records (record i tagged i mod 2^16). */
static void start(uint32_t n, unsigned int what)
{
	int ret = bench_times_start(&clk, n, 0, what);

	if (ret)
		die("clock start", ret);
	if (stamped)
		stamped->bss->calls = 0;
}

/* Record @i of the run split into @span, as @r's runs are. */
static bool split(const struct result *r, uint32_t i, uint64_t *span)
{
	uint64_t prog = 0;

	if (r->what & BENCH_TIMES_STAGES)
		return bench_times_stages(&clk, i, span);
	if (!stamped || bpf_map__lookup_elem(stamped->maps.prog, &i, sizeof(i),
					     &prog, sizeof(prog), 0))
		return false;
	return bench_times_breakdown(&clk, i, prog, span);
}

/* Stop the run under way and add its timings to @r (room for them). */
static void collect(struct result *r)
{
	uint32_t n = bench_times_stop(&clk, 120000), i;
	uint64_t lat;

	for (i = 0; i < n; i++) {
		lat = bench_times_latency(&clk, i);
		if (lat)
			r->lat[r->n++] = lat;
		if (r->nk && split(r, i, &r->span[r->nk * r->nspan])) {
			if (r->same_cpu)
				r->same_cpu[r->nspan] = bench_times_same_cpu(&clk, i);
			r->nspan++;
		}
		r->answered += !!lat;
	}
	r->recorded += n;
	r->elapsed_ns += bench_times_elapsed(&clk, n);
}

/* p50 and p99 of @n values, sorting them. */
static void percentiles(uint64_t *v, uint32_t n, uint64_t *p50, uint64_t *p99)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	*p50 = n ? v[n / 2] : 0;
	*p99 = n ? v[(uint64_t)n * 99 / 100] : 0;
}

/* Print the scenario's line and free @r. */
static void report(int scenario, const char *name, struct result *r)
{
	uint64_t p50, p99;

	percentiles(r->lat, r->n, &p50, &p99);
	printf("IFB-BENCH {\"scenario\":%d,\"name\":\"%s\",\"faults\":%u,"
	       "\"answered\":%u,\"elapsed_ns\":%llu,\"faults_per_s\":%.0f,"
	       "\"p50_ns\":%llu,\"p99_ns\":%llu,\"max_ns\":%llu,"
	       "\"ts_cost_ns\":%llu,\"pending_size\":%d,\"cpus\":%ld,"
	       "\"round\":%d}\n",
	       scenario, name, r->recorded, r->answered,
	       (unsigned long long)r->elapsed_ns,
	       r->elapsed_ns ? r->answered * 1e9 / r->elapsed_ns : 0.0,
	       (unsigned long long)p50, (unsigned long long)p99,
	       r->n ? (unsigned long long)r->lat[r->n - 1] : 0ULL,
	       (unsigned long long)clock_cost_ns, slot_size,
	       sysconf(_SC_NPROCESSORS_ONLN),
	       round_no);
	fflush(stdout);
	result_free(r);
}

/*
 * The workqueue hops of a by-stage result by where the work ran:
 * on the CPU that queued it or another; @col has room for them.
 */
static void report_hop_cpus(const struct result *r, uint64_t *col)
{
	uint64_t p50[2], p99;
	uint32_t i, n[2];
	int same;

	for (same = 0; same < 2; same++) {
		n[same] = 0;
		for (i = 0; i < r->nspan; i++)
			if (r->same_cpu[i] == same)
				col[n[same]++] =
					r->span[r->nk * i + BENCH_STAGE_HOP];
		percentiles(col, n[same], &p50[same], &p99);
	}
	printf(",\"hop_same_cpu\":%u,\"hop_other_cpu\":%u,"
	       "\"hop_same_cpu_p50_ns\":%llu,\"hop_other_cpu_p50_ns\":%llu",
	       n[1], n[0], (unsigned long long)p50[1],
	       (unsigned long long)p50[0]);
}

/* p50 and p99 of span @k of a split result; @col has room for them. */
static void span_percentiles(const struct result *r, uint32_t k,
			     uint64_t *col, uint64_t *p50, uint64_t *p99)
{
	uint32_t i;

	for (i = 0; i < r->nspan; i++)
		col[i] = r->span[r->nk * i + k];
	percentiles(col, r->nspan, p50, p99);
}

/* The p50 of span @k of a split result. */
static uint64_t span_p50(const struct result *r, uint32_t k)
{
	uint64_t *col = calloc(r->nspan ? r->nspan : 1, sizeof(*col));
	uint64_t p50, p99;

	if (!col)
		die("calloc", ENOMEM);
	span_percentiles(r, k, col, &p50, &p99);
	free(col);
	return p50;
}

/* Print the spans of a split result (named by @names); keeps @r. */
static void report_spans(int scenario, const char *name, struct result *r,
			 const char *const *names)
{
	uint64_t *col = calloc(r->nspan ? r->nspan : 1, sizeof(*col));
	uint64_t p50[SPANS_MAX] = {}, p99[SPANS_MAX] = {};
	uint32_t k;

	if (!col)
		die("calloc", ENOMEM);
	for (k = 0; k < r->nk && r->nspan; k++)
		span_percentiles(r, k, col, &p50[k], &p99[k]);
	printf("IFB-BENCH {\"scenario\":%d,\"name\":\"%s\",\"faults\":%u,"
	       "\"answered\":%u,\"staged\":%u,\"spans\":[",
	       scenario, name, r->recorded, r->answered, r->nspan);
	for (k = 0; k < r->nk; k++)
		printf("%s\"%s\"", k ? "," : "", names[k]);
	printf("],\"span_p50_ns\":[");
	for (k = 0; k < r->nk; k++)
		printf("%s%llu", k ? "," : "", (unsigned long long)p50[k]);
	printf("],\"span_p99_ns\":[");
	for (k = 0; k < r->nk; k++)
		printf("%s%llu", k ? "," : "", (unsigned long long)p99[k]);
	printf("]");
	if (r->probe_ns)
		printf(",\"probe_ns\":%llu", (unsigned long long)r->probe_ns);
	if (r->same_cpu)
		report_hop_cpus(r, col);
	printf(",\"cpus\":%ld,\"round\":%d}\n",
	       sysconf(_SC_NPROCESSORS_ONLN), round_no);
	fflush(stdout);
	free(col);
}

/* Until @next, then @next moves PACE_NS on. */
static void pace(struct timespec *next)
{
	next->tv_nsec += PACE_NS;
	if (next->tv_nsec >= 1000000000L) {
		next->tv_nsec -= 1000000000L;
		next->tv_sec++;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL);
}

/*
 * COUNT stalls, as fast as they go in (@per_s 0), or @per_s a second of
 * the guest's clock (under icount: of its instructions) in a batch each
 * PACE_NS.
 */
static void run(int scenario, const char *name, uint32_t per_s)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .recoverable = true,
		.grpid_seq = true,
	};
	uint32_t batch = per_s ? per_s / (1000000000 / PACE_NS) : CHUNK;
	struct timespec next;
	struct result r;
	uint32_t done, n;
	int ret;

	start(count, 0);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (done = 0; done < count; done += n) {
		n = count - done < batch ? count - done : batch;
		f.grpid = done;		/* record i is tagged i mod 2^16 */
		ret = ifb_inject(smmu, &f, n);
		if (ret)
			die("inject", ret);
		if (per_s)
			pace(&next);
	}
	result_init(&r, count, 0);
	collect(&r);
	report(scenario, name, &r);
}

/* @n stalls one at a time, each once the previous one was answered. */
static void one_at_a_time(uint32_t n, struct result *r)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .recoverable = true,
	};
	uint32_t i;
	int ret;

	start(n, r->what);
	for (i = 0; i < n; i++) {
		f.grpid = i;
		ret = ifb_inject(smmu, &f, 1);
		if (ret)
			die("inject", ret);
		ret = bench_times_wait_answered(&clk, i + 1);
		if (ret)
			die("wait for the answer", ret);
	}
	collect(r);
}

/*
 * The floor of a deferred answer, one fault at a time: the stock path's
 * answer (@stock) plus one workqueue hop, queue_work to the work starting
 * (@hops, BENCH_STAGE_HOP of each by-stage DEFER record, less the probe
 * it holds: the tail of the one at queue_work and the head of the next)
 * -- what no deferral can avoid.  The benchmark has no code on the fault
 * path to hand faults to bare work items, so the floor is this sum,
 * sample by sample in the order both were taken.
 */
static void report_floor(struct result *stock, const struct result *hops)
{
	uint64_t hop;
	struct result f;
	uint32_t i;

	result_init(&f, stock->n ? stock->n : 1, 0);
	for (i = 0; i < stock->n && hops->nspan; i++) {
		hop = hops->span[hops->nk * (i % hops->nspan) + BENCH_STAGE_HOP];
		f.lat[f.n++] = stock->lat[i] + hop -
			       (hop > hops->probe_ns ? hops->probe_ns : 0);
	}
	f.recorded = stock->recorded;
	f.answered = f.n;
	report(71, "floor: stock answer + workqueue hop", &f);
}

/*
 * Scenario 4 one at a time (41), side by side with the stock path one at a
 * time (11): in blocks taking turns, the DEFER policy attached for its
 * blocks only, so that both see the same moments of a noisy machine.
 * Then 42: DEFER again, timed stage by stage (four more probes per fault,
 * so not in 41), whose hops, less a probe, make the floor (71) with 11;
 * a probe's cost is measured by one more run with one more probe.
 */
static void serial_pair(void)
{
	struct result defer, stock, staged, probed;
	uint64_t with, without;
	uint32_t i;

	result_init(&defer, SERIAL_N, 0);
	result_init(&stock, SERIAL_N, 0);
	for (i = 0; i < SERIAL_N / SERIAL_BLOCK; i++) {
		ATTACH(bench_defer, "bench_defer", dev, 0);
		one_at_a_time(SERIAL_BLOCK, &defer);
		detach_all();
		one_at_a_time(SERIAL_BLOCK, &stock);
	}
	result_init(&staged, STAGES_N, BENCH_TIMES_STAGES);
	ATTACH(bench_defer, "bench_defer", dev, 0);
	one_at_a_time(STAGES_N, &staged);
	detach_all();
	/*
	 * Once more with a second probe at the work's start: the sleepable
	 * op's stage grows by what one probe costs, which the floor's hop
	 * holds too (the tail of one, the head of the next).
	 */
	result_init(&probed, STAGES_N, BENCH_TIMES_STAGES | BENCH_TIMES_PROBE);
	ATTACH(bench_defer, "bench_defer", dev, 0);
	one_at_a_time(STAGES_N, &probed);
	detach_all();
	without = span_p50(&staged, BENCH_STAGE_SLEEPABLE);
	with = span_p50(&probed, BENCH_STAGE_SLEEPABLE);
	staged.probe_ns = with > without ? with - without : 0;
	result_free(&probed);
	report(41, "DEFER, one at a time", &defer);
	report_spans(42, "DEFER, one at a time, by stage", &staged,
		     (const char *const[]){ "fast stage", "kept pending, queued",
					    "workqueue hop", "sleepable op",
					    "answer" });
	/* Before 11 is sorted: the floor pairs samples in their order. */
	report_floor(&stock, &staged);
	report(11, "nothing attached, one at a time", &stock);
	result_free(&staged);
}

/* @n page requests on the mock, one at a time; drains the fault queue. */
static void page_requests(struct ifb_mock *m, uint32_t n, struct result *r)
{
	struct iommu_hwpt_pgfault f[4];
	uint32_t i;
	int ret, k;

	start(n, 0);
	for (i = 0; i < n; i++) {
		ret = ifb_mock_trigger(m, 0, i & 0xffff, 0x40000000);
		if (ret)
			die("trigger a page request", ret);
		ret = bench_times_wait_answered(&clk, i + 1);
		if (ret)
			die("wait for the answer", ret);
		ret = ifb_mock_read(m, f, 4);
		for (k = 0; k < ret; k++)
			if (ifb_mock_respond(m, f[k].cookie,
					     IOMMUFD_PAGE_RESP_SUCCESS))
				die("answer the fault queue", errno);
	}
	collect(r);
}

static void scenario_page_requests(void)
{
	struct result stock, handled;
	struct ifb_mock m;
	uint32_t i;
	int ret;

	ret = ifb_mock_open(&m);
	if (ret)
		die("the iommufd mock (CONFIG_IOMMUFD_TEST)", ret);
	bench_times_page_requests(&clk, true);
	result_init(&stock, MOCK_N, 0);
	result_init(&handled, MOCK_N, 0);
	for (i = 0; i < MOCK_N / SERIAL_BLOCK; i++) {
		page_requests(&m, SERIAL_BLOCK, &stock);
		ATTACH(bench_handled, "bench_handled", m.dev, 0);
		page_requests(&m, SERIAL_BLOCK, &handled);
		detach_all();
	}
	bench_times_page_requests(&clk, false);
	ifb_mock_close(&m);
	report(12, "mock: io-pgfault to iommufd (stock)", &stock);
	report(13, "mock: fast HANDLED", &handled);
}

/* Polls @path for up to @secs seconds until it holds @text. */
static bool file_has(const char *path, const char *text, int secs)
{
	char buf[256];
	FILE *f;

	for (int i = 0; i < secs * 10; i++, usleep(100000)) {
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(buf, sizeof(buf), f))
			if (strstr(buf, text)) {
				fclose(f);
				return true;
			}
		fclose(f);
	}
	return false;
}

/*
 * Scenario @scenario: scenario 2's faults at @per_s (0: as fast as they
 * go in) while `faultctl -j fault trace` writes every event; then line
 * 10 * @scenario: the events it wrote and those it reported lost.
 */
static void scenario_trace(int scenario, const char *name, uint32_t per_s)
{
	char extra[160], line[64];
	long events = 0, lost = 0;
	FILE *f;
	pid_t pid;

	ATTACH(bench_handled, "bench_handled", dev, 0);
	/* Not the last round's line: the shell truncates it only later. */
	unlink("/tmp/bench-trace.err");
	pid = fork();
	if (!pid) {
		execlp("sh", "sh", "-c",
		       "exec faultctl -j fault trace > /tmp/bench-trace.jsonl 2> /tmp/bench-trace.err",
		       (char *)NULL);
		_exit(127);
	}
	/* It says so once attached: from then on, no event is missed. */
	if (!file_has("/tmp/bench-trace.err", "Tracing", 60))
		fprintf(stderr, "bench: the tracer did not attach in 60 s\n");
	run(scenario, name, per_s);
	sleep(1);
	kill(pid, SIGINT);
	waitpid(pid, NULL, 0);
	detach_all();

	f = popen("grep -c '\"event\"' /tmp/bench-trace.jsonl", "r");
	if (f && fgets(line, sizeof(line), f))
		events = atol(line);
	if (f)
		pclose(f);
	f = popen("grep -o 'Lost [0-9]*' /tmp/bench-trace.err | awk '{ s += $2 } END { print s + 0 }'", "r");
	if (f && fgets(line, sizeof(line), f))
		lost = atol(line);
	if (f)
		pclose(f);
	snprintf(extra, sizeof(extra),
		 ",\"trace_events\":%ld,\"trace_expected\":%u,\"trace_lost_reported\":%ld",
		 events, 3 * count, lost);
	printf("IFB-BENCH {\"scenario\":%d,\"name\":\"%s: events\","
	       "\"round\":%d%s}\n", 10 * scenario, name, round_no, extra);
	fflush(stdout);
}

/*
 * 8: a fast HANDLED split at the points of bench_marks.h (82), in blocks
 * taking turns with the same verdict one at a time, unmarked (81).
 */
static void scenario_breakdown(void)
{
	static const char *const names[SPANS_MAX] = {
		"SMMUv3 hook", "decode, device lookup",
		"set-up, chain walk, trampoline", "program, verdict, counters",
		"decision applied", "answer to the driver",
	};
	struct result plain, marked;
	uint32_t i;

	result_init(&plain, BREAK_N, 0);
	result_init(&marked, BREAK_N, BENCH_TIMES_MARKS);
	for (i = 0; i < BREAK_N / SERIAL_BLOCK; i++) {
		ATTACH(bench_handled, "bench_handled", dev, 0);
		one_at_a_time(SERIAL_BLOCK, &plain);
		detach_all();
		ATTACH(bench_stamped, "bench_stamped", dev, 0);
		stamped = skels[nr_links - 1];
		one_at_a_time(SERIAL_BLOCK, &marked);
		stamped = NULL;
		detach_all();
	}
	report_spans(83, "fast HANDLED, one at a time, by mark", &marked, names);
	report(82, "fast HANDLED, one at a time, marked", &marked);
	report(81, "fast HANDLED, one at a time", &plain);
}

static void scenario(int s)
{
	struct iommu_fault_ctl_info info;
	char name[IOMMU_FAULT_NAME_LEN], other[IOMMU_FAULT_DEV_LEN];
	int i;

	switch (s) {
	case 1:
		if (ifb_info(&info) || info.nr_policies)
			die("scenario 1 needs no policy attached", EBUSY);
		run(1, "nothing attached (stock)", 0);
		break;
	case 2:
		ATTACH(bench_handled, "bench_handled", dev, 0);
		run(2, "fast HANDLED", 0);
		detach_all();
		break;
	case 3:
		for (i = 0; i < 7; i++) {
			snprintf(name, sizeof(name), "bench_none_%d", i);
			ATTACH(bench_none, name, dev, i);
		}
		ATTACH(bench_handled, "bench_handled", dev, 7);
		run(3, "8 chained, last HANDLED", 0);
		detach_all();
		break;
	case 4: {
		/* The burst is pending at once: no more than the pool holds. */
		uint32_t all = count;

		if (count > IOMMU_FAULT_POOL_MAX)
			count = IOMMU_FAULT_POOL_MAX;
		if (ifb_set_limits(count, 60000))
			die("pool size", errno);
		ATTACH(bench_defer, "bench_defer", dev, 0);
		run(4, "DEFER, sleepable HANDLED", 0);
		detach_all();
		count = all;
		serial_pair();
		ifb_set_limits(4096, 1000);
		break;
	}
	case 5:
		ATTACH(bench_handled, "bench_handled", dev, 0);
		for (i = 0; i < 64; i++) {
			snprintf(name, sizeof(name), "bench_other_%d", i);
			snprintf(other, sizeof(other), "bench.other.%d", i);
			ATTACH(bench_none, name, other, 0);
		}
		run(5, "HANDLED + 64 other devices", 0);
		detach_all();
		break;
	case 6:
		scenario_trace(6, "trace consumer", 0);
		break;
	case 7:
		scenario_page_requests();
		break;
	case 8:
		scenario_breakdown();
		break;
	case 9:
		scenario_trace(9, "trace consumer at 100,000/s", PACED_PER_S);
		break;
	default:
		die("no such scenario", EINVAL);
	}
}

int main(int argc, char **argv)
{
	int opt, i, rounds = 1;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			count = strtoul(optarg, NULL, 0);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else
			return 2;
	}
	libbpf_set_print(NULL);
	if (ifb_find_edu(dev, sizeof(dev)) || ifb_smmu_of(dev, smmu, sizeof(smmu)))
		die("no edu device", ENODEV);
	opt = bench_times_open(&clk);
	if (opt)
		die("the BPF clock", opt);
	if (count > clk.max)
		die("-n: more records than the clock times", E2BIG);
	slot_size = bench_pending_slot_size();
	clock_cost_ns = bench_times_clock_cost(&clk);
	for (round_no = 1; round_no <= rounds; round_no++) {
		if (optind == argc)
			for (i = 1; i <= 9; i++)
				scenario(i);
		for (i = optind; i < argc; i++)
			scenario(atoi(argv[i]));
	}
	bench_times_close(&clk);
	return 0;
}
