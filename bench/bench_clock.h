/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user half of make bench's clock (progs/bench_clock.bpf.c), shared by
 * ifb-bench and its test: open and attach it, time a run of records this
 * process injects, read each record's latency and, by stage, its deferred
 * stage's spans.  Nothing of it is in the kernel: with the clock detached
 * the fault path is the product's.
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bench_clock.skel.h"
#include "bench_marks.h"

/* What a run times besides each record's latency (bench_times_start()). */
#define BENCH_TIMES_STAGES	1	/* a deferred fault's stages */
#define BENCH_TIMES_MARKS	2	/* the breakdown's marks */
/*
 * With BENCH_TIMES_STAGES: the probe at the work's start twice, so that
 * BENCH_STAGE_SLEEPABLE holds one whole probe more: what a probe costs.
 */
#define BENCH_TIMES_PROBE	4

/*
 * A deferred fault's stages, in path order: the spans between the record
 * entering the driver, the points the by-stage probes see, and its answer.
 */
enum bench_stage {
	BENCH_STAGE_FAST,	/* -> iommu_fault_pending_take() */
	BENCH_STAGE_KEEP,	/* -> its work is queued (the tracepoint) */
	BENCH_STAGE_HOP,	/* -> its work starts */
	BENCH_STAGE_SLEEPABLE,	/* -> its sleepable op returned */
	BENCH_STAGE_ANSWER,	/* -> the resume is issued */
	BENCH_STAGES
};

struct bench_times {
	struct bench_clock *skel;
	struct bpf_link *links[9];	/* by-stage and marking probes */
	uint64_t *t0, *t1;		/* the clock's arrays, mmap-ed */
	uint64_t *tk, *tq, *tw, *tv;	/* by stage */
	uint64_t *cpus;			/* where each deferred stage went */
	uint64_t *tm;			/* BENCH_MARKS per record */
	uint32_t max;			/* records a run can time */
};

static inline size_t bench_times_len(const struct bpf_map *m)
{
	return (size_t)bpf_map__max_entries(m) * sizeof(uint64_t);
}

static inline int bench_times_map(struct bpf_map *m, uint64_t **out)
{
	void *p = mmap(NULL, bench_times_len(m), PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(m), 0);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

/* Load and attach the clock for records this process injects. */
static inline int bench_times_open(struct bench_times *bt)
{
	struct bench_clock *s;
	int ret;

	memset(bt, 0, sizeof(*bt));
	s = bench_clock__open();
	if (!s)
		return -errno;
	s->rodata->tgid = getpid();
	/* The by-stage and marking programs: for their runs only. */
	bpf_program__set_autoattach(s->progs.stage_kept, false);
	bpf_program__set_autoattach(s->progs.stage_queued, false);
	bpf_program__set_autoattach(s->progs.stage_started, false);
	bpf_program__set_autoattach(s->progs.stage_decided, false);
	bpf_program__set_autoattach(s->progs.mark_claim, false);
	bpf_program__set_autoattach(s->progs.mark_report, false);
	bpf_program__set_autoattach(s->progs.mark_verdict, false);
	bpf_program__set_autoattach(s->progs.mark_response, false);
	ret = bench_clock__load(s);
	if (!ret)
		ret = bench_clock__attach(s);
	bt->skel = s;
	if (!ret)
		ret = bench_times_map(s->maps.t0, &bt->t0);
	if (!ret)
		ret = bench_times_map(s->maps.t1, &bt->t1);
	if (!ret)
		ret = bench_times_map(s->maps.tk, &bt->tk);
	if (!ret)
		ret = bench_times_map(s->maps.tq, &bt->tq);
	if (!ret)
		ret = bench_times_map(s->maps.tw, &bt->tw);
	if (!ret)
		ret = bench_times_map(s->maps.tv, &bt->tv);
	if (!ret)
		ret = bench_times_map(s->maps.cpus, &bt->cpus);
	if (!ret)
		ret = bench_times_map(s->maps.tm, &bt->tm);
	bt->max = bpf_map__max_entries(s->maps.t0);
	return ret;
}

static inline void bench_times_close(struct bench_times *bt)
{
	size_t len = (size_t)bt->max * sizeof(uint64_t);

	if (bt->t0)
		munmap(bt->t0, len);
	if (bt->t1)
		munmap(bt->t1, len);
	if (bt->tk)
		munmap(bt->tk, len);
	if (bt->tq)
		munmap(bt->tq, len);
	if (bt->tw)
		munmap(bt->tw, len);
	if (bt->tv)
		munmap(bt->tv, len);
	if (bt->cpus)
		munmap(bt->cpus, len);
	if (bt->tm)
		munmap(bt->tm, bench_times_len(bt->skel->maps.tm));
	bench_clock__destroy(bt->skel);
	memset(bt, 0, sizeof(*bt));
}

/* Attach @prog at links[@i], for the run about to start. */
static inline int bench_times_attach(struct bench_times *bt, int i,
				     struct bpf_program *prog)
{
	bt->links[i] = bpf_program__attach(prog);
	return bt->links[i] ? 0 : -errno;
}

/*
 * Time the next @n records this process injects; record i must carry the
 * tag (@base + i) mod 2^16.  @what: also time each deferred stage
 * (BENCH_TIMES_STAGES), or mark the breakdown's points (BENCH_TIMES_MARKS,
 * at most BENCH_MARK_MAX records); one fault at a time only.
 */
static inline int bench_times_start(struct bench_times *bt, uint32_t n,
				    uint32_t base, unsigned int what)
{
	struct bench_clock__bss *bss = bt->skel->bss;
	struct bench_clock *s = bt->skel;
	int ret = 0;

	if (!n || n > bt->max ||
	    ((what & BENCH_TIMES_MARKS) && n > BENCH_MARK_MAX))
		return -E2BIG;
	if (what & BENCH_TIMES_STAGES) {
		ret = bench_times_attach(bt, 0, s->progs.stage_kept);
		if (!ret)
			ret = bench_times_attach(bt, 1, s->progs.stage_queued);
		if (!ret)
			ret = bench_times_attach(bt, 2, s->progs.stage_started);
		if (!ret)
			ret = bench_times_attach(bt, 3, s->progs.stage_decided);
		/* After the first: it finds the stamp there, and costs. */
		if (!ret && (what & BENCH_TIMES_PROBE))
			ret = bench_times_attach(bt, 8, s->progs.stage_started);
	}
	if (!ret && (what & BENCH_TIMES_MARKS)) {
		ret = bench_times_attach(bt, 4, s->progs.mark_claim);
		if (!ret)
			ret = bench_times_attach(bt, 5, s->progs.mark_report);
		if (!ret)
			ret = bench_times_attach(bt, 6, s->progs.mark_verdict);
		if (!ret)
			ret = bench_times_attach(bt, 7, s->progs.mark_response);
	}
	if (ret)
		return ret;
	memset(bt->t0, 0, n * sizeof(uint64_t));
	memset(bt->t1, 0, n * sizeof(uint64_t));
	memset(bt->tk, 0, n * sizeof(uint64_t));
	memset(bt->tq, 0, n * sizeof(uint64_t));
	memset(bt->tw, 0, n * sizeof(uint64_t));
	memset(bt->tv, 0, n * sizeof(uint64_t));
	memset(bt->cpus, 0, n * sizeof(uint64_t));
	if (what & BENCH_TIMES_MARKS)
		memset(bt->tm, 0, (size_t)n * BENCH_MARKS * sizeof(uint64_t));
	bss->count = n;
	bss->base = base;
	bss->entered = 0;
	bss->answered = 0;
	bss->stages = !!(what & BENCH_TIMES_STAGES);
	bss->marks = !!(what & BENCH_TIMES_MARKS);
	__atomic_store_n(&bss->active, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Which records the next runs time: the stalls this process injects
 * (false, the default) or the page requests it raises on the iommufd mock.
 */
static inline void bench_times_page_requests(struct bench_times *bt, bool on)
{
	bt->skel->bss->page_requests = on;
}

/* Records timed so far, and of them answered (timing goes on). */
static inline uint32_t bench_times_entered(const struct bench_times *bt)
{
	uint32_t n = __atomic_load_n(&bt->skel->bss->entered, __ATOMIC_ACQUIRE);

	return n < bt->skel->bss->count ? n : bt->skel->bss->count;
}

static inline uint32_t bench_times_answered(const struct bench_times *bt)
{
	return __atomic_load_n(&bt->skel->bss->answered, __ATOMIC_ACQUIRE);
}

/*
 * Until @n are answered, yielding (not sleeping: an idle vCPU is slow);
 * -ETIMEDOUT when they are not within 10 s (an answer that never comes).
 */
static inline int bench_times_wait_answered(const struct bench_times *bt,
					    uint32_t n)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (bench_times_answered(bt) < n) {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10)
			return -ETIMEDOUT;
	}
	return 0;
}

/*
 * Wait up to @ms for every record timed to be answered, then stop timing.
 * Returns how many were timed (answered or not).
 */
static inline uint32_t bench_times_stop(struct bench_times *bt, int ms)
{
	uint32_t n = bench_times_entered(bt);
	int waited = 0;

	while (bench_times_answered(bt) < n && waited < ms) {
		usleep(1000);
		waited++;
	}
	__atomic_store_n(&bt->skel->bss->active, 0, __ATOMIC_RELEASE);
	for (size_t i = 0; i < sizeof(bt->links) / sizeof(bt->links[0]); i++) {
		bpf_link__destroy(bt->links[i]);
		bt->links[i] = NULL;
	}
	return n;
}

/* Record @i's latency, its t1 - t0: 0 if it was not answered. */
static inline uint64_t bench_times_latency(const struct bench_times *bt,
					   uint32_t i)
{
	return bt->t1[i] && bt->t0[i] ? bt->t1[i] - bt->t0[i] : 0;
}

/*
 * Record @i's deferred stages (enum bench_stage).  False (and zeros)
 * unless it passed every point of a deferred fault in path order.
 */
static inline bool bench_times_stages(const struct bench_times *bt, uint32_t i,
				      uint64_t span[BENCH_STAGES])
{
	const uint64_t t[BENCH_STAGES + 1] = {
		bt->t0[i], bt->tk[i], bt->tq[i], bt->tw[i], bt->tv[i], bt->t1[i],
	};
	int k;

	memset(span, 0, BENCH_STAGES * sizeof(*span));
	for (k = 0; k < BENCH_STAGES; k++)
		if (!t[k] || t[k] >= t[k + 1])
			return false;
	for (k = 0; k < BENCH_STAGES; k++)
		span[k] = t[k + 1] - t[k];
	return true;
}

/*
 * Record @i's breakdown (a BENCH_TIMES_MARKS run): the spans between t0,
 * its marks in path order and t1, BENCH_MARKS + 1 of them; @prog is the
 * stamping policy's time for it (BENCH_MARK_PROG).  False (and zeros)
 * unless it passed every point in that order.
 */
static inline bool bench_times_breakdown(const struct bench_times *bt,
					 uint32_t i, uint64_t prog,
					 uint64_t span[BENCH_MARKS + 1])
{
	uint64_t t[BENCH_MARKS + 2];
	int k;

	memset(span, 0, (BENCH_MARKS + 1) * sizeof(*span));
	if (i >= BENCH_MARK_MAX)
		return false;
	t[0] = bt->t0[i];
	for (k = 0; k < BENCH_MARKS; k++)
		t[k + 1] = bt->tm[(size_t)i * BENCH_MARKS + k];
	t[BENCH_MARK_PROG + 1] = prog;
	t[BENCH_MARKS + 1] = bt->t1[i];
	for (k = 0; k <= BENCH_MARKS; k++)
		if (!t[k] || t[k] >= t[k + 1])
			return false;
	for (k = 0; k <= BENCH_MARKS; k++)
		span[k] = t[k + 1] - t[k];
	return true;
}

/* The first record's t0 and the latest t1 of the @n timed. */
static inline uint64_t bench_times_elapsed(const struct bench_times *bt,
					   uint32_t n)
{
	uint64_t last = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (bt->t1[i] > last)
			last = bt->t1[i];
	return n && last > bt->t0[0] ? last - bt->t0[0] : 0;
}

/*
 * Whether record @i's deferred stage ran on the CPU that queued it (a
 * BENCH_TIMES_STAGES run): 1 or 0; -1 when either was not seen.
 */
static inline int bench_times_same_cpu(const struct bench_times *bt, uint32_t i)
{
	uint32_t queued = bt->cpus[i], ran = bt->cpus[i] >> 32;

	if (!queued || !ran)
		return -1;
	return queued == ran;
}

/* One clock read (bpf_ktime_get_ns()), ns: two per figure. */
static inline uint64_t bench_times_clock_cost(struct bench_times *bt)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (bpf_prog_test_run_opts(bpf_program__fd(bt->skel->progs.clock_cost),
				   &opts))
		return 0;
	return bt->skel->bss->clock_cost_ns;
}

/* Bytes of one pending-fault slot, from the kernel's BTF. */
static inline int bench_pending_slot_size(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id, size;

	if (!btf)
		return -errno;
	id = btf__find_by_name_kind(btf, "iommu_fault_pending", BTF_KIND_STRUCT);
	size = id < 0 ? id : btf__resolve_size(btf, id);
	btf__free(btf);
	return size;
}

#endif /* BENCH_CLOCK_H */
