// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iommu_fault against random input: a seeded, reproducible run of
 * IFB_FUZZ_CALLS ioctls (default 100,000) with random commands, sizes,
 * flags, reserved fields, strings, numbers and pointers.  After it the
 * limits (restored where a call validly changed them), the policies, every
 * device's counters and the pending list are what they were before, and
 * the host checks the kernel log for splats.
 *
 * Reproduce a run: IFB_FUZZ_SEED=<seed printed> ctl_fuzz_test.
 *
 * Real device and IOMMU names are offered to the read-only commands
 * only: an injection on a real device is a valid request that changes
 * counters, not input the device must refuse.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"

#define FUZZ_CALLS	100000
#define BUF_SIZE	(64 * 1024)
#define ARG_SIZE	2048	/* more than the largest argument + 64 */

static uint64_t rng_state;

/* xorshift64*: the same seed, the same run. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint32_t pick(uint32_t n)
{
	return rnd() % n;
}

static const struct {
	unsigned long cmd;
	uint32_t size;
	bool writes_state;	/* a valid call changes state: no real names */
} cmds[] = {
	{ IOMMU_FAULT_IOC_INFO, sizeof(struct iommu_fault_ctl_info), false },
	{ IOMMU_FAULT_IOC_INJECT, sizeof(struct iommu_fault_ctl_inject), true },
	{ IOMMU_FAULT_IOC_RESPOND, sizeof(struct iommu_fault_ctl_respond), false },
	{ IOMMU_FAULT_IOC_SET_LIMITS, sizeof(struct iommu_fault_ctl_limits), false },
	{ IOMMU_FAULT_IOC_RESET_DEV, sizeof(struct iommu_fault_ctl_dev), false },
	{ IOMMU_FAULT_IOC_DEV_STATS, sizeof(struct iommu_fault_ctl_dev), false },
	{ IOMMU_FAULT_IOC_POLICY_STATS, sizeof(struct iommu_fault_ctl_policy), false },
	{ IOMMU_FAULT_IOC_LIST_PENDING, sizeof(struct iommu_fault_ctl_pending), false },
};

/* Names: random bytes, unterminated runs, or (read-only calls) real ones. */
static void fuzz_name(char *s, size_t len, bool real_ok,
		      const char *dev, const char *smmu)
{
	size_t i, n;

	switch (pick(real_ok ? 5 : 3)) {
	case 0:
		memset(s, 0, len);
		break;
	case 1:		/* no NUL at all */
		for (i = 0; i < len; i++)
			s[i] = 1 + pick(255);
		break;
	case 2:
		n = pick(len);
		for (i = 0; i < n; i++)
			s[i] = 1 + pick(255);
		memset(s + n, 0, len - n);
		break;
	case 3:
		snprintf(s, len, "%s", dev);
		break;
	default:
		snprintf(s, len, "%s", smmu);
		break;
	}
}

/* A u32 from the edges more often than not. */
static uint32_t fuzz_u32(void)
{
	static const uint32_t edge[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 64, 4095, 4096, 4097, 65536,
		IOMMU_FAULT_INJECT_COUNT_MAX, IOMMU_FAULT_INJECT_COUNT_MAX + 1,
		0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	};

	return pick(3) ? edge[pick(sizeof(edge) / sizeof(edge[0]))] : rnd();
}

/* User pointers: none, ours, ours misaligned or at the edge, or wild. */
static uint64_t fuzz_ptr(char *buf)
{
	switch (pick(6)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)buf;
	case 2:
		return (uintptr_t)buf + pick(BUF_SIZE);
	case 3:
		return (uintptr_t)buf + BUF_SIZE - pick(64);	/* guard page */
	case 4:
		return 0xffff000000000000ULL | rnd();		/* kernel */
	default:
		return rnd();
	}
}

/* Fill @arg for command @c: a plausible start, then random damage. */
static void fuzz_arg(int c, void *arg, char *buf, const char *dev,
		     const char *smmu)
{
	bool real_ok = !cmds[c].writes_state;
	uint32_t *w = arg;
	uint32_t i, size = cmds[c].size;

	memset(arg, 0, ARG_SIZE);
	if (pick(4) == 0)	/* garbage everywhere */
		for (i = 0; i < ARG_SIZE / 4; i++)
			w[i] = rnd();

	switch (cmds[c].cmd) {
	case IOMMU_FAULT_IOC_INJECT: {
		struct iommu_fault_ctl_inject *in = arg;

		fuzz_name(in->iommu, sizeof(in->iommu), false, dev, smmu);
		in->count = fuzz_u32();
		in->sid = fuzz_u32();
		in->addr = (uint64_t)rnd() << 32 | rnd();
		in->pasid = fuzz_u32();
		in->fault_flags = pick(2) ? pick(4) : fuzz_u32();
		in->perm = pick(2) ? pick(16) : fuzz_u32();
		in->reason = pick(2) ? pick(__IOMMU_FAULT_REASON_MAX + 2) :
				       fuzz_u32();
		in->grpid = fuzz_u32();
		break;
	}
	case IOMMU_FAULT_IOC_RESPOND: {
		struct iommu_fault_ctl_respond *r = arg;

		r->cookie = pick(2) ? rnd() : fuzz_u32();
		r->status = pick(2) ? pick(8) : fuzz_u32();
		break;
	}
	case IOMMU_FAULT_IOC_SET_LIMITS: {
		struct iommu_fault_ctl_limits *l = arg;

		l->pool_size = fuzz_u32();
		/*
		 * A valid size reallocates the pool: 20 us a slot on this
		 * kernel.  Mostly small ones, so the run stays short.
		 */
		if (l->pool_size > 64 && l->pool_size <= 65536 && pick(16))
			l->pool_size = pick(65);
		l->deadline_ms = fuzz_u32();
		break;
	}
	case IOMMU_FAULT_IOC_RESET_DEV:
	case IOMMU_FAULT_IOC_DEV_STATS: {
		struct iommu_fault_ctl_dev *d = arg;

		fuzz_name(d->dev, sizeof(d->dev), real_ok, dev, smmu);
		d->id = pick(2) ? pick(4) : fuzz_u32();
		break;
	}
	case IOMMU_FAULT_IOC_POLICY_STATS: {
		struct iommu_fault_ctl_policy *p = arg;

		fuzz_name(p->name, sizeof(p->name), real_ok, dev, smmu);
		p->id = pick(2) ? pick(4) : fuzz_u32();
		break;
	}
	case IOMMU_FAULT_IOC_LIST_PENDING: {
		struct iommu_fault_ctl_pending *lp = arg;

		lp->max = fuzz_u32();
		lp->entries = fuzz_ptr(buf);
		break;
	}
	}

	/* The header: size, flags, and reserved or trailing bytes. */
	switch (pick(8)) {
	case 0:
		w[0] = fuzz_u32();
		break;
	case 1:
		w[0] = size + 8 * (1 + pick(8));	/* a newer caller */
		if (pick(2))
			((char *)arg)[size + pick(w[0] - size)] = 1 + pick(255);
		break;
	case 2:
		w[0] = size - 4 * (1 + pick(size / 4 - 1));
		break;
	default:
		w[0] = size;
	}
	if (pick(4) == 0)
		w[1] = pick(2) ? 1u << pick(32) : rnd();
	else
		w[1] = 0;
	if (pick(8) == 0)	/* some word, a reserved one or not */
		w[2 + pick(size / 4 - 2)] = rnd();
}

struct snapshot {
	struct iommu_fault_ctl_info info;
	struct iommu_fault_ctl_dev dev[8];
	int nr_dev;
	struct iommu_fault_ctl_policy policy[8];
	int nr_policy;
};

static void take_snapshot(struct snapshot *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	ifb_info(&s->info);
	for (i = 0; i < 8; i++) {
		struct iommu_fault_ctl_dev *d = &s->dev[i];

		d->size = sizeof(*d);
		d->flags = IOMMU_FAULT_CTL_DEV_NEXT;
		d->id = i ? s->dev[i - 1].id : 0;
		if (ifb_ctl(IOMMU_FAULT_IOC_DEV_STATS, d))
			break;
	}
	s->nr_dev = i;
	for (i = 0; i < 8; i++) {
		struct iommu_fault_ctl_policy *p = &s->policy[i];

		p->size = sizeof(*p);
		p->flags = IOMMU_FAULT_CTL_POLICY_NEXT;
		p->id = i ? s->policy[i - 1].id : 0;
		if (ifb_ctl(IOMMU_FAULT_IOC_POLICY_STATS, p))
			break;
	}
	s->nr_policy = i;
}

FIXTURE(fuzz) {};
FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

TEST_F_TIMEOUT(fuzz, random_ioctls_change_nothing, 600)
{
	const char *seed_env = getenv("IFB_FUZZ_SEED");
	const char *calls_env = getenv("IFB_FUZZ_CALLS");
	long calls = calls_env ? atol(calls_env) : FUZZ_CALLS;
	static char arg_mem[ARG_SIZE] __attribute__((aligned(8)));
	struct iommu_fault_ctl_pending_entry e;
	struct snapshot before, after;
	unsigned int errs[160] = { 0 }, ok = 0;
	char dev[64], smmu[64], *buf;
	uint32_t count, total;
	int fd, i, c;
	long n;

	rng_state = seed_env ? strtoull(seed_env, NULL, 0) : 0x1f2e3d4c5b6a7988ULL;
	if (!rng_state)
		rng_state = 1;
	TH_LOG("seed 0x%llx, %ld calls", (unsigned long long)rng_state, calls);
	ASSERT_EQ(0, ifb_find_edu(dev, sizeof(dev)));
	ASSERT_EQ(0, ifb_smmu_of(dev, smmu, sizeof(smmu)));
	/* A buffer with an inaccessible page after it. */
	buf = mmap(NULL, BUF_SIZE + 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, mprotect(buf + BUF_SIZE, 4096, PROT_NONE));
	take_snapshot(&before);
	ASSERT_EQ(0, before.info.pool_in_use);
	fd = ifb_ctl_open();
	ASSERT_LE(0, fd);

	for (n = 0; n < calls; n++) {
		unsigned long cmd;
		void *arg;

		c = pick(sizeof(cmds) / sizeof(cmds[0]));
		fuzz_arg(c, arg_mem, buf, dev, smmu);
		cmd = cmds[c].cmd;
		arg = arg_mem;
		switch (pick(20)) {
		case 0:		/* an unknown command of ours */
			cmd = _IO(IOMMU_FAULT_IOC_TYPE, 9 + pick(247));
			break;
		case 1:		/* or with direction and size bits */
			cmd = cmd | (unsigned long)pick(4) << 30 |
			      (unsigned long)pick(1 << 14) << 16;
			break;
		case 2:		/* a bad argument pointer */
			arg = (void *)(uintptr_t)fuzz_ptr(buf);
			break;
		}
		if (ioctl(fd, cmd, arg) == 0)
			ok++;
		else
			errs[errno < 160 ? errno : 0]++;
	}
	close(fd);

	/* Put back the limits a valid SET_LIMITS changed. */
	ASSERT_EQ(0, ifb_set_limits(before.info.pool_size,
				    before.info.deadline_ms));
	take_snapshot(&after);
	TH_LOG("%u calls succeeded; errno counts:", ok);
	for (i = 0; i < 160; i++)
		if (errs[i])
			TH_LOG("  %s: %u", i ? strerror(i) : "other", errs[i]);

	EXPECT_EQ(0, memcmp(&before.info, &after.info, sizeof(before.info)));
	ASSERT_EQ(before.nr_dev, after.nr_dev);
	for (i = 0; i < before.nr_dev; i++)
		EXPECT_EQ(0, memcmp(&before.dev[i], &after.dev[i],
				    sizeof(before.dev[i])))
			TH_LOG("device %s changed", before.dev[i].dev);
	ASSERT_EQ(before.nr_policy, after.nr_policy);
	for (i = 0; i < before.nr_policy; i++)
		EXPECT_EQ(0, memcmp(&before.policy[i], &after.policy[i],
				    sizeof(before.policy[i])));
	ASSERT_EQ(0, ifb_list_pending(&e, 1, &count, &total));
	EXPECT_EQ(0, count);
	EXPECT_EQ(0, total);
	munmap(buf, BUF_SIZE + 4096);
}

TEST_HARNESS_MAIN
