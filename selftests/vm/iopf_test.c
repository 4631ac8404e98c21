// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page requests through io-pgfault, from iommufd's selftest mock IOMMU:
 * a BPF policy decides each with every status, and each decision is the
 * mock's one page_response call (counted by fentry on it, with its group
 * and code); what the policies pass on (NONE) reaches iommufd's fault
 * queue, as it would a VMM, and is answered from there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb_mock.h"
#include "ifb.h"
#include "mock_responses.skel.h"
#include "test_policy.skel.h"

#define GRPID	7
#define ADDR	0x10000ULL

FIXTURE(mock) {
	struct ifb_mock m;
	struct mock_responses *rec;
	struct test_policy *pol;
	struct bpf_link *link;
};

FIXTURE_SETUP(mock)
{
	ASSERT_EQ(0, ifb_mock_open(&self->m));
	self->rec = mock_responses__open_and_load();
	ASSERT_NE(NULL, self->rec);
	ASSERT_EQ(0, mock_responses__attach(self->rec));
	ifb_mark(_metadata->name);
}

FIXTURE_TEARDOWN(mock)
{
	ifb_mark("-");
	bpf_link__destroy(self->link);
	test_policy__destroy(self->pol);
	mock_responses__destroy(self->rec);
	ifb_mock_close(&self->m);
}

/* A policy bound to the mock device, with these verdicts. */
static int attach_policy(struct _test_data_mock *self, int fast, int sleep)
{
	struct test_policy *s = test_policy__open();

	if (!s || ifb_ops_set_str(s->obj, s->maps.policy, "dev", self->m.dev) ||
	    test_policy__load(s)) {
		test_policy__destroy(s);
		return -1;
	}
	s->bss->fast_verdict = fast;
	s->bss->sleep_verdict = sleep;
	self->link = bpf_map__attach_struct_ops(s->maps.policy);
	self->pol = s;
	return self->link ? 0 : -1;
}

static uint32_t responses(struct _test_data_mock *self)
{
	return __atomic_load_n(&self->rec->bss->n_responses, __ATOMIC_ACQUIRE);
}

/* Until @n responses reached the mock, for up to 2 s. */
static uint32_t wait_responses(struct _test_data_mock *self, uint32_t n)
{
	int i;

	for (i = 0; i < 2000 && responses(self) < n; i++)
		usleep(1000);
	return responses(self);
}

/* Until the fault queue holds a fault, for up to 2 s: how many it read. */
static int wait_queued(struct _test_data_mock *self, struct iommu_hwpt_pgfault *f)
{
	int i, n = 0;

	for (i = 0; i < 2000 && !n; i++) {
		n = ifb_mock_read(&self->m, f, 4);
		if (!n)
			usleep(1000);
	}
	return n;
}

/*
 * Response @i reached the mock for group @grpid with @code (the kernel's
 * codes are iommufd's: iommufd/fault.c asserts it).
 */
#define EXPECT_RESPONSE(i, grpid_, code_) do {				\
	EXPECT_EQ(grpid_, self->rec->bss->grpids[i]);			\
	EXPECT_EQ(code_, self->rec->bss->codes[i]);			\
} while (0)

/* What the policy saw: the page request, in io-pgfault's words. */
TEST_F(mock, handled_answers_success_once)
{
	struct iommu_hwpt_pgfault f[4];

	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_HANDLED, 0));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 5, GRPID, ADDR));
	EXPECT_EQ(1, self->pol->bss->fast_calls);
	EXPECT_EQ(ADDR, self->pol->bss->last_addr);
	EXPECT_EQ(GRPID, self->pol->bss->last_grpid);
	EXPECT_EQ(5, self->pol->bss->last_pasid);
	EXPECT_EQ(IOMMU_FAULT_CTX_RECOVERABLE | IOMMU_FAULT_CTX_PASID_VALID,
		  self->pol->bss->last_flags);
	EXPECT_EQ(IOMMU_FAULT_CTX_PERM_READ | IOMMU_FAULT_CTX_PERM_WRITE,
		  self->pol->bss->last_perm);
	EXPECT_EQ(IOMMU_FAULT_REASON_PAGE_REQUEST, self->pol->bss->last_reason);
	EXPECT_EQ(IOMMU_FAULT_RAW_NONE, self->pol->bss->last_raw_kind);
	ASSERT_EQ(1, responses(self));
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_SUCCESS);
	EXPECT_EQ(5, self->rec->bss->pasids[0]);
	/* Decided by the policy: iommufd's queue never sees it. */
	EXPECT_EQ(0, ifb_mock_read(&self->m, f, 4));
}

TEST_F(mock, invalid_answers_invalid_once)
{
	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_INVALID, 0));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID, ADDR));
	ASSERT_EQ(1, responses(self));
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_INVALID);
	EXPECT_EQ(IOMMU_FAULT_CTX_RECOVERABLE, self->pol->bss->last_flags);
}

/*
 * FAILURE quarantines the device in software and sends INVALID, not PCI's
 * Response Failure; the next request is aborted without the policy.
 */
TEST_F(mock, failure_quarantines_and_sends_invalid)
{
	struct iommu_fault_ctl_dev st;

	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_FAILURE, 0));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID, ADDR));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID + 1, ADDR));
	EXPECT_EQ(1, self->pol->bss->fast_calls);
	ASSERT_EQ(2, responses(self));
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_INVALID);
	EXPECT_RESPONSE(1, GRPID + 1, IOMMUFD_PAGE_RESP_INVALID);
	ASSERT_EQ(0, ifb_dev_stats(self->m.dev, &st));
	EXPECT_TRUE(st.quarantined);
	EXPECT_EQ(1, st.quarantine_drops);
	EXPECT_EQ(0, ifb_dev_reset(self->m.dev));
}

/* IGNORE: pending, listed, answered later by `faultctl fault respond`. */
TEST_F(mock, ignored_answered_by_faultctl)
{
	struct iommu_fault_ctl_pending_entry e[4];
	uint32_t n, total;
	char cmd[128];

	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_IGNORE, 0));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID, ADDR));
	EXPECT_EQ(0, responses(self));
	ASSERT_EQ(0, ifb_list_pending(e, 4, &n, &total));
	ASSERT_EQ(1, n);
	EXPECT_STREQ(self->m.dev, e[0].dev);
	snprintf(cmd, sizeof(cmd), "faultctl fault respond %llu handled",
		 (unsigned long long)e[0].cookie);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(1, responses(self));
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_SUCCESS);
	ASSERT_EQ(0, ifb_list_pending(e, 4, &n, &total));
	EXPECT_EQ(0, n);
}

TEST_F(mock, deferred_to_the_sleepable_op)
{
	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_DEFER,
				   IOMMU_FAULT_STATUS_HANDLED));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID, ADDR));
	ASSERT_EQ(1, wait_responses(self, 1));
	EXPECT_EQ(1, self->pol->bss->sleep_calls);
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_SUCCESS);
	usleep(50000);
	EXPECT_EQ(1, responses(self));
}

/* NONE: io-pgfault's own handling, iommufd's queue; answered from it. */
TEST_F(mock, none_goes_to_the_fault_queue)
{
	struct iommu_hwpt_pgfault f[4];

	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_NONE, 0));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID, ADDR));
	EXPECT_EQ(1, self->pol->bss->fast_calls);
	ASSERT_EQ(1, ifb_mock_read(&self->m, f, 4));
	EXPECT_EQ(GRPID, f[0].grpid);
	EXPECT_EQ(ADDR, f[0].addr);
	EXPECT_EQ(self->m.idev_id, f[0].dev_id);
	EXPECT_EQ(0, responses(self));
	ASSERT_EQ(0, ifb_mock_respond(&self->m, f[0].cookie,
				      IOMMUFD_PAGE_RESP_SUCCESS));
	ASSERT_EQ(1, responses(self));
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_SUCCESS);
}

/* Deferred, then NONE: handed to iommufd's queue from the worker. */
TEST_F(mock, deferred_none_goes_to_the_fault_queue)
{
	struct iommu_hwpt_pgfault f[4];

	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_DEFER,
				   IOMMU_FAULT_STATUS_NONE));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID, ADDR));
	ASSERT_EQ(1, wait_queued(self, f));
	EXPECT_EQ(GRPID, f[0].grpid);
	EXPECT_EQ(1, self->pol->bss->sleep_calls);
	EXPECT_EQ(0, responses(self));
	ASSERT_EQ(0, ifb_mock_respond(&self->m, f[0].cookie,
				      IOMMUFD_PAGE_RESP_INVALID));
	ASSERT_EQ(1, responses(self));
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_INVALID);
}

/* Nothing attached: the stock path, iommufd's queue. */
TEST_F(mock, nothing_attached_is_stock)
{
	struct iommu_hwpt_pgfault f[4];

	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID, ADDR));
	ASSERT_EQ(1, ifb_mock_read(&self->m, f, 4));
	ASSERT_EQ(0, ifb_mock_respond(&self->m, f[0].cookie,
				      IOMMUFD_PAGE_RESP_SUCCESS));
	ASSERT_EQ(1, responses(self));
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_SUCCESS);
}

/*
 * Turning the device's IOPF off (its domain replaced by one without a
 * fault queue) answers what the policies keep pending for it, once.
 */
TEST_F(mock, iopf_off_answers_what_is_pending)
{
	struct iommu_fault_ctl_pending_entry e[4];
	struct iommu_fault_ctl_dev st;
	uint32_t n, total;

	ASSERT_EQ(0, attach_policy(self, IOMMU_FAULT_STATUS_IGNORE, 0));
	ASSERT_EQ(0, ifb_mock_trigger(&self->m, 0, GRPID, ADDR));
	ASSERT_EQ(0, ifb_list_pending(e, 4, &n, &total));
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, responses(self));
	ASSERT_EQ(0, ifb_mock_attach(&self->m, false));
	ASSERT_EQ(1, responses(self));
	EXPECT_RESPONSE(0, GRPID, IOMMUFD_PAGE_RESP_INVALID);
	ASSERT_EQ(0, ifb_list_pending(e, 4, &n, &total));
	EXPECT_EQ(0, n);
	EXPECT_EQ(-ENOENT, ifb_respond(e[0].cookie, IOMMU_FAULT_STATUS_HANDLED));
	EXPECT_EQ(1, responses(self));
	/* IOPF off is not removal: the device stays, with its counters. */
	ASSERT_EQ(0, ifb_dev_stats(self->m.dev, &st));
	EXPECT_EQ(1, st.faults[1]);
	EXPECT_EQ(1, st.responses[0]);
}

/*
 * The IOMMU core added the mock's device (its driver reports no faults
 * itself) at its probe, not with its IOPF: it is there with IOPF off,
 * named with its IOMMU's kind.
 */
TEST_F(mock, device_added_at_probe_names_its_iommu)
{
	struct iommu_fault_ctl_dev st;

	ASSERT_EQ(0, ifb_mock_attach(&self->m, false));
	ASSERT_EQ(0, ifb_dev_stats(self->m.dev, &st));
	EXPECT_STREQ("iommufd_selftest_iommu", st.iommu_kind);
	EXPECT_STREQ("iommufd_selftest_iommu.0", st.iommu);
}

TEST_HARNESS_MAIN
