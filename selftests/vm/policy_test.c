// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf policies against the real SMMUv3 driver path: faults are
 * injected as raw event records for edu's stream ID and go through decode,
 * the policy chain and the resume code.  Each test asserts on the kernel's
 * counters, on what the policy saw, and (through IFB-SMMU-EXPECT, checked
 * on the host) on the exact commands QEMU's SMMU received.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb.h"
#include "fast_only.skel.h"
#include "mix_policy.skel.h"
#include "test_policy.skel.h"

#define TEST_IOVA	0x0badd000ULL
#define POOL_DEFAULT	4096
#define DEADLINE_DEFAULT 1000

struct policy {
	struct test_policy *skel;
	struct bpf_link *link;
};

/* Open, name and load a test policy; attach unless @attach is false. */
static int policy_start(struct policy *p, const char *name, const char *dev,
			int priority, bool attach)
{
	p->link = NULL;
	p->skel = test_policy__open();
	if (!p->skel)
		return -errno;
	if (ifb_ops_set_str(p->skel->obj, p->skel->maps.policy, "name", name) ||
	    ifb_ops_set_str(p->skel->obj, p->skel->maps.policy, "dev",
			       dev ? dev : ""))
		return -EINVAL;
	p->skel->struct_ops.policy->priority = priority;
	if (test_policy__load(p->skel))
		return -EINVAL;
	if (!attach)
		return 0;
	p->link = bpf_map__attach_struct_ops(p->skel->maps.policy);
	return p->link ? 0 : -errno;
}

static void policy_stop(struct policy *p)
{
	bpf_link__destroy(p->link);
	test_policy__destroy(p->skel);
	p->link = NULL;
	p->skel = NULL;
}

/* Write @val to edu's debugfs file @file; 0 or -errno. */
static int edu_file(const char *dev, const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/kernel/debug/iommu_fault_edu/%s/%s",
		 dev, file);
	return ifb_write_file(path, val);
}

/* How many populate calls edu holds now (populate_hold), or -1. */
static int edu_held(const char *dev)
{
	char path[PATH_MAX], buf[16];

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/iommu_fault_edu/%s/populate_hold", dev);
	return ifb_read_file(path, buf, sizeof(buf)) > 0 ? atoi(buf) : -1;
}

FIXTURE(fault) {
	char dev[64];
	char smmu[64];
	struct ifb_fault f;
	struct iommu_fault_ctl_dev before;
	struct policy a, b;
};

FIXTURE_SETUP(fault)
{
	ASSERT_EQ(0, ifb_find_edu(self->dev, sizeof(self->dev)));
	ASSERT_EQ(0, ifb_smmu_of(self->dev, self->smmu, sizeof(self->smmu)));
	memset(&self->f, 0, sizeof(self->f));
	self->f.sid = ifb_pci_sid(self->dev);
	self->f.addr = TEST_IOVA;
	self->f.recoverable = true;
	self->f.grpid = 0x42;
	self->f.read = true;
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &self->before));
	ASSERT_EQ(0, ifb_trace_start());
	ifb_mark(_metadata->name);
}

FIXTURE_TEARDOWN(fault)
{
	edu_file(self->dev, "populate_hold", "0");
	if (self->a.skel)
		policy_stop(&self->a);
	if (self->b.skel)
		policy_stop(&self->b);
	edu_file(self->dev, "domain", "release");
	ifb_dev_reset(self->dev);
	ifb_set_limits(POOL_DEFAULT, DEADLINE_DEFAULT);
	/* Close the window: what follows is not this test's. */
	ifb_mark("-");
}

/* Counter @field of the device, minus its value at setup. */
#define DEV_DELTA(field) ({						\
	struct iommu_fault_ctl_dev __now;				\
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &__now));			\
	__now.field - self->before.field;				\
})

/* Faults counted in histogram @h of the device since setup. */
#define HIST_DELTA(h) ({						\
	struct iommu_fault_ctl_dev __now;				\
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &__now));			\
	ifb_hist_sum(__now.h) - ifb_hist_sum(self->before.h);		\
})

/* Wait up to 2 s for the device's answers to reach @n. */
#define WAIT_ANSWERS(n) do {						\
	int __i;							\
	for (__i = 0; __i < 200; __i++) {				\
		if (DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]) +	\
		    DEV_DELTA(stock) >= (n))				\
			break;						\
		ifb_msleep(10);						\
	}								\
} while (0)

/* Counter @field of policy @name. */
#define POLICY_STAT(name, field) ({					\
	struct iommu_fault_ctl_policy __st;				\
	ASSERT_EQ(0, ifb_policy_stats(name, &__st));			\
	__st.field;							\
})

/*
 * The tracepoints agree with the counters: one fault event per fault the
 * core saw, one resume event per answer it sent, for this device.  Then
 * hand the host the SMMU expectation.
 */
#define EXPECT_TRACE_AND_SMMU(...) do {					\
	char __d[96];							\
	long __faults = DEV_DELTA(faults[0]) + DEV_DELTA(faults[1]);	\
	long __answers = DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]);	\
	snprintf(__d, sizeof(__d), "dev=%s ", self->dev);		\
	EXPECT_EQ(__faults, ifb_trace_count("iommu_fault_bpf_fault:", __d)); \
	EXPECT_EQ(__answers, ifb_trace_count("iommu_fault_bpf_response:", __d)); \
	ifb_expect_smmu(_metadata->name, __VA_ARGS__);			\
} while (0)

/* Nothing attached: the stock 6.12 path answers the stall, ABORT. */
TEST_F(fault, nothing_attached_is_stock)
{
	struct iommu_fault_ctl_info info;

	ASSERT_EQ(0, ifb_info(&info));
	ASSERT_EQ(0, info.nr_policies);
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	/* The static branch is off: the core does not even count it. */
	EXPECT_EQ(0, DEV_DELTA(faults[1]));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

TEST_F(fault, handled_retries)
{
	ASSERT_EQ(0, policy_start(&self->a, "handled", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));

	EXPECT_EQ(1, self->a.skel->bss->fast_calls);
	EXPECT_EQ(TEST_IOVA, self->a.skel->bss->last_addr);
	EXPECT_EQ(self->f.sid, self->a.skel->bss->last_sid);
	EXPECT_EQ(IOMMU_FAULT_CTX_PERM_READ, self->a.skel->bss->last_perm);
	EXPECT_EQ(IOMMU_FAULT_REASON_TRANSLATION, self->a.skel->bss->last_reason);
	EXPECT_TRUE(self->a.skel->bss->last_flags & IOMMU_FAULT_CTX_RECOVERABLE);
	EXPECT_EQ(IOMMU_FAULT_STAGE_ATOMIC, self->a.skel->bss->last_stage);
	EXPECT_EQ(1, DEV_DELTA(faults[1]));
	EXPECT_EQ(1, DEV_DELTA(responses[1]));
	EXPECT_EQ(0, DEV_DELTA(responses[0]));
	EXPECT_EQ(1, POLICY_STAT("handled", verdicts[0][IOMMU_FAULT_STATUS_HANDLED]));
	EXPECT_EQ(1, ifb_trace_count("iommu_fault_bpf_fault:", "addr=0xbadd000"));
	EXPECT_EQ(1, ifb_trace_count("iommu_fault_bpf_verdict:", "policy=handled"));
	EXPECT_EQ(1, ifb_trace_count("iommu_fault_bpf_response:", "resp=retry"));
	EXPECT_EQ(0, HIST_DELTA(pending_ns_log2));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/* The fast stage is timed for one fault in IOMMU_FAULT_FAST_SAMPLE. */
TEST_F(fault, fast_latency_is_sampled)
{
	const int n = 3 * IOMMU_FAULT_FAST_SAMPLE;

	ASSERT_EQ(0, policy_start(&self->a, "handled", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, n));

	EXPECT_EQ(n, DEV_DELTA(faults[1]));
	EXPECT_EQ(n, DEV_DELTA(responses[1]));
	/* n consecutive sequence numbers hold exactly 3 multiples of 16. */
	EXPECT_EQ(3, HIST_DELTA(fast_ns_log2));
	EXPECT_EQ(0, HIST_DELTA(pending_ns_log2));
	EXPECT_TRACE_AND_SMMU("RESUME=48");
}

TEST_F(fault, invalid_aborts)
{
	ASSERT_EQ(0, policy_start(&self->a, "invalid", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_INVALID;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 3));

	EXPECT_EQ(3, self->a.skel->bss->fast_calls);
	EXPECT_EQ(3, DEV_DELTA(responses[0]));
	EXPECT_EQ(0, DEV_DELTA(responses[1]));
	EXPECT_TRACE_AND_SMMU("RESUME=3");
}

/* NONE from every policy: the stock path answers, once. */
TEST_F(fault, none_falls_through_to_stock)
{
	ASSERT_EQ(0, policy_start(&self->a, "none", NULL, 0, true));
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));

	EXPECT_EQ(1, self->a.skel->bss->fast_calls);
	EXPECT_EQ(1, DEV_DELTA(stock));
	EXPECT_EQ(0, DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/* An unrecoverable fault is shown to the policy and never answered. */
TEST_F(fault, unrecoverable_never_answered)
{
	ASSERT_EQ(0, policy_start(&self->a, "unrec", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	self->f.recoverable = false;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));

	EXPECT_EQ(1, self->a.skel->bss->fast_calls);
	EXPECT_FALSE(self->a.skel->bss->last_flags & IOMMU_FAULT_CTX_RECOVERABLE);
	EXPECT_EQ(1, DEV_DELTA(faults[0]));
	EXPECT_TRACE_AND_SMMU("RESUME=0");
}

/* DEFER: the sleepable op decides from the workqueue, with the scratch. */
TEST_F(fault, defer_then_handled)
{
	int i;

	ASSERT_EQ(0, policy_start(&self->a, "defer", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_DEFER;
	self->a.skel->bss->sleep_verdict = IOMMU_FAULT_STATUS_HANDLED;
	self->a.skel->bss->mark = 0x5a;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	for (i = 0; i < 100 && !DEV_DELTA(responses[1]); i++)
		ifb_msleep(10);

	EXPECT_EQ(1, self->a.skel->bss->sleep_calls);
	EXPECT_EQ(0x5a, self->a.skel->bss->sleep_seen_mark);
	EXPECT_EQ(IOMMU_FAULT_STAGE_SLEEPABLE, self->a.skel->bss->last_stage);
	EXPECT_NE(0, self->a.skel->bss->last_cookie);
	EXPECT_EQ(1, DEV_DELTA(deferred));
	EXPECT_EQ(1, DEV_DELTA(responses[1]));
	EXPECT_EQ(1, HIST_DELTA(pending_ns_log2));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/*
 * Deferred, then IGNORE from the sleepable op: the fault stays pending
 * under the cookie the op saw; one response answers it, a second finds
 * nothing and sends nothing.
 */
TEST_F(fault, ignore_then_respond_once)
{
	struct iommu_fault_ctl_info info;
	__u64 cookie;
	int i;

	ASSERT_EQ(0, policy_start(&self->a, "ignore", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_DEFER;
	self->a.skel->bss->sleep_verdict = IOMMU_FAULT_STATUS_IGNORE;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	for (i = 0; i < 100 && !self->a.skel->bss->sleep_calls; i++)
		ifb_msleep(10);
	cookie = self->a.skel->bss->last_cookie;
	ASSERT_NE(0, cookie);
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(1, info.pool_in_use);
	EXPECT_EQ(0, DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]));

	EXPECT_EQ(-EINVAL, ifb_respond(cookie, IOMMU_FAULT_STATUS_IGNORE));
	EXPECT_EQ(0, ifb_respond(cookie, IOMMU_FAULT_STATUS_HANDLED));
	EXPECT_EQ(-ENOENT, ifb_respond(cookie, IOMMU_FAULT_STATUS_HANDLED));
	EXPECT_EQ(1, DEV_DELTA(responses[1]));
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/*
 * Every field of an injected fault reaches the context, through the
 * record the SMMU's driver wrote for it and decoded again; the raw record
 * is SMMUv3's (its own layout is tested in the glue's KUnit suite).
 */
TEST_F(fault, decode_event_fields)
{
	ASSERT_EQ(0, policy_start(&self->a, "decode", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_INVALID;
	self->f.read = false;
	self->f.exec = true;
	self->f.priv = true;
	self->f.pasid_valid = true;
	self->f.pasid = 0x1234;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));

	EXPECT_EQ(IOMMU_FAULT_CTX_PERM_WRITE | IOMMU_FAULT_CTX_PERM_EXEC |
		  IOMMU_FAULT_CTX_PERM_PRIV, self->a.skel->bss->last_perm);
	EXPECT_EQ(0x1234, self->a.skel->bss->last_pasid);
	EXPECT_EQ(IOMMU_FAULT_CTX_RECOVERABLE | IOMMU_FAULT_CTX_PASID_VALID,
		  self->a.skel->bss->last_flags);
	EXPECT_EQ(IOMMU_FAULT_REASON_TRANSLATION, self->a.skel->bss->last_reason);
	EXPECT_EQ(0x42, self->a.skel->bss->last_grpid);
	EXPECT_EQ(IOMMU_FAULT_RAW_SMMUV3, self->a.skel->bss->last_raw_kind);
	EXPECT_EQ(0x10, self->a.skel->bss->last_event);	/* F_TRANSLATION */
	EXPECT_EQ(1, self->a.skel->bss->last_seq - self->before.faults[1] -
		     self->before.faults[0]);
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/*
 * Every reason injection offers reaches the policy as that reason, with
 * the SMMUv3 event the glue chose; none of these is recoverable.
 */
TEST_F(fault, every_reason_reaches_the_policy)
{
	static const uint32_t reasons[] = {
		IOMMU_FAULT_REASON_ADDR_SIZE, IOMMU_FAULT_REASON_ACCESS,
		IOMMU_FAULT_REASON_PERMISSION, IOMMU_FAULT_REASON_BAD_STREAM,
		IOMMU_FAULT_REASON_BAD_CONTEXT, IOMMU_FAULT_REASON_WALK_ABORT,
		IOMMU_FAULT_REASON_OTHER,
	};
	unsigned int i;

	ASSERT_EQ(0, policy_start(&self->a, "reasons", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_NONE;
	self->f.recoverable = false;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		self->f.reason = reasons[i];
		ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
		EXPECT_EQ(i + 1, self->a.skel->bss->fast_calls);
		EXPECT_EQ(reasons[i], self->a.skel->bss->last_reason);
		EXPECT_EQ(0, self->a.skel->bss->last_flags);
		EXPECT_NE(0, self->a.skel->bss->last_event);
	}
	/* A recoverable bad-stream fault: no SMMU records one. */
	self->f.recoverable = true;
	self->f.reason = IOMMU_FAULT_REASON_BAD_STREAM;
	EXPECT_EQ(-EINVAL, ifb_inject(self->smmu, &self->f, 1));
	EXPECT_TRACE_AND_SMMU("RESUME=0");
}

/* The respond kfunc from a SEC("syscall") program, exactly once. */
TEST_F(fault, respond_from_syscall_program)
{
	struct iommu_fault_ctl_pending_entry e;
	struct {
		__u64 cookie;
		int status;
		int ret;
	} args = { .status = IOMMU_FAULT_STATUS_HANDLED };
	/* Syscall programs write their context back into ctx_in. */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args,
		    .ctx_size_in = sizeof(args));
	uint32_t count, total;
	int fd;

	ASSERT_EQ(0, policy_start(&self->a, "syscall", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_IGNORE;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	ASSERT_EQ(0, ifb_list_pending(&e, 1, &count, &total));
	ASSERT_EQ(1, count);
	args.cookie = e.cookie;
	fd = bpf_program__fd(self->a.skel->progs.respond);
	ASSERT_EQ(0, bpf_prog_test_run_opts(fd, &opts));
	EXPECT_EQ(0, args.ret);
	ASSERT_EQ(0, bpf_prog_test_run_opts(fd, &opts));
	EXPECT_EQ(-ENOENT, args.ret);
	EXPECT_EQ(1, DEV_DELTA(responses[1]));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/*
 * More pending faults than the kernel copies out at once (it copies in
 * chunks, outside its lock): every one listed once, oldest first, and a
 * max far beyond the pool costs nothing (no allocation of max entries).
 */
TEST_F(fault, list_pending_in_chunks)
{
	static struct iommu_fault_ctl_pending_entry e[64];
	uint32_t count, total;
	int i, j;

	ASSERT_EQ(0, policy_start(&self->a, "chunks", self->dev, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_IGNORE;
	self->f.grpid_seq = true;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 10));
	ASSERT_EQ(0, ifb_list_pending(e, 64, &count, &total));
	ASSERT_EQ(10, count);
	EXPECT_EQ(10, total);
	for (i = 1; i < 10; i++) {
		EXPECT_LE(e[i].age_ns, e[i - 1].age_ns);
		for (j = 0; j < i; j++)
			EXPECT_NE(e[j].cookie, e[i].cookie);
	}
	/* 7 of 10: the first 7, the same ones. */
	ASSERT_EQ(0, ifb_list_pending(e + 16, 7, &count, &total));
	EXPECT_EQ(7, count);
	EXPECT_EQ(10, total);
	for (i = 0; i < 7; i++)
		EXPECT_EQ(e[i].cookie, e[16 + i].cookie);
	/* A max of 2^32 - 1 with room for 64: it fills only what is there. */
	ASSERT_EQ(0, ifb_list_pending(e + 16, UINT32_MAX, &count, &total));
	EXPECT_EQ(10, count);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(0, ifb_respond(e[i].cookie, IOMMU_FAULT_STATUS_INVALID));
	EXPECT_EQ(10, DEV_DELTA(responses[0]));
	EXPECT_TRACE_AND_SMMU("RESUME=10");
}

/*
 * Policies are listed by id: one detached between two calls of a listing
 * makes it neither skip the next policy nor see one twice.  Listed by
 * index, the policy after the detached one was skipped.
 */
TEST_F(fault, list_policies_by_id_through_detach)
{
	struct iommu_fault_ctl_policy p;
	struct policy c = { };
	uint32_t id = 0, id_a;
	int fd = ifb_ctl_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, policy_start(&self->a, "list_a", NULL, 0, true));
	ASSERT_EQ(0, policy_start(&self->b, "list_b", NULL, 0, true));
	ASSERT_EQ(0, policy_start(&c, "list_c", NULL, 0, true));
	do {
		ASSERT_EQ(0, ifb_policy_next(fd, id, &p));
		id = p.id;
	} while (strcmp(p.name, "list_a"));
	id_a = p.id;
	/* By its id, exactly. */
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.id = id_a;
	ASSERT_EQ(0, ifb_ctl(IOMMU_FAULT_IOC_POLICY_STATS, &p));
	EXPECT_STREQ("list_a", p.name);

	policy_stop(&self->a);
	ASSERT_EQ(0, ifb_policy_next(fd, id_a, &p));
	EXPECT_STREQ("list_b", p.name);
	ASSERT_EQ(0, ifb_policy_next(fd, p.id, &p));
	EXPECT_STREQ("list_c", p.name);
	EXPECT_GT(p.id, id_a);
	/* The detached one's id names nothing now. */
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.id = id_a;
	EXPECT_EQ(-ENOENT, ifb_ctl(IOMMU_FAULT_IOC_POLICY_STATS, &p));
	policy_stop(&c);
	close(fd);
}

/* Parked faults are listed, oldest first, and answered by cookie. */
TEST_F(fault, list_pending_and_respond)
{
	struct iommu_fault_ctl_pending_entry e[4];
	uint32_t count, total;

	ASSERT_EQ(0, policy_start(&self->a, "lister", self->dev, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_IGNORE;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 3));
	ASSERT_EQ(0, ifb_list_pending(e, 2, &count, &total));
	EXPECT_EQ(2, count);
	EXPECT_EQ(3, total);
	ASSERT_EQ(0, ifb_list_pending(e, 4, &count, &total));
	ASSERT_EQ(3, count);
	EXPECT_STREQ("lister", e[0].policy);
	EXPECT_STREQ(self->dev, e[0].dev);
	EXPECT_EQ(TEST_IOVA, e[0].addr);
	EXPECT_EQ(self->f.sid, e[0].sid);
	EXPECT_EQ(0, e[0].deferred);
	EXPECT_LE(e[1].age_ns, e[0].age_ns);

	EXPECT_EQ(0, ifb_respond(e[0].cookie, IOMMU_FAULT_STATUS_HANDLED));
	EXPECT_EQ(0, ifb_respond(e[1].cookie, IOMMU_FAULT_STATUS_INVALID));
	EXPECT_EQ(0, ifb_respond(e[2].cookie, IOMMU_FAULT_STATUS_HANDLED));
	EXPECT_EQ(-ENOENT, ifb_respond(e[1].cookie, IOMMU_FAULT_STATUS_HANDLED));
	EXPECT_EQ(2, DEV_DELTA(responses[1]));
	EXPECT_EQ(1, DEV_DELTA(responses[0]));
	EXPECT_EQ(3, HIST_DELTA(pending_ns_log2));
	ASSERT_EQ(0, ifb_list_pending(e, 4, &count, &total));
	EXPECT_EQ(0, total);
	EXPECT_TRACE_AND_SMMU("RESUME=3");
}

/* A parked fault nobody answers is aborted at its deadline. */
TEST_F(fault, ignore_times_out)
{
	ASSERT_EQ(0, ifb_set_limits(0, 200));
	ASSERT_EQ(0, policy_start(&self->a, "timeout", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_IGNORE;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 2));
	ifb_msleep(1000);

	EXPECT_EQ(2, DEV_DELTA(timeouts));
	EXPECT_EQ(2, DEV_DELTA(responses[0]));
	EXPECT_TRACE_AND_SMMU("RESUME=2");
}

/* A full pool answers at once, never drops. */
TEST_F(fault, pool_full_aborts_at_once)
{
	ASSERT_EQ(0, ifb_set_limits(4, 0));
	ASSERT_EQ(0, policy_start(&self->a, "pool", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_IGNORE;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 6));

	EXPECT_EQ(4, DEV_DELTA(ignored));
	EXPECT_EQ(2, DEV_DELTA(pool_full));
	EXPECT_EQ(2, DEV_DELTA(responses[0]));
	/* Detach answers the four parked ones. */
	policy_stop(&self->a);
	EXPECT_EQ(6, DEV_DELTA(responses[0]));
	EXPECT_TRACE_AND_SMMU("RESUME=6");
}

/* FAILURE quarantines: later faults are aborted without program time. */
TEST_F(fault, failure_quarantines_until_reset)
{
	ASSERT_EQ(0, policy_start(&self->a, "failure", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_FAILURE;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 3));

	EXPECT_EQ(1, self->a.skel->bss->fast_calls);
	EXPECT_EQ(2, DEV_DELTA(quarantine_drops));
	EXPECT_EQ(3, DEV_DELTA(responses[0]));

	ASSERT_EQ(0, ifb_dev_reset(self->dev));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	EXPECT_EQ(2, self->a.skel->bss->fast_calls);
	EXPECT_EQ(1, DEV_DELTA(responses[1]));
	EXPECT_TRACE_AND_SMMU("RESUME=4");
}

/* Device policies before global ones; lower priority first; scratch shared. */
TEST_F(fault, chain_order)
{
	ASSERT_EQ(0, policy_start(&self->b, "global", NULL, -100, true));
	ASSERT_EQ(0, policy_start(&self->a, "device", self->dev, 100, true));
	self->a.skel->bss->mark = 0x11;
	self->b.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));

	EXPECT_EQ(1, self->a.skel->bss->fast_calls);
	EXPECT_EQ(1, self->b.skel->bss->fast_calls);
	EXPECT_EQ(0, self->a.skel->bss->seen_mark);
	EXPECT_EQ(0x11, self->b.skel->bss->seen_mark);
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/* A stall for a stream ID with no device is answered, once, and counted. */
TEST_F(fault, orphan_stall_answered)
{
	struct iommu_fault_ctl_info before, after;

	ASSERT_EQ(0, ifb_info(&before));
	self->f.sid = 0xfff0;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	ASSERT_EQ(0, ifb_info(&after));
	EXPECT_EQ(before.orphan_stalls + 1, after.orphan_stalls);
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/* Same name twice, and a second link on one map, are refused. */
TEST_F(fault, duplicate_name_and_double_attach_refused)
{
	struct bpf_link *link;

	ASSERT_EQ(0, policy_start(&self->a, "dup", NULL, 0, true));
	EXPECT_NE(0, policy_start(&self->b, "dup", NULL, 0, true));
	EXPECT_EQ(EEXIST, errno);
	link = bpf_map__attach_struct_ops(self->a.skel->maps.policy);
	EXPECT_EQ(NULL, link);
	EXPECT_EQ(EBUSY, errno);
	bpf_link__destroy(link);
	EXPECT_TRACE_AND_SMMU("RESUME=0");
}

/* The sleepable op's verdicts are final, like the fast op's. */
static void deferred_verdict(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fault) *self, int verdict)
{
	ASSERT_EQ(0, policy_start(&self->a, "deferred", NULL, 0, true));
	self->a.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_DEFER;
	self->a.skel->bss->sleep_verdict = verdict;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	WAIT_ANSWERS(1);
	EXPECT_EQ(1, self->a.skel->bss->sleep_calls);
	EXPECT_EQ(1, DEV_DELTA(deferred));
}

TEST_F(fault, defer_then_invalid)
{
	deferred_verdict(_metadata, self, IOMMU_FAULT_STATUS_INVALID);
	EXPECT_EQ(1, DEV_DELTA(responses[0]));
	EXPECT_EQ(1, ifb_trace_count("iommu_fault_bpf_response:", "resp=abort"));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

TEST_F(fault, defer_then_failure_quarantines)
{
	deferred_verdict(_metadata, self, IOMMU_FAULT_STATUS_FAILURE);
	EXPECT_EQ(1, DEV_DELTA(responses[0]));
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	EXPECT_EQ(1, DEV_DELTA(quarantine_drops));
	EXPECT_EQ(1, self->a.skel->bss->fast_calls);
	EXPECT_TRACE_AND_SMMU("RESUME=2");
}

/* NONE from the sleepable op: next policies, then the stock answer. */
TEST_F(fault, defer_then_none_goes_on_to_stock)
{
	deferred_verdict(_metadata, self, IOMMU_FAULT_STATUS_NONE);
	EXPECT_EQ(1, DEV_DELTA(stock));
	EXPECT_EQ(0, DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/* DEFER from the sleepable op would loop: INVALID, counted. */
TEST_F(fault, defer_from_sleepable_is_bad_verdict)
{
	deferred_verdict(_metadata, self, IOMMU_FAULT_STATUS_DEFER);
	EXPECT_EQ(1, DEV_DELTA(responses[0]));
	EXPECT_EQ(1, POLICY_STAT("deferred", bad_verdicts));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

TEST_F(fault, unknown_sleepable_verdict_aborts)
{
	deferred_verdict(_metadata, self, 77);
	EXPECT_EQ(1, DEV_DELTA(responses[0]));
	EXPECT_EQ(1, POLICY_STAT("deferred", bad_verdicts));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/* BPF does not range-check returns: unknown values abort, counted. */
TEST_F(fault, unknown_fast_verdict_aborts)
{
	ASSERT_EQ(0, policy_start(&self->a, "unknown", NULL, 0, true));
	self->a.skel->bss->fast_verdict = -3;
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	EXPECT_EQ(1, DEV_DELTA(responses[0]));
	EXPECT_EQ(1, POLICY_STAT("unknown", bad_verdicts));
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/* DEFER from a policy without a sleepable op: INVALID, counted. */
TEST_F(fault, defer_without_sleepable_op)
{
	struct fast_only *skel = fast_only__open_and_load();
	struct bpf_link *link;

	ASSERT_NE(NULL, skel);
	skel->bss->fast_verdict = IOMMU_FAULT_STATUS_DEFER;
	link = bpf_map__attach_struct_ops(skel->maps.policy);
	ASSERT_NE(NULL, link);
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	EXPECT_EQ(1, skel->bss->fast_calls);
	EXPECT_EQ(1, DEV_DELTA(responses[0]));
	EXPECT_EQ(0, DEV_DELTA(deferred));
	EXPECT_EQ(1, POLICY_STAT("fast_only", bad_verdicts));
	bpf_link__destroy(link);
	fast_only__destroy(skel);
	EXPECT_TRACE_AND_SMMU("RESUME=1");
}

/* On an unrecoverable fault every verdict but NONE is coerced, counted. */
TEST_F(fault, unrecoverable_verdicts_coerced)
{
	static const int verdicts[] = {
		IOMMU_FAULT_STATUS_HANDLED, IOMMU_FAULT_STATUS_INVALID,
		IOMMU_FAULT_STATUS_FAILURE, IOMMU_FAULT_STATUS_IGNORE,
		IOMMU_FAULT_STATUS_DEFER,
	};
	int i;

	ASSERT_EQ(0, policy_start(&self->a, "coerce", NULL, 0, true));
	self->f.recoverable = false;
	for (i = 0; i < 5; i++) {
		self->a.skel->bss->fast_verdict = verdicts[i];
		ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	}
	EXPECT_EQ(5, POLICY_STAT("coerce", unrecoverable_misuse));
	EXPECT_EQ(0, DEV_DELTA(quarantine_drops));
	EXPECT_EQ(0, DEV_DELTA(deferred) + DEV_DELTA(ignored));
	EXPECT_EQ(0, ifb_trace_count("iommu_fault_bpf_response:", NULL));
	EXPECT_TRACE_AND_SMMU("RESUME=0");
}

/*
 * Two deferred faults in flight at once: the first one's sleepable op
 * running, held in edu's populate callback, the second queued behind it
 * (populate_hold runs one work item at a time).  After 5 parked ones:
 * 7 pending in all.
 */
static int hold_two_in_flight(FIXTURE_DATA(fault) *self, struct policy *p)
{
	struct iommu_fault_ctl_info info;
	int i;

	p->skel->bss->fast_verdict = IOMMU_FAULT_STATUS_IGNORE;
	if (ifb_inject(self->smmu, &self->f, 5))
		return -1;
	p->skel->bss->fast_verdict = IOMMU_FAULT_STATUS_DEFER;
	p->skel->bss->sleep_verdict = IOMMU_FAULT_STATUS_HANDLED;
	p->skel->bss->do_populate = 1;
	if (edu_file(self->dev, "domain", "own") ||
	    edu_file(self->dev, "populate_hold", "1"))
		return -1;
	self->f.grpid_seq = true;
	self->f.grpid = 0x100;
	if (ifb_inject(self->smmu, &self->f, 2))
		return -1;
	for (i = 0; i < 200 && edu_held(self->dev) != 1; i++)
		ifb_msleep(10);
	/* Let a second worker start, if the queued one could get one. */
	ifb_msleep(100);
	if (edu_held(self->dev) != 1 || p->skel->bss->sleep_calls != 1 ||
	    ifb_info(&info) || info.pool_in_use != 7)
		return -1;
	return 0;
}

struct in_background {
	pthread_t thread;
	struct bpf_link *link;
	struct bpf_map *map;	/* update to this; NULL: destroy the link */
	int ret;
	volatile int done;
};

static void *background(void *arg)
{
	struct in_background *bg = arg;

	if (bg->map)
		bg->ret = bpf_link__update_map(bg->link, bg->map);
	else
		bg->ret = bpf_link__destroy(bg->link);
	bg->done = 1;
	return NULL;
}

/*
 * Detach while a sleepable op runs and another fault is queued for it:
 * the detach answers all seven at once (the running one is claimed from
 * its worker, whose slot it stays until the op returns), then waits for
 * the running op to return before it does, and nothing is answered again
 * when it does.
 */
TEST_F(fault, detach_with_faults_in_flight)
{
	struct in_background bg = { 0 };
	struct iommu_fault_ctl_info info;

	ASSERT_EQ(0, policy_start(&self->a, "inflight", NULL, 0, true));
	ASSERT_EQ(0, hold_two_in_flight(self, &self->a));

	bg.link = self->a.link;
	self->a.link = NULL;
	ASSERT_EQ(0, pthread_create(&bg.thread, NULL, background, &bg));
	ifb_msleep(300);
	EXPECT_FALSE(bg.done);		/* its op is still running */
	EXPECT_EQ(1, edu_held(self->dev));
	EXPECT_EQ(7, DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]));
	/* Answered, but its slot is the worker's until the op returns. */
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(1, info.pool_in_use);

	ASSERT_EQ(0, edu_file(self->dev, "populate_hold", "0"));
	ASSERT_EQ(0, pthread_join(bg.thread, NULL));
	EXPECT_EQ(0, bg.ret);
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
	ifb_msleep(200);	/* nothing may come after */
	EXPECT_EQ(7, DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]));
	/* All aborted: the running op's HANDLED came after the answer. */
	EXPECT_EQ(0, DEV_DELTA(responses[1]));
	EXPECT_EQ(1, self->a.skel->bss->sleep_calls);
	EXPECT_EQ(0, info.nr_policies);
	EXPECT_TRACE_AND_SMMU("RESUME=7");
}

/*
 * Link update in the same place while a sleepable op of the old policy
 * runs and another fault is queued: the queued one and the parked ones
 * go to the new policy, the running one finishes with the old op, and
 * the update returns only once the old op did.  Each answered once.
 */
TEST_F(fault, replace_with_faults_in_flight)
{
	struct in_background bg = { 0 };
	struct iommu_fault_ctl_info info;

	ASSERT_EQ(0, policy_start(&self->a, "old", NULL, 0, true));
	ASSERT_EQ(0, policy_start(&self->b, "new", NULL, 0, false));
	self->b.skel->bss->fast_verdict = IOMMU_FAULT_STATUS_HANDLED;
	self->b.skel->bss->sleep_verdict = IOMMU_FAULT_STATUS_INVALID;
	ASSERT_EQ(0, hold_two_in_flight(self, &self->a));

	bg.link = self->a.link;
	bg.map = self->b.skel->maps.policy;
	ASSERT_EQ(0, pthread_create(&bg.thread, NULL, background, &bg));
	ifb_msleep(300);
	EXPECT_FALSE(bg.done);		/* the old op is still running */
	EXPECT_EQ(0, DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]));

	ASSERT_EQ(0, edu_file(self->dev, "populate_hold", "0"));
	ASSERT_EQ(0, pthread_join(bg.thread, NULL));
	ASSERT_EQ(0, bg.ret);
	WAIT_ANSWERS(2);
	/* The running one: the old op's HANDLED; the queued one: the new's. */
	EXPECT_EQ(1, self->a.skel->bss->sleep_calls);
	EXPECT_EQ(1, self->b.skel->bss->sleep_calls);
	EXPECT_EQ(1, DEV_DELTA(responses[1]));
	EXPECT_EQ(1, DEV_DELTA(responses[0]));
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(5, info.pool_in_use);
	EXPECT_EQ(1, info.nr_policies);

	/* New faults go to the new policy. */
	ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1));
	EXPECT_EQ(1, self->b.skel->bss->fast_calls);

	/* Its detach answers the five it inherited. */
	bpf_link__destroy(self->a.link);
	self->a.link = NULL;
	EXPECT_EQ(8, DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]));
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
	EXPECT_TRACE_AND_SMMU("RESUME=8");
}

/*
 * 100,000 recoverable faults, every kind of answer mixed (fast verdicts,
 * stock, deferred, parked then answered by kfunc, deadline, bad verdicts,
 * pool full): QEMU sees exactly one CMD_RESUME per fault, and each fault
 * is answered once by the core, with its own stream and stall tag, except
 * those the policy passed to the stock path (seq % 8 == 2), which the core
 * does not answer at all.
 */
#define MIX_FAULTS	100000
TEST_F_TIMEOUT(fault, mixed_100k_exactly_once, 600)
{
	static unsigned char times[MIX_FAULTS];
	unsigned int j, wrong = 0, missing = 0, twice = 0, by_core = 0;
	struct iommu_fault_ctl_info info;
	struct mix_policy *mix;
	struct bpf_link *link;
	__u64 answered, deferred, ignored, timeouts, pool_full, stock, seq0;
	int i, n;

	ASSERT_EQ(0, ifb_write_file(IFB_TRACING "/events/iommu_fault_bpf/enable", "0"));
	ASSERT_EQ(0, ifb_write_file(IFB_TRACING "/events/iommu_fault_bpf/iommu_fault_bpf_response/enable", "1"));
	ASSERT_EQ(0, ifb_write_file(IFB_TRACING "/buffer_size_kb", "32768"));
	ASSERT_EQ(0, ifb_trace_start_keep_events());
	ASSERT_EQ(0, ifb_set_limits(0, 300));
	mix = mix_policy__open_and_load();
	ASSERT_NE(NULL, mix);
	link = bpf_map__attach_struct_ops(mix->maps.policy);
	ASSERT_NE(NULL, link);

	/* Fault j carries stall tag j mod 2^16, as a device numbering them. */
	self->f.grpid_seq = true;
	for (i = 0; i < MIX_FAULTS / 1000; i++) {
		self->f.grpid = (i * 1000) & 0xffff;
		ASSERT_EQ(0, ifb_inject(self->smmu, &self->f, 1000));
	}
	for (i = 0; i < 300; i++) {
		answered = DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]) +
			   DEV_DELTA(stock);
		if (answered >= MIX_FAULTS)
			break;
		ifb_msleep(100);
	}
	ifb_msleep(500);	/* a late duplicate would show up here */
	answered = DEV_DELTA(responses[0]) + DEV_DELTA(responses[1]) +
		   DEV_DELTA(stock);
	EXPECT_EQ(MIX_FAULTS, answered);
	EXPECT_EQ(MIX_FAULTS, DEV_DELTA(faults[1]));
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
	/* (DEV_DELTA uses ASSERT: evaluate outside TH_LOG's expansion.) */
	deferred = DEV_DELTA(deferred);
	ignored = DEV_DELTA(ignored);
	timeouts = DEV_DELTA(timeouts);
	pool_full = DEV_DELTA(pool_full);
	stock = DEV_DELTA(stock);
	TH_LOG("fast %llu sleepable %llu kfunc-answered %llu kfunc-enoent %llu deferred %llu ignored %llu timeouts %llu pool-full %llu stock %llu",
	       (unsigned long long)mix->bss->fast_calls,
	       (unsigned long long)mix->bss->sleep_calls,
	       (unsigned long long)mix->bss->kfunc_answered,
	       (unsigned long long)mix->bss->kfunc_enoent,
	       (unsigned long long)deferred, (unsigned long long)ignored,
	       (unsigned long long)timeouts, (unsigned long long)pool_full,
	       (unsigned long long)stock);
	EXPECT_LT(0, timeouts);
	EXPECT_LT(0, deferred);
	EXPECT_LT(0, mix->bss->kfunc_answered);

	/* Fault by fault: the policy noted the seq of the first one. */
	ASSERT_TRUE(mix->bss->seen_first);
	seq0 = mix->bss->first_seq;
	n = ifb_responses_by_fault(seq0, MIX_FAULTS, self->f.sid, 0, times,
				 &wrong);
	ASSERT_LE(0, n);
	for (j = 0; j < MIX_FAULTS; j++) {
		bool stock_one = (seq0 + j) % 8 == 2;

		by_core += !stock_one;
		if (!stock_one && !times[j])
			missing++;
		if (times[j] > !stock_one)
			twice++;
	}
	TH_LOG("%d resume events: %u faults unanswered, %u answered too often, %u with another stream, tag or seq",
	       n, missing, twice, wrong);
	EXPECT_EQ(by_core, n);
	EXPECT_EQ(MIX_FAULTS - by_core, stock);
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, twice);
	EXPECT_EQ(0, wrong);

	bpf_link__destroy(link);
	mix_policy__destroy(mix);
	ifb_write_file(IFB_TRACING "/buffer_size_kb", "1408");
	ifb_expect_smmu(_metadata->name, "RESUME=%d", MIX_FAULTS);
}

TEST_HARNESS_MAIN
