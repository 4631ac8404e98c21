// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every response the iommufd selftest mock IOMMU receives: its
 * page_response op records nothing itself, so this counts the calls
 * (fentry) and keeps each one's group and code, in call order.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_RESPONSES	64

__u32 n_responses;
__u32 grpids[MAX_RESPONSES], pasids[MAX_RESPONSES], codes[MAX_RESPONSES];

SEC("fentry/mock_domain_page_response")
int BPF_PROG(mock_response, struct device *dev, struct iopf_fault *evt,
	     struct iommu_page_response *msg)
{
	__u32 i = n_responses;

	n_responses = i + 1;
	if (i < MAX_RESPONSES) {
		grpids[i] = msg->grpid;
		pasids[i] = msg->pasid;
		codes[i] = msg->code;
	}
	return 0;
}
