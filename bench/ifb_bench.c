// SPDX-License-Identifier: GPL-2.0-only
/*
 * ifb-bench: the guest half of `make bench`.  Runs the fault-path
 * scenarios back to back in one boot, each injecting COUNT stall faults
 * for the edu device through the real SMMUv3 event path, and prints one
 * line per scenario, "IFB-BENCH {json}", with the in-kernel timings
 * (IOMMU_FAULT_IOC_BENCH: record entering the driver -> resume issued).
 *
 *   ifb-bench [-n COUNT] [-r ROUNDS] [SCENARIO...]   (default: all, 1..7)
 *
 * With ROUNDS > 1 the scenarios run in turn ROUNDS times (1 2 ... 7 1 2
 * ...), so that slow drifts of the machine hit every scenario alike; each
 * line carries its round.
 *
 *  1 nothing attached (the stock 6.12 path)
 *  2 one policy, fast op HANDLED
 *  3 eight chained policies, seven NONE then HANDLED
 *  4 fast op DEFER, sleepable op HANDLED
 *  5 scenario 2 plus 64 policies on other devices
 *  6 scenario 2 while `faultctl -j fault trace` consumes every event
 *  7 the floor: the same records, handed by the core to bare work items
 *    on its workqueue that issue the same resume (no program, no slot)
 *
 * Scenarios 4 and 7 are open loops: all faults arrive at once, so their
 * latencies are mostly queueing.  Scenario 4 is also run closed-loop, side
 * by side with its floor (41, 71: one fault at a time, the next once the
 * previous one was answered; 4000 of each, in alternating blocks of 250):
 * the cost of one deferral, and of one bare round trip, timed between the
 * same two points and injected and waited for the same way.  Then 42 and
 * 72: the same pair again (2000 each), timed stage by stage (record to
 * queue_work, to its work starting, to the resume); not in 41 and 71,
 * whose figures the two extra timestamps would change.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ifb_ctl.h"
#include "ifb.h"
#include "bench_none.skel.h"
#include "bench_handled.skel.h"
#include "bench_defer.skel.h"

#define MAX_LINKS	80
#define CHUNK		10000	/* faults per inject call */
#define SERIAL_N	4000	/* one-at-a-time faults, each of 41 and 71 */
#define SERIAL_BLOCK	250	/* in blocks of this many, in turn */
#define SPANS_N		2000	/* of each, timed stage by stage (42, 72) */

static char dev[64], smmu[64];
static struct bpf_link *links[MAX_LINKS];
static void *skels[MAX_LINKS];
static void (*destroy[MAX_LINKS])(void *);
static int nr_links;
static uint32_t count = 100000;
static int round_no = 1;

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
	uint64_t *span;		/* or NULL; 3 each, of those that were queued */
	uint32_t n, nspan, recorded, answered;
	uint64_t elapsed_ns;	/* first t0 to last t1, summed over runs */
	uint64_t ts_cost_ns;
	uint32_t pending_size;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void bench_init(struct iommu_fault_ctl_bench *b, uint32_t op,
		       uint32_t n, uint32_t flags)
{
	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->op = op;
	b->count = n;
	b->flags = flags;
	snprintf(b->dev, sizeof(b->dev), "%s", dev);
}

static int bench(uint32_t op, uint32_t n, uint32_t flags,
		 struct iommu_fault_ctl_bench *b)
{
	bench_init(b, op, n, flags);
	return ifb_ctl(IOMMU_FAULT_IOC_BENCH, b);
}

static void result_init(struct result *r, uint32_t max, bool spans)
{
	memset(r, 0, sizeof(*r));
	r->lat = calloc(max, sizeof(*r->lat));
	if (spans)
		r->span = calloc(3 * (size_t)max, sizeof(*r->span));
	if (!r->lat || (spans && !r->span))
		die("calloc", ENOMEM);
}

/* Stop the run under way and add its timings to @r (room for @n more). */
static void collect(struct result *r, uint32_t n)
{
	struct iommu_fault_ctl_bench b;
	uint64_t *lat = calloc(n, sizeof(*lat));
	uint64_t *span = calloc(3 * (size_t)n, sizeof(*span));
	uint32_t i;
	int ret;

	if (!lat || !span)
		die("calloc", ENOMEM);
	bench_init(&b, IOMMU_FAULT_BENCH_RESULT, 120000, 0); /* ms to wait */
	b.lat_ns = (uintptr_t)lat;
	if (r->span)
		b.span_ns = (uintptr_t)span;
	ret = ifb_ctl(IOMMU_FAULT_IOC_BENCH, &b);
	if (ret)
		die("bench result", ret);
	for (i = 0; i < b.recorded && i < n; i++) {
		if (lat[i])
			r->lat[r->n++] = lat[i];
		if (r->span && span[3 * i]) {
			memcpy(&r->span[3 * r->nspan], &span[3 * i],
			       3 * sizeof(*span));
			r->nspan++;
		}
	}
	free(span);
	r->recorded += b.recorded;
	r->answered += b.answered;
	r->elapsed_ns += b.last_ns - b.first_ns;
	r->ts_cost_ns = b.ts_cost_ns;
	r->pending_size = b.pending_size;
	free(lat);
}

/* Print the scenario's line and free @r. */
static void report(int scenario, const char *name, struct result *r)
{
	uint64_t *ok = r->lat;
	uint32_t n = r->n;

	qsort(ok, n, sizeof(*ok), cmp_u64);
	printf("IFB-BENCH {\"scenario\":%d,\"name\":\"%s\",\"faults\":%u,"
	       "\"answered\":%u,\"elapsed_ns\":%llu,\"faults_per_s\":%.0f,"
	       "\"p50_ns\":%llu,\"p99_ns\":%llu,\"max_ns\":%llu,"
	       "\"ts_cost_ns\":%llu,\"pending_size\":%u,\"cpus\":%ld,"
	       "\"round\":%d}\n",
	       scenario, name, r->recorded, r->answered,
	       (unsigned long long)r->elapsed_ns,
	       r->elapsed_ns ? r->answered * 1e9 / r->elapsed_ns : 0.0,
	       n ? (unsigned long long)ok[n / 2] : 0ULL,
	       n ? (unsigned long long)ok[(uint64_t)n * 99 / 100] : 0ULL,
	       n ? (unsigned long long)ok[n - 1] : 0ULL,
	       (unsigned long long)r->ts_cost_ns, r->pending_size,
	       sysconf(_SC_NPROCESSORS_ONLN), round_no);
	fflush(stdout);
	free(r->lat);
}

/* Print the stage-by-stage line of a SPANS result and free @r. */
static void report_spans(int scenario, const char *name, struct result *r)
{
	uint64_t *col = calloc(r->nspan ? r->nspan : 1, sizeof(*col));
	uint64_t p50[3] = {}, p99[3] = {};
	uint32_t i, k;

	if (!col)
		die("calloc", ENOMEM);
	for (k = 0; k < 3 && r->nspan; k++) {
		for (i = 0; i < r->nspan; i++)
			col[i] = r->span[3 * i + k];
		qsort(col, r->nspan, sizeof(*col), cmp_u64);
		p50[k] = col[r->nspan / 2];
		p99[k] = col[(uint64_t)r->nspan * 99 / 100];
	}
	printf("IFB-BENCH {\"scenario\":%d,\"name\":\"%s\",\"faults\":%u,"
	       "\"answered\":%u,\"staged\":%u,"
	       "\"span_p50_ns\":[%llu,%llu,%llu],\"span_p99_ns\":[%llu,%llu,%llu],"
	       "\"cpus\":%ld,\"round\":%d}\n",
	       scenario, name, r->recorded, r->answered, r->nspan,
	       (unsigned long long)p50[0], (unsigned long long)p50[1],
	       (unsigned long long)p50[2], (unsigned long long)p99[0],
	       (unsigned long long)p99[1], (unsigned long long)p99[2],
	       sysconf(_SC_NPROCESSORS_ONLN), round_no);
	fflush(stdout);
	free(col);
	free(r->span);
	free(r->lat);
}

/* Time the next @n records: the policies' answers, or the floor's. */
static void start(bool floor, uint32_t n, uint32_t flags)
{
	struct iommu_fault_ctl_bench b;
	int ret;

	ret = bench(floor ? IOMMU_FAULT_BENCH_FLOOR : IOMMU_FAULT_BENCH_START,
		    n, flags, &b);
	if (ret)
		die("bench start", ret);
}

/* Inject @count stalls at once, timed; print the scenario's line. */
static void run(int scenario, const char *name, bool floor)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .recoverable = true,
		.grpid_seq = true,
	};
	struct result r;
	uint32_t done;
	int ret;

	start(floor, count, 0);
	for (done = 0; done < count; done += CHUNK) {
		uint32_t n = count - done < CHUNK ? count - done : CHUNK;

		f.grpid = done;
		ret = ifb_inject(smmu, &f, n);
		if (ret)
			die("inject", ret);
	}
	result_init(&r, count, false);
	collect(&r, count);
	report(scenario, name, &r);
}

/* @n stalls one at a time, each once the previous one was answered. */
static void one_at_a_time(bool floor, uint32_t n, struct result *r)
{
	struct iommu_fault_ctl_bench b;
	struct ifb_fault f = {
		.sid = ifb_pci_sid(dev), .addr = 0x40000000, .recoverable = true,
	};
	uint32_t i;
	int ret;

	start(floor, n, r->span ? IOMMU_FAULT_BENCH_F_SPANS : 0);
	for (i = 0; i < n; i++) {
		f.grpid = i;
		ret = ifb_inject(smmu, &f, 1);
		if (ret)
			die("inject", ret);
		/*
		 * Yield between polls: the worker may need this vCPU, and
		 * sleeping would idle it (idle wake-ups are slow under
		 * emulation).  The timing is in-kernel: the poll's own pace
		 * does not enter it.
		 */
		do {
			ret = bench(IOMMU_FAULT_BENCH_STATUS, 0, 0, &b);
			if (!ret && b.answered < i + 1)
				sched_yield();
		} while (!ret && b.answered < i + 1);
		if (ret)
			die("bench status", ret);
	}
	collect(r, n);
}

/*
 * @n one-at-a-time faults each, deferred and floor, with the DEFER policy
 * attached (the floor goes ahead of it): in blocks taking turns, so that
 * both see the same moments of a noisy machine.
 */
static void pair(uint32_t n, bool spans, struct result *defer,
		 struct result *floor)
{
	uint32_t i;

	result_init(defer, n, spans);
	result_init(floor, n, spans);
	for (i = 0; i < n / SERIAL_BLOCK; i++) {
		one_at_a_time(false, SERIAL_BLOCK, defer);
		one_at_a_time(true, SERIAL_BLOCK, floor);
	}
}

/* Scenarios 41 and 71, then the same timed stage by stage (42, 72). */
static void serial_pair(void)
{
	struct result defer, floor;

	pair(SERIAL_N, false, &defer, &floor);
	report(41, "DEFER, one at a time", &defer);
	report(71, "floor, one at a time", &floor);
	pair(SPANS_N, true, &defer, &floor);
	report_spans(42, "DEFER, one at a time, by stage", &defer);
	report_spans(72, "floor, one at a time, by stage", &floor);
}

static void scenario_trace(void)
{
	char extra[160], line[64];
	long events = 0, lost = 0;
	FILE *f;
	pid_t pid;

	ATTACH(bench_handled, "bench_handled", dev, 0);
	pid = fork();
	if (!pid) {
		execlp("sh", "sh", "-c",
		       "exec faultctl -j fault trace > /tmp/bench-trace.jsonl 2> /tmp/bench-trace.err",
		       (char *)NULL);
		_exit(127);
	}
	sleep(2);	/* the tracer is attached */
	run(6, "trace consumer", false);
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
	printf("IFB-BENCH {\"scenario\":60,\"name\":\"trace consumer: events\","
	       "\"round\":%d%s}\n", round_no, extra);
	fflush(stdout);
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
		run(1, "nothing attached (stock)", false);
		break;
	case 2:
		ATTACH(bench_handled, "bench_handled", dev, 0);
		run(2, "fast HANDLED", false);
		detach_all();
		break;
	case 3:
		for (i = 0; i < 7; i++) {
			snprintf(name, sizeof(name), "bench_none_%d", i);
			ATTACH(bench_none, name, dev, i);
		}
		ATTACH(bench_handled, "bench_handled", dev, 7);
		run(3, "8 chained, last HANDLED", false);
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
		run(4, "DEFER, sleepable HANDLED", false);
		count = all;
		serial_pair();
		detach_all();
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
		run(5, "HANDLED + 64 other devices", false);
		detach_all();
		break;
	case 6:
		scenario_trace();
		break;
	case 7:
		if (ifb_info(&info) || info.nr_policies)
			die("scenario 7 needs no policy attached", EBUSY);
		run(7, "floor: queue_work round trip", true);
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
	for (round_no = 1; round_no <= rounds; round_no++) {
		if (optind == argc)
			for (i = 1; i <= 7; i++)
				scenario(i);
		for (i = optind; i < argc; i++)
			scenario(atoi(argv[i]));
	}
	return 0;
}
