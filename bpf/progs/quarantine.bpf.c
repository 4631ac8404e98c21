// SPDX-License-Identifier: GPL-2.0-only
/*
 * quarantine: cut off a device that faults too often.
 *
 * What it does: counts each device's faults (recoverable and not) in a
 * window of window_ms milliseconds that starts at the device's first
 * fault.  The fault that reaches max_faults within the window, if it is
 * recoverable, gets FAILURE: the kernel aborts it and every other pending
 * fault of the device and quarantines the device (every later fault is
 * aborted without running any policy) until an operator runs
 * `faultctl device reset DEV`.  Unrecoverable faults count but cannot be
 * answered, so the verdict waits for the device's next recoverable fault.
 * A window that expires starts over at the next fault.  The count starts
 * over after a FAILURE too, so a reset device gets max_faults again.
 *
 * When to use it: against fault storms: a device (or a guest driving it)
 * raising faults faster than anyone can answer them.  Chain it after the
 * policies that resolve faults (a higher priority number) to count only
 * what they leave, or before them to count everything.
 *
 * Configuration (globals in .data; at load with `faultctl policy load
 * quarantine.bpf.o set max_faults 100 set window_ms 1000`, or at run time
 * through the map <obj>.data):
 *   max_faults: N, default 16 (0 never quarantines);
 *   window_ms: T, default 1000.
 * State: windows (hash, key: device name, value: struct quarantine_window).
 * Counters (.bss): quarantined (FAILUREs returned).
 *
 * Expected verdicts: NONE, then FAILURE once per device per window that
 * overflows.
 */
#include "vmlinux.h"
#include "iommu_fault_policy.h"

char LICENSE[] SEC("license") = "GPL";

__u32 max_faults SEC(".data") = 16;
__u32 window_ms SEC(".data") = 1000;

__u64 quarantined;

struct quarantine_window {
	__u64 start_ns;		/* the window's first fault */
	__u64 faults;		/* faults in it */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct iommu_fault_dev_key);
	__type(value, struct quarantine_window);
} windows SEC(".maps");

SEC("struct_ops/fault")
int BPF_PROG(quarantine_fault, struct iommu_fault_ctx *fault)
{
	struct quarantine_window *w, fresh = {};
	struct iommu_fault_dev_key key;
	__u64 now = bpf_ktime_get_ns();

	iommu_fault_dev_key(fault, &key);
	w = bpf_map_lookup_elem(&windows, &key);
	if (!w) {
		fresh.start_ns = now;
		bpf_map_update_elem(&windows, &key, &fresh, BPF_NOEXIST);
		w = bpf_map_lookup_elem(&windows, &key);
		if (!w)
			return IOMMU_FAULT_STATUS_NONE;
	}
	if (now - w->start_ns >= (__u64)window_ms * 1000000) {
		w->start_ns = now;
		w->faults = 0;
	}
	w->faults++;
	if (!max_faults || w->faults < max_faults ||
	    !iommu_fault_recoverable(fault))
		return IOMMU_FAULT_STATUS_NONE;
	w->faults = 0;
	w->start_ns = now;
	__sync_fetch_and_add(&quarantined, 1);
	return IOMMU_FAULT_STATUS_FAILURE;
}

IOMMU_FAULT_POLICY(quarantine) = {
	.fault = (void *)quarantine_fault,
	.name = "quarantine",
};
