// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy library (bpf/progs/): each policy does what its header
 * comment says, on real edu DMA faults and stalls injected into the
 * SMMUv3 driver, with QEMU's command trace as the witness of every resume.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb.h"
#include "observe.skel.h"
#include "populate.skel.h"
#include "quarantine.skel.h"
#include "ratelimit.skel.h"
#include "pasid_allow.skel.h"
#include "arbiter.skel.h"

#define UNMAPPED_IOVA	0x0dead000ULL	/* never mapped in edu's domains */
#define WINDOW		0x0c000000ULL	/* populate's window, 1 MiB */
#define PATTERN		"0x600dcafe"

FIXTURE(lib) {
	char dev[64];
	char smmu[64];
	char dbg[PATH_MAX];
	struct bpf_link *link;
	struct iommu_fault_ctl_dev before;
};

FIXTURE_SETUP(lib)
{
	ASSERT_EQ(0, ifb_find_edu(self->dev, sizeof(self->dev)));
	ASSERT_EQ(0, ifb_smmu_of(self->dev, self->smmu, sizeof(self->smmu)));
	snprintf(self->dbg, sizeof(self->dbg), EDU_DEBUGFS "/%s", self->dev);
	self->link = NULL;
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &self->before));
	ifb_mark(_metadata->name);
}

FIXTURE_TEARDOWN(lib)
{
	bpf_link__destroy(self->link);
	ifb_dev_reset(self->dev);
	ifb_mark("-");
}

static int edu_cmd(FIXTURE_DATA(lib) *self, const char *file, const char *cmd)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", self->dbg, file);
	return ifb_write_file(path, cmd);
}

/* A real DMA fault: edu writes to an IOVA nothing maps. */
static int edu_fault(FIXTURE_DATA(lib) *self)
{
	char cmd[64];
	int ret;

	snprintf(cmd, sizeof(cmd), "to_ram 0x%llx 4", UNMAPPED_IOVA);
	ret = edu_cmd(self, "dma", cmd);
	ifb_msleep(100);	/* the event queue thread */
	return ret;
}

/* @count stalls at @addr for edu's stream ID, through the driver. */
static int stall(FIXTURE_DATA(lib) *self, uint64_t addr, uint32_t count,
		 bool pasid_valid, uint32_t pasid)
{
	struct ifb_fault f = {
		.sid = ifb_pci_sid(self->dev), .addr = addr, .recoverable = true,
		.grpid = 1, .grpid_seq = true,
		.pasid_valid = pasid_valid, .pasid = pasid,
	};

	return ifb_inject(self->smmu, &f, count);
}

/* The policy's data fields: its name and the edu device. */
static int aim(struct bpf_object *obj, struct bpf_map *map, const char *dev)
{
	return ifb_ops_set_str(obj, map, "dev", dev);
}

static uint64_t verdicts(const char *name, int stage, int status)
{
	struct iommu_fault_ctl_policy p;

	if (ifb_policy_stats(name, &p))
		return ~0ULL;
	return p.verdicts[stage][status];
}

/* The policies' map values (skeletons carry only their globals). */
struct observe_counts {
	__u64 recoverable, unrecoverable, last_addr, last_seq;
};

struct ratelimit_bucket {
	__u64 tokens_ns, last_ns, passed, limited;
};

#define FAST		IOMMU_FAULT_STAGE_ATOMIC
#define SLEEPABLE	IOMMU_FAULT_STAGE_SLEEPABLE

/* --- observe ----------------------------------------------------------- */

struct ring_count {
	int n;
	int recoverable;
	uint32_t sid;
	uint64_t last_addr;
	uint64_t first_ns, last_ns;	/* the records' timestamps */
};

static int observe_event(void *ctx, void *data, size_t size)
{
	struct ring_count *rc = ctx;
	struct observe_event {
		char dev[IOMMU_FAULT_DEV_LEN];
		uint64_t addr, seq, timestamp;
		uint32_t sid, pasid, flags, perm, reason, event;
	} *e = data;

	rc->n++;
	rc->recoverable += !!(e->flags & IOMMU_FAULT_CTX_RECOVERABLE);
	rc->sid = e->sid;
	rc->last_addr = e->addr;
	if (!rc->first_ns)
		rc->first_ns = e->timestamp;
	rc->last_ns = e->timestamp;
	return 0;
}

TEST_F(lib, observe_sees_all_and_decides_nothing)
{
	struct observe_counts c;
	struct iommu_fault_ctl_dev after;
	struct ring_count rc = {};
	struct ring_buffer *rb;
	struct observe *skel;
	char key[IOMMU_FAULT_DEV_LEN] = {};
	uint64_t start, end;

	skel = observe__open();
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, observe__load(skel));
	self->link = bpf_map__attach_struct_ops(skel->maps.observe);
	ASSERT_NE(NULL, self->link);

	start = ifb_now_ns();
	ASSERT_EQ(0, edu_fault(self));
	ASSERT_EQ(0, stall(self, 0x1000, 3, false, 0));
	end = ifb_now_ns();

	snprintf(key, sizeof(key), "%s", self->dev);
	ASSERT_EQ(0, bpf_map__lookup_elem(skel->maps.counts, key, sizeof(key),
					  &c, sizeof(c), 0));
	EXPECT_EQ(3, c.recoverable);
	EXPECT_EQ(1, c.unrecoverable);
	EXPECT_EQ(0x1000, c.last_addr);
	EXPECT_EQ(4, skel->bss->seen);

	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), observe_event,
			      &rc, NULL);
	ASSERT_NE(NULL, rb);
	EXPECT_EQ(4, ring_buffer__consume(rb));
	ring_buffer__free(rb);
	EXPECT_EQ(4, rc.n);
	EXPECT_EQ(3, rc.recoverable);
	EXPECT_EQ(ifb_pci_sid(self->dev), rc.sid);
	EXPECT_EQ(0x1000, rc.last_addr);
	/* It asks for the time (IOMMU_FAULT_OPS_TIMESTAMP): each has it. */
	EXPECT_LE(start, rc.first_ns);
	EXPECT_LE(rc.first_ns, rc.last_ns);
	EXPECT_GE(end, rc.last_ns);
	EXPECT_EQ(0, skel->bss->dropped);

	/* NONE: the stock path answered the stalls (ABORT). */
	EXPECT_EQ(4, verdicts("observe", FAST, IOMMU_FAULT_STATUS_NONE));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &after));
	EXPECT_EQ(4, after.stock - self->before.stock);
	ifb_expect_smmu(_metadata->name, "EVT_F_TRANSLATION=1 RESUME=3");
	bpf_link__destroy(self->link);
	self->link = NULL;
	observe__destroy(skel);
}

/* --- populate ---------------------------------------------------------- */

static struct populate *populate_attach(FIXTURE_DATA(lib) *self)
{
	struct populate *skel = populate__open();

	if (!skel)
		return NULL;
	skel->data->window_start = WINDOW;
	skel->data->window_end = WINDOW + 0x100000;
	if (aim(skel->obj, skel->maps.populate, self->dev) ||
	    populate__load(skel)) {
		populate__destroy(skel);
		return NULL;
	}
	self->link = bpf_map__attach_struct_ops(skel->maps.populate);
	if (!self->link) {
		populate__destroy(skel);
		return NULL;
	}
	return skel;
}

static void wait_for(volatile __u64 *counter, __u64 want)
{
	int i;

	for (i = 0; i < 300 && *counter < want; i++)
		ifb_msleep(10);
	ifb_msleep(50);
}

TEST_F(lib, populate_maps_the_page_in_its_window)
{
	uint64_t page = WINDOW + 0x3000;
	struct populate *skel;
	char cmd[64], out[256];

	ASSERT_EQ(0, edu_cmd(self, "domain", "own"));
	skel = populate_attach(self);
	ASSERT_NE(NULL, skel);

	/* In the window: deferred, populated, retried. */
	ASSERT_EQ(0, stall(self, page + 0x80, 1, false, 0));
	wait_for(&skel->bss->populated, 1);
	EXPECT_EQ(1, skel->bss->deferred);
	EXPECT_EQ(1, skel->bss->populated);
	EXPECT_EQ(0, skel->bss->bad_scratch);
	EXPECT_EQ(1, verdicts("populate", FAST, IOMMU_FAULT_STATUS_DEFER));
	EXPECT_EQ(1, verdicts("populate", SLEEPABLE, IOMMU_FAULT_STATUS_HANDLED));

	/* Outside: not its business, the stock path aborts it. */
	ASSERT_EQ(0, stall(self, WINDOW + 0x100000, 1, false, 0));
	EXPECT_EQ(1, skel->bss->deferred);
	EXPECT_EQ(1, verdicts("populate", FAST, IOMMU_FAULT_STATUS_NONE));

	/* edu writes the page without a fault; the data is there. */
	ASSERT_EQ(0, edu_cmd(self, "load", PATTERN));
	snprintf(cmd, sizeof(cmd), "to_ram 0x%llx 2048",
		 (unsigned long long)page);
	ASSERT_EQ(0, edu_cmd(self, "dma", cmd));
	snprintf(cmd, sizeof(cmd), "%s/populated", self->dbg);
	ASSERT_LT(0, ifb_read_file(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "addr=0xc003000 match=1"));

	ifb_expect_smmu(_metadata->name, "RESUME=2 EVT_F_TRANSLATION=0");
	bpf_link__destroy(self->link);
	self->link = NULL;
	populate__destroy(skel);
	edu_cmd(self, "domain", "release");
}

TEST_F(lib, populate_without_owner_is_invalid)
{
	struct iommu_fault_ctl_dev after;
	struct populate *skel;

	/* The DMA-API domain has no populate callback: the owner refuses. */
	skel = populate_attach(self);
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, stall(self, WINDOW, 1, false, 0));
	wait_for(&skel->bss->populate_failed, 1);
	EXPECT_EQ(1, skel->bss->populate_failed);
	EXPECT_EQ(-ENOENT, skel->bss->last_error);
	EXPECT_EQ(1, verdicts("populate", SLEEPABLE, IOMMU_FAULT_STATUS_INVALID));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &after));
	EXPECT_EQ(1, after.responses[0] - self->before.responses[0]);
	EXPECT_EQ(0, after.responses[1] - self->before.responses[1]);
	ifb_expect_smmu(_metadata->name, "RESUME=1");
	bpf_link__destroy(self->link);
	self->link = NULL;
	populate__destroy(skel);
}

/* --- quarantine -------------------------------------------------------- */

static struct quarantine *quarantine_attach(FIXTURE_DATA(lib) *self,
					    uint32_t n, uint32_t ms)
{
	struct quarantine *skel = quarantine__open();

	if (!skel)
		return NULL;
	skel->data->max_faults = n;
	skel->data->window_ms = ms;
	if (aim(skel->obj, skel->maps.quarantine, self->dev) ||
	    quarantine__load(skel)) {
		quarantine__destroy(skel);
		return NULL;
	}
	self->link = bpf_map__attach_struct_ops(skel->maps.quarantine);
	if (!self->link) {
		quarantine__destroy(skel);
		return NULL;
	}
	return skel;
}

TEST_F(lib, quarantine_after_n_faults_in_window)
{
	struct iommu_fault_ctl_dev st;
	struct quarantine *skel;

	skel = quarantine_attach(self, 5, 10000);
	ASSERT_NE(NULL, skel);

	/* One real (unrecoverable) fault and three stalls: 4 < 5. */
	ASSERT_EQ(0, edu_fault(self));
	ASSERT_EQ(0, stall(self, 0x2000, 3, false, 0));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &st));
	EXPECT_EQ(0, st.quarantined);
	EXPECT_EQ(4, verdicts("quarantine", FAST, IOMMU_FAULT_STATUS_NONE));

	/* The fifth: FAILURE, the device is cut off. */
	ASSERT_EQ(0, stall(self, 0x2000, 1, false, 0));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &st));
	EXPECT_EQ(1, st.quarantined);
	EXPECT_EQ(1, skel->bss->quarantined);
	EXPECT_EQ(1, verdicts("quarantine", FAST, IOMMU_FAULT_STATUS_FAILURE));

	/* Later faults are aborted without running the policy. */
	ASSERT_EQ(0, stall(self, 0x2000, 2, false, 0));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &st));
	EXPECT_EQ(2, st.quarantine_drops - self->before.quarantine_drops);
	EXPECT_EQ(5, verdicts("quarantine", FAST, IOMMU_FAULT_STATUS_NONE) +
		     verdicts("quarantine", FAST, IOMMU_FAULT_STATUS_FAILURE));

	/* After a reset it takes max_faults again. */
	ASSERT_EQ(0, ifb_dev_reset(self->dev));
	ASSERT_EQ(0, stall(self, 0x2000, 4, false, 0));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &st));
	EXPECT_EQ(0, st.quarantined);
	/* FAILURE and the 2 drops by the core; 7 stalls + 1 real to stock. */
	EXPECT_EQ(3, st.responses[0] - self->before.responses[0]);
	EXPECT_EQ(8, st.stock - self->before.stock);
	ifb_expect_smmu(_metadata->name, "EVT_F_TRANSLATION=1 RESUME=10");
	bpf_link__destroy(self->link);
	self->link = NULL;
	quarantine__destroy(skel);
}

TEST_F(lib, quarantine_window_expires)
{
	struct iommu_fault_ctl_dev st;
	struct quarantine *skel;

	skel = quarantine_attach(self, 5, 300);
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, stall(self, 0x2000, 4, false, 0));
	ifb_msleep(400);
	ASSERT_EQ(0, stall(self, 0x2000, 4, false, 0));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &st));
	EXPECT_EQ(0, st.quarantined);
	EXPECT_EQ(0, skel->bss->quarantined);
	/* ...but not when they come within the window. */
	ASSERT_EQ(0, stall(self, 0x2000, 1, false, 0));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &st));
	EXPECT_EQ(1, st.quarantined);
	ifb_expect_smmu(_metadata->name, "RESUME=9");
	bpf_link__destroy(self->link);
	self->link = NULL;
	quarantine__destroy(skel);
}

/* --- ratelimit --------------------------------------------------------- */

TEST_F(lib, ratelimit_aborts_over_budget)
{
	struct ratelimit_bucket b;
	struct ratelimit *skel;
	char key[IOMMU_FAULT_DEV_LEN] = {};

	skel = ratelimit__open();
	ASSERT_NE(NULL, skel);
	skel->data->rate = 1;
	skel->data->burst = 3;
	ASSERT_EQ(0, aim(skel->obj, skel->maps.ratelimit, self->dev));
	ASSERT_EQ(0, ratelimit__load(skel));
	self->link = bpf_map__attach_struct_ops(skel->maps.ratelimit);
	ASSERT_NE(NULL, self->link);

	/* A burst of 3, then 1 per second: 10 at once, 7 over budget. */
	ASSERT_EQ(0, stall(self, 0x3000, 10, false, 0));
	/* Unrecoverable faults take no token and are not limited. */
	ASSERT_EQ(0, edu_fault(self));
	EXPECT_EQ(7, skel->bss->limited);
	EXPECT_EQ(7, verdicts("ratelimit", FAST, IOMMU_FAULT_STATUS_INVALID));
	EXPECT_EQ(4, verdicts("ratelimit", FAST, IOMMU_FAULT_STATUS_NONE));
	snprintf(key, sizeof(key), "%s", self->dev);
	ASSERT_EQ(0, bpf_map__lookup_elem(skel->maps.buckets, key, sizeof(key),
					  &b, sizeof(b), 0));
	EXPECT_EQ(3, b.passed);
	EXPECT_EQ(7, b.limited);

	/* A token comes back after a second. */
	ifb_msleep(1100);
	ASSERT_EQ(0, stall(self, 0x3000, 2, false, 0));
	EXPECT_EQ(8, skel->bss->limited);
	ifb_expect_smmu(_metadata->name, "EVT_F_TRANSLATION=1 RESUME=12");
	bpf_link__destroy(self->link);
	self->link = NULL;
	ratelimit__destroy(skel);
}

/* --- pasid_allow ------------------------------------------------------- */

TEST_F(lib, pasid_allow_aborts_unlisted_pasids)
{
	struct { char dev[IOMMU_FAULT_DEV_LEN]; uint32_t pasid; } k = {};
	struct pasid_allow *skel;
	uint64_t denied = 0;
	uint8_t yes = 1;

	skel = pasid_allow__open();
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, aim(skel->obj, skel->maps.pasid_allow, self->dev));
	ASSERT_EQ(0, pasid_allow__load(skel));
	snprintf(k.dev, sizeof(k.dev), "%s", self->dev);
	k.pasid = 5;
	ASSERT_EQ(0, bpf_map__update_elem(skel->maps.allowed, &k, sizeof(k),
					  &yes, 1, 0));
	self->link = bpf_map__attach_struct_ops(skel->maps.pasid_allow);
	ASSERT_NE(NULL, self->link);

	ASSERT_EQ(0, stall(self, 0x4000, 1, true, 5));	/* allowed */
	ASSERT_EQ(0, stall(self, 0x4000, 2, true, 6));	/* not listed */
	ASSERT_EQ(0, stall(self, 0x4000, 1, false, 0));	/* no PASID */
	EXPECT_EQ(2, verdicts("pasid_allow", FAST, IOMMU_FAULT_STATUS_NONE));
	EXPECT_EQ(2, verdicts("pasid_allow", FAST, IOMMU_FAULT_STATUS_INVALID));
	ASSERT_EQ(0, bpf_map__lookup_elem(skel->maps.denied, k.dev,
					  sizeof(k.dev), &denied,
					  sizeof(denied), 0));
	EXPECT_EQ(2, denied);

	/* The list may change at run time. */
	k.pasid = 6;
	ASSERT_EQ(0, bpf_map__update_elem(skel->maps.allowed, &k, sizeof(k),
					  &yes, 1, 0));
	ASSERT_EQ(0, stall(self, 0x4000, 1, true, 6));
	EXPECT_EQ(3, verdicts("pasid_allow", FAST, IOMMU_FAULT_STATUS_NONE));
	ifb_expect_smmu(_metadata->name, "RESUME=5");
	bpf_link__destroy(self->link);
	self->link = NULL;
	pasid_allow__destroy(skel);
}

/* --- arbiter ----------------------------------------------------------- */

TEST_F(lib, arbiter_leaves_the_answer_to_user_space)
{
	struct iommu_fault_ctl_pending_entry e[8];
	struct iommu_fault_ctl_dev after;
	struct iommu_fault_ctl_info info;
	struct arbiter *skel;
	uint32_t n, total, i;

	ASSERT_EQ(0, ifb_set_limits(0, 500));
	skel = arbiter__open();
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, aim(skel->obj, skel->maps.arbiter, self->dev));
	ASSERT_EQ(0, arbiter__load(skel));
	self->link = bpf_map__attach_struct_ops(skel->maps.arbiter);
	ASSERT_NE(NULL, self->link);

	ASSERT_EQ(0, edu_fault(self));		/* unrecoverable: passes */
	ASSERT_EQ(0, stall(self, 0x5000, 3, false, 0));
	EXPECT_EQ(3, skel->bss->parked);
	ASSERT_EQ(0, ifb_list_pending(e, 8, &n, &total));
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++)
		EXPECT_STREQ("arbiter", e[i].policy);

	/* User space answers two; the third waits for the deadline. */
	EXPECT_EQ(0, ifb_respond(e[0].cookie, IOMMU_FAULT_STATUS_HANDLED));
	EXPECT_EQ(0, ifb_respond(e[1].cookie, IOMMU_FAULT_STATUS_INVALID));
	ifb_msleep(1000);
	EXPECT_EQ(-ENOENT, ifb_respond(e[2].cookie, IOMMU_FAULT_STATUS_HANDLED));
	ASSERT_EQ(0, ifb_dev_stats(self->dev, &after));
	EXPECT_EQ(1, after.timeouts - self->before.timeouts);
	EXPECT_EQ(1, after.responses[1] - self->before.responses[1]);
	EXPECT_EQ(2, after.responses[0] - self->before.responses[0]);
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
	ifb_expect_smmu(_metadata->name, "EVT_F_TRANSLATION=1 RESUME=3");
	ifb_set_limits(0, 1000);
	bpf_link__destroy(self->link);
	self->link = NULL;
	arbiter__destroy(skel);
}

TEST_HARNESS_MAIN
