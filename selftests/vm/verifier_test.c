// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policies the kernel must refuse, each with the message or errno that
 * tells its author why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb.h"
#include "ifb_test_util.h"
#include "neg_license.skel.h"
#include "neg_no_fault.skel.h"
#include "neg_other_struct_ops.skel.h"
#include "neg_sleepable_fault.skel.h"
#include "neg_sleepable_kfunc.skel.h"
#include "neg_write_ctx.skel.h"
#include "test_policy.skel.h"

/* Everything libbpf printed, verifier logs included. */
static char libbpf_log[1 << 16];
static size_t libbpf_log_len;

static int capture(enum libbpf_print_level level, const char *fmt,
		   va_list args)
{
	int n = vsnprintf(libbpf_log + libbpf_log_len,
			  sizeof(libbpf_log) - libbpf_log_len, fmt, args);

	if (n > 0)
		libbpf_log_len = libbpf_log_len + n < sizeof(libbpf_log) ?
				 libbpf_log_len + n : sizeof(libbpf_log) - 1;
	return 0;
}

static void log_reset(void)
{
	libbpf_log_len = 0;
	libbpf_log[0] = '\0';
	libbpf_set_print(capture);
}

/* Load must fail with @msg in the verifier log. */
#define EXPECT_LOAD_FAILS(skel_name, msg) do {				\
	struct skel_name *__s;						\
	log_reset();							\
	__s = skel_name##__open_and_load();				\
	EXPECT_EQ(NULL, __s);						\
	EXPECT_NE(NULL, strstr(libbpf_log, msg))			\
		TH_LOG("no \"%s\" in:\n%s", msg, libbpf_log);		\
	skel_name##__destroy(__s);					\
} while (0)

TEST(sleepable_program_in_fault)
{
	EXPECT_LOAD_FAILS(neg_sleepable_fault,
			  "attach to unsupported member fault of struct iommu_fault_ops");
}

TEST(sleepable_kfunc_from_fault)
{
	EXPECT_LOAD_FAILS(neg_sleepable_kfunc,
			  "program must be sleepable to call sleepable kfunc bpf_iommu_fault_populate");
}

TEST(write_outside_scratch)
{
	EXPECT_LOAD_FAILS(neg_write_ctx,
			  "to read-only part of iommu_fault_ctx: only scratch is writable");
}

TEST(non_gpl_program)
{
	EXPECT_LOAD_FAILS(neg_license,
			  "struct ops programs must have a GPL compatible license");
}

TEST(kfunc_from_another_struct_ops)
{
	EXPECT_LOAD_FAILS(neg_other_struct_ops,
			  "calling kernel function bpf_iommu_fault_respond is not allowed");
}

/*
 * No fast op: the struct is refused (validate) when it is attached, with
 * EINVAL and a kernel log line that says why.
 */
TEST(missing_fault)
{
	const char *why = "iommu-fault-bpf: policy 'neg' refused: it has no fault op";
	int before = ifb_klog_count(why);
	struct neg_no_fault *skel;
	struct bpf_link *link = NULL;

	ASSERT_LE(0, before);
	log_reset();
	skel = neg_no_fault__open_and_load();
	ASSERT_NE(NULL, skel);
	link = bpf_map__attach_struct_ops(skel->maps.policy);
	EXPECT_EQ(NULL, link);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before + 1, ifb_klog_count(why));
	bpf_link__destroy(link);
	neg_no_fault__destroy(skel);
}

/* Data fields checked by init_member: the map value is refused. */
static int attach_with(const char *field, const void *val, size_t len)
{
	struct test_policy *skel = test_policy__open();
	struct bpf_link *link = NULL;
	int err = -ENOMEM;

	if (!skel)
		return err;
	err = ifb_ops_set(skel->obj, skel->maps.policy, field, val, len);
	if (!err && !test_policy__load(skel)) {
		link = bpf_map__attach_struct_ops(skel->maps.policy);
		err = link ? 0 : -errno;
	} else if (!err) {
		err = -errno;
	}
	bpf_link__destroy(link);
	test_policy__destroy(skel);
	return err;
}

TEST(bad_name)
{
	log_reset();
	EXPECT_EQ(-EINVAL, attach_with("name", "bad name!", 10));
	EXPECT_EQ(-EINVAL, attach_with("name", "", 1));
	EXPECT_EQ(0, attach_with("name", "good_name.v2", 13));
}

TEST(unknown_flags)
{
	__u32 flags = 0x80;

	log_reset();
	EXPECT_EQ(-EINVAL, attach_with("flags", &flags, sizeof(flags)));
}

TEST(bad_device_name)
{
	log_reset();
	EXPECT_EQ(-EINVAL, attach_with("dev", "a/b", 4));
}

TEST_HARNESS_MAIN
