// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmm_demo: a stand-in for a VMM, "policies first, then the guest".
 *
 *   vmm_demo [-x CMD] ADDR...
 *
 * Like a VMM given a device through iommufd, it makes a device (one of
 * iommufd's selftest mock devices) whose page requests go to a fault queue
 * of its own; runs CMD with $DEV set to the device's name (to attach the
 * host's policies to it); then the device asks for each ADDR in turn (a
 * page request each, group i+1), and the VMM answers, as it would for its
 * guest, every fault its queue receives (SUCCESS).  The policies answer
 * what they decide before it reaches the queue.  It prints what it
 * received and answered, and what the mock IOMMU itself got: every page
 * response, counted at its page_response op (fentry).  Each request is
 * answered once: by the host's policies, or by the VMM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ifb_mock.h"
#include "mock_responses.skel.h"

#define MAX_ADDRS	64

static int die(const char *what, int err)
{
	fprintf(stderr, "vmm_demo: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

/* Answer what the queue holds now; returns how many. */
static int serve_queue(struct ifb_mock *m)
{
	struct iommu_hwpt_pgfault f[8];
	int n, i, served = 0;

	while ((n = ifb_mock_read(m, f, 8)) > 0) {
		for (i = 0; i < n; i++) {
			printf("vmm: fault addr 0x%llx group %u: answered SUCCESS\n",
			       (unsigned long long)f[i].addr, f[i].grpid);
			if (ifb_mock_respond(m, f[i].cookie,
					     IOMMUFD_PAGE_RESP_SUCCESS))
				return -errno;
			served++;
		}
	}
	return n < 0 ? n : served;
}

int main(int argc, char **argv)
{
	struct mock_responses *rec;
	const char *cmd = NULL;
	struct ifb_mock m;
	int opt, i, n, ret, served = 0, success = 0;
	unsigned int responses;

	while ((opt = getopt(argc, argv, "x:")) != -1) {
		if (opt != 'x') {
			fprintf(stderr, "usage: vmm_demo [-x CMD] ADDR...\n");
			return 2;
		}
		cmd = optarg;
	}
	n = argc - optind;
	if (n < 1 || n > MAX_ADDRS) {
		fprintf(stderr, "usage: vmm_demo [-x CMD] ADDR... (1 to %d)\n",
			MAX_ADDRS);
		return 2;
	}
	libbpf_set_print(NULL);
	rec = mock_responses__open_and_load();
	if (!rec || mock_responses__attach(rec))
		return die("counting the mock's responses", errno);
	ret = ifb_mock_open(&m);
	if (ret)
		return die("a mock device with a fault queue", ret);
	printf("vmm: device %s, its page requests to fault queue %u\n",
	       m.dev, m.fault_id);
	fflush(stdout);
	if (cmd) {
		setenv("DEV", m.dev, 1);
		ret = system(cmd);
		if (ret)
			return die("-x", ret < 0 ? errno : EINVAL);
	}
	for (i = 0; i < n; i++) {
		ret = ifb_mock_trigger(&m, 0, i + 1, strtoull(argv[optind + i],
							      NULL, 0));
		if (ret)
			return die("page request", ret);
		/* The host's policies have decided by now; the rest is queued. */
		ret = serve_queue(&m);
		if (ret < 0)
			return die("fault queue", ret);
		served += ret;
	}
	responses = rec->bss->n_responses;
	for (i = 0; i < (int)responses && i < MAX_ADDRS; i++)
		success += rec->bss->codes[i] == IOMMUFD_PAGE_RESP_SUCCESS;
	printf("vmm: %d page requests; the VMM answered %d, the host %d\n",
	       n, served, n - served);
	printf("mock IOMMU: %u page responses, %d SUCCESS\n", responses,
	       success);
	ifb_mock_close(&m);
	mock_responses__destroy(rec);
	/* Each request answered once, by one side or the other. */
	return responses == (unsigned int)n ? 0 : 1;
}
