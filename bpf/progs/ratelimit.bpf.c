// SPDX-License-Identifier: GPL-2.0-only
/*
 * ratelimit: a fault budget per device (token bucket).
 *
 * What it does: each device has a bucket of up to `burst` tokens that
 * refills at `rate` tokens per second.  A recoverable fault takes a token
 * and goes on down the chain (NONE); with the bucket empty it is aborted
 * at once (INVALID) and counted, so a faulting device costs the system
 * at most `rate` answers per second from the policies after this one.
 * Unrecoverable faults pass (NONE) and take no token: nothing answers
 * them anyway.
 *
 * When to use it: in front of an expensive policy (one that DEFERs, or
 * relays faults to user space) so that a storm from one device cannot
 * monopolise it.  Give it a lower priority number than that policy.
 *
 * Configuration (globals in .data; at load with `faultctl policy load
 * ratelimit.bpf.o set rate 1000 set burst 64`, or at run time through
 * the map <obj>.data):
 *   rate: tokens per second, default 100;
 *   burst: bucket size, default 32.
 * State and counters: buckets (hash, key: device name, value: struct
 * ratelimit_bucket, with the device's passed and limited counts);
 * limited (.bss): every INVALID it returned.
 *
 * Expected verdicts: NONE within budget, INVALID over it.
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

#define NSEC_PER_SEC	1000000000ULL

__u32 rate SEC(".data") = 100;
__u32 burst SEC(".data") = 32;

__u64 limited;

struct ratelimit_bucket {
	__u64 tokens_ns;	/* tokens, in units of 1/rate s (ns * rate) */
	__u64 last_ns;		/* last refill */
	__u64 passed;
	__u64 limited;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct iommu_fault_dev_key);
	__type(value, struct ratelimit_bucket);
} buckets SEC(".maps");

SEC("struct_ops/fault")
int BPF_PROG(ratelimit_fault, struct iommu_fault_ctx *fault)
{
	/* A token is NSEC_PER_SEC "token-nanoseconds": elapsed ns * rate. */
	__u64 now = bpf_ktime_get_ns(), full = (__u64)burst * NSEC_PER_SEC;
	struct ratelimit_bucket *b, fresh = {};
	struct iommu_fault_dev_key key;

	if (!iommu_fault_recoverable(fault))
		return IOMMU_FAULT_STATUS_NONE;
	iommu_fault_dev_key(fault, &key);
	b = bpf_map_lookup_elem(&buckets, &key);
	if (!b) {
		fresh.tokens_ns = full;
		fresh.last_ns = now;
		bpf_map_update_elem(&buckets, &key, &fresh, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&buckets, &key);
		if (!b)
			return IOMMU_FAULT_STATUS_NONE;
	}
	/* Refill; cap the elapsed time so that the product cannot wrap. */
	if (now > b->last_ns) {
		__u64 elapsed = now - b->last_ns;

		if (elapsed > 100 * NSEC_PER_SEC)
			elapsed = 100 * NSEC_PER_SEC;
		b->tokens_ns += elapsed * rate;
		if (b->tokens_ns > full)
			b->tokens_ns = full;
		b->last_ns = now;
	}
	if (b->tokens_ns >= NSEC_PER_SEC) {
		b->tokens_ns -= NSEC_PER_SEC;
		__sync_fetch_and_add(&b->passed, 1);
		return IOMMU_FAULT_STATUS_NONE;
	}
	__sync_fetch_and_add(&b->limited, 1);
	__sync_fetch_and_add(&limited, 1);
	return IOMMU_FAULT_STATUS_INVALID;
}

IOMMU_FAULT_POLICY(ratelimit) = {
	.fault = (void *)ratelimit_fault,
	.name = "ratelimit",
};
