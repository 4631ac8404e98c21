// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may decide faults.  CAP_BPF (or a BPF token) is enough to load a
 * struct_ops map and make its link; attaching or updating an
 * iommu_fault_ops policy, and answering faults from a SEC("syscall")
 * program, also take CAP_SYS_ADMIN, the bar of the control device.
 *
 * Each case forks a child that keeps every capability of root except
 * CAP_SYS_ADMIN, so that CAP_BPF, CAP_PERFMON and the rest are there and
 * only the one check under test can refuse it.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "ifb_ctl.h"
#include "ifb.h"
#include "lifecycle.skel.h"
#include "test_policy.skel.h"

/* Drop CAP_SYS_ADMIN from every set of this process; 0 or -errno. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	struct iommu_fault_ctl_info info;
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[i].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[i].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[i].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	/* A check that the drop took: the control device now refuses. */
	return ifb_info(&info) == -EPERM ? 0 : -EEXIST;
}

/* Run @fn(@arg) in a child without CAP_SYS_ADMIN; its exit code. */
static int without_sys_admin(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(drop_sys_admin() ? 100 : fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

/* Exit codes of the children: 0 is what the test wants. */
enum { GOT_WANTED, WRONG_ERRNO, SUCCEEDED, SETUP_FAILED };

static int attach_child(void *arg)
{
	struct lifecycle *skel = lifecycle__open_and_load();
	struct bpf_link *link;

	if (!skel)
		return SETUP_FAILED;	/* CAP_BPF alone must load it */
	link = bpf_map__attach_struct_ops(skel->maps.policy);
	if (link)
		return SUCCEEDED;
	return errno == EPERM ? GOT_WANTED : WRONG_ERRNO;
}

/* A process without CAP_SYS_ADMIN loads a policy but cannot attach it. */
TEST(attach_needs_cap_sys_admin)
{
	struct iommu_fault_ctl_policy st;
	struct iommu_fault_ctl_info before, after;

	ASSERT_EQ(0, ifb_info(&before));
	EXPECT_EQ(GOT_WANTED, without_sys_admin(attach_child, NULL));
	ASSERT_EQ(0, ifb_info(&after));
	EXPECT_EQ(before.nr_policies, after.nr_policies);
	EXPECT_EQ(-ENOENT, ifb_policy_stats("lifecycle", &st));
}

struct update_arg {
	struct bpf_link *link;
	struct bpf_map *map;
};

static int update_child(void *arg)
{
	struct update_arg *u = arg;
	int err = bpf_link__update_map(u->link, u->map);

	if (!err)
		return SUCCEEDED;
	return err == -EPERM ? GOT_WANTED : WRONG_ERRNO;
}

/*
 * Root attached a policy; a process that got the link's fd but not
 * CAP_SYS_ADMIN cannot swap another policy in: the old one stays, its
 * exit not run, the new one's init not run.
 */
TEST(update_needs_cap_sys_admin)
{
	struct lifecycle *old, *new;
	struct update_arg u;
	struct bpf_link *link;

	old = lifecycle__open_and_load();
	ASSERT_NE(NULL, old);
	new = lifecycle__open_and_load();
	ASSERT_NE(NULL, new);
	link = bpf_map__attach_struct_ops(old->maps.policy);
	ASSERT_NE(NULL, link);
	u.link = link;
	u.map = new->maps.policy;

	EXPECT_EQ(GOT_WANTED, without_sys_admin(update_child, &u));
	EXPECT_EQ(0, old->bss->exit_calls);
	EXPECT_EQ(0, new->bss->init_calls);

	/* Root may. */
	ASSERT_EQ(0, bpf_link__update_map(link, new->maps.policy));
	EXPECT_EQ(1, old->bss->exit_calls);
	EXPECT_EQ(1, new->bss->init_calls);

	bpf_link__destroy(link);
	lifecycle__destroy(new);
	lifecycle__destroy(old);
}

static char verifier_log[64 * 1024];

static int load_respond_child(void *arg)
{
	struct test_policy *skel = test_policy__open();

	if (!skel)
		return SETUP_FAILED;
	bpf_program__set_log_buf(skel->progs.respond, verifier_log,
				 sizeof(verifier_log));
	bpf_program__set_log_level(skel->progs.respond, 1);
	if (!test_policy__load(skel))
		return SUCCEEDED;
	return strstr(verifier_log, "calling kernel function "
		      "bpf_iommu_fault_respond is not allowed") ?
	       GOT_WANTED : WRONG_ERRNO;
}

/* Without CAP_SYS_ADMIN the verifier refuses a syscall program that
 * calls the respond kfunc, and says which call. */
TEST(syscall_respond_load_needs_cap_sys_admin)
{
	EXPECT_EQ(GOT_WANTED, without_sys_admin(load_respond_child, NULL));
}

struct respond_arg {
	int prog_fd;
	__u64 cookie;
};

static int run_respond_child(void *arg)
{
	struct respond_arg *r = arg;
	struct {
		__u64 cookie;
		int status;
		int ret;
	} args = { .cookie = r->cookie, .status = IOMMU_FAULT_STATUS_HANDLED };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args,
		    .ctx_size_in = sizeof(args));

	if (bpf_prog_test_run_opts(r->prog_fd, &opts))
		return SETUP_FAILED;
	return args.ret == -EPERM ? GOT_WANTED :
	       args.ret ? WRONG_ERRNO : SUCCEEDED;
}

/*
 * Root loaded the syscall program; a process given its fd without
 * CAP_SYS_ADMIN runs it, and the kfunc refuses at run time (-EPERM): the
 * fault stays pending and is answered once, by root.
 */
TEST(syscall_respond_run_needs_cap_sys_admin)
{
	struct iommu_fault_ctl_pending_entry e;
	struct iommu_fault_ctl_info info;
	struct test_policy *skel;
	struct bpf_link *link;
	struct respond_arg r;
	char dev[IFB_NAME_LEN], smmu[IFB_NAME_LEN];
	uint32_t count, total;
	struct ifb_fault f;

	ASSERT_EQ(0, ifb_edu_stall(dev, smmu, &f));
	skel = test_policy__open();
	ASSERT_NE(NULL, skel);
	ASSERT_EQ(0, ifb_ops_set_str(skel->obj, skel->maps.policy, "dev", dev));
	ASSERT_EQ(0, test_policy__load(skel));
	skel->bss->fast_verdict = IOMMU_FAULT_STATUS_IGNORE;
	link = bpf_map__attach_struct_ops(skel->maps.policy);
	ASSERT_NE(NULL, link);

	ifb_mark(_metadata->name);
	ASSERT_EQ(0, ifb_inject(smmu, &f, 1));
	ASSERT_EQ(0, ifb_list_pending(&e, 1, &count, &total));
	ASSERT_EQ(1, count);
	r.prog_fd = bpf_program__fd(skel->progs.respond);
	r.cookie = e.cookie;

	EXPECT_EQ(GOT_WANTED, without_sys_admin(run_respond_child, &r));
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(1, info.pool_in_use);

	EXPECT_EQ(0, ifb_respond(e.cookie, IOMMU_FAULT_STATUS_HANDLED));
	ASSERT_EQ(0, ifb_info(&info));
	EXPECT_EQ(0, info.pool_in_use);
	ifb_expect_smmu(_metadata->name, "RESUME=1");

	bpf_link__destroy(link);
	test_policy__destroy(skel);
}

TEST_HARNESS_MAIN
