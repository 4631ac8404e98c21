/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommu-fault-bpf: BPF policies for IOMMU faults - user-visible ABI.
 *
 * The statuses are what a policy's ops return; their effect on a fault is
 * described in Documentation (docs/) and resolved by the core in
 * iommu_fault_verdict.c.
 */
#ifndef _UAPI_LINUX_IOMMU_FAULT_BPF_H
#define _UAPI_LINUX_IOMMU_FAULT_BPF_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * enum iommu_fault_status - verdict of a policy op
 * @IOMMU_FAULT_STATUS_NONE: not mine: ask the next policy, then the stock
 *	kernel path
 * @IOMMU_FAULT_STATUS_FAILURE: abort this access, abort every other pending
 *	fault of the device and quarantine the device until it is reset
 * @IOMMU_FAULT_STATUS_INVALID: abort this access only
 * @IOMMU_FAULT_STATUS_HANDLED: the cause is fixed, retry the access
 * @IOMMU_FAULT_STATUS_IGNORE: no answer now; the fault stays pending until
 *	it is answered by cookie or its deadline passes
 * @IOMMU_FAULT_STATUS_DEFER: (fast op only) run the policy's sleepable op
 *	from a workqueue and take its verdict
 *
 * Only recoverable (stalled) faults are answered; for an unrecoverable
 * fault any status but NONE is counted as a policy error and treated as
 * NONE.
 */
enum iommu_fault_status {
	IOMMU_FAULT_STATUS_NONE = 0,
	IOMMU_FAULT_STATUS_FAILURE,
	IOMMU_FAULT_STATUS_INVALID,
	IOMMU_FAULT_STATUS_HANDLED,
	IOMMU_FAULT_STATUS_IGNORE,
	IOMMU_FAULT_STATUS_DEFER,
	__IOMMU_FAULT_STATUS_MAX,
};

/**
 * enum iommu_fault_stage - where a policy op runs
 * @IOMMU_FAULT_STAGE_ATOMIC: the fast op, in the IOMMU driver's fault path;
 *	may not sleep
 * @IOMMU_FAULT_STAGE_SLEEPABLE: the sleepable op, from a workqueue after
 *	the fast op returned DEFER
 */
enum iommu_fault_stage {
	IOMMU_FAULT_STAGE_ATOMIC = 0,
	IOMMU_FAULT_STAGE_SLEEPABLE,
};

/*
 * Flags and permission bits are enums, not macros, so that they are in
 * the kernel's BTF: policies include vmlinux.h, not this header.  The
 * words are io-pgfault's (struct iommu_fault_page_request), whatever the
 * IOMMU; what only one IOMMU has is in the raw record.
 */

/**
 * enum iommu_fault_ctx_flags - struct iommu_fault_ctx::flags
 * @IOMMU_FAULT_CTX_RECOVERABLE: the transaction waits for a response
 *	(an SMMUv3 stall, a PCI page request)
 * @IOMMU_FAULT_CTX_PASID_VALID: pasid holds the PASID (SMMUv3: SubstreamID)
 * @IOMMU_FAULT_CTX_PARTIAL: a page request of a group that is not its
 *	last: the group's last request is the recoverable fault that
 *	answers the whole group; this one only NONE applies to
 */
enum iommu_fault_ctx_flags {
	IOMMU_FAULT_CTX_RECOVERABLE	= 1U << 0,
	IOMMU_FAULT_CTX_PASID_VALID	= 1U << 1,
	IOMMU_FAULT_CTX_PARTIAL		= 1U << 2,
};

/**
 * enum iommu_fault_ctx_perm - struct iommu_fault_ctx::perm, the access
 *	that faulted; the bits of io-pgfault's IOMMU_FAULT_PERM_*
 * @IOMMU_FAULT_CTX_PERM_READ: a read
 * @IOMMU_FAULT_CTX_PERM_WRITE: a write
 * @IOMMU_FAULT_CTX_PERM_EXEC: an instruction fetch
 * @IOMMU_FAULT_CTX_PERM_PRIV: a privileged access
 */
enum iommu_fault_ctx_perm {
	IOMMU_FAULT_CTX_PERM_READ		= 1U << 0,
	IOMMU_FAULT_CTX_PERM_WRITE	= 1U << 1,
	IOMMU_FAULT_CTX_PERM_EXEC		= 1U << 2,
	IOMMU_FAULT_CTX_PERM_PRIV		= 1U << 3,
};

/**
 * enum iommu_fault_reason - why the IOMMU refused the access
 * @IOMMU_FAULT_REASON_UNKNOWN: the driver could not tell
 * @IOMMU_FAULT_REASON_TRANSLATION: no valid translation for the address
 * @IOMMU_FAULT_REASON_ADDR_SIZE: address outside the input/output range
 * @IOMMU_FAULT_REASON_ACCESS: access flag fault
 * @IOMMU_FAULT_REASON_PERMISSION: translation exists, the access is not
 *	permitted
 * @IOMMU_FAULT_REASON_BAD_STREAM: no or invalid configuration for the
 *	device (stream table): never recoverable
 * @IOMMU_FAULT_REASON_BAD_CONTEXT: no or invalid context (PASID table,
 *	context descriptor): never recoverable
 * @IOMMU_FAULT_REASON_WALK_ABORT: external abort while walking tables
 * @IOMMU_FAULT_REASON_OTHER: any other fault the IOMMU reports
 * @IOMMU_FAULT_REASON_PAGE_REQUEST: the device asks for the page (a PCI
 *	page request, or any request io-pgfault delivers)
 */
enum iommu_fault_reason {
	IOMMU_FAULT_REASON_UNKNOWN = 0,
	IOMMU_FAULT_REASON_TRANSLATION,
	IOMMU_FAULT_REASON_ADDR_SIZE,
	IOMMU_FAULT_REASON_ACCESS,
	IOMMU_FAULT_REASON_PERMISSION,
	IOMMU_FAULT_REASON_BAD_STREAM,
	IOMMU_FAULT_REASON_BAD_CONTEXT,
	IOMMU_FAULT_REASON_WALK_ABORT,
	IOMMU_FAULT_REASON_OTHER,
	IOMMU_FAULT_REASON_PAGE_REQUEST,
	__IOMMU_FAULT_REASON_MAX,
};

/**
 * enum iommu_fault_raw_kind - what struct iommu_fault_ctx::raw holds
 * @IOMMU_FAULT_RAW_NONE: nothing
 * @IOMMU_FAULT_RAW_SMMUV3: an SMMUv3 event record (Arm IHI 0070, "Event
 *	records"), as read from the event queue, less the physical address
 *	of fetch and walk aborts (FetchAddr)
 */
enum iommu_fault_raw_kind {
	IOMMU_FAULT_RAW_NONE = 0,
	IOMMU_FAULT_RAW_SMMUV3,
};

#define IOMMU_FAULT_NAME_LEN		32	/* policy name, with the NUL */
/* Device names, with the NUL: platform names run to 40 and more. */
#define IOMMU_FAULT_DEV_LEN		64
#define IOMMU_FAULT_SCRATCH_LEN		48	/* fast op -> sleepable op */
#define IOMMU_FAULT_RAW_LEN		32	/* raw event record, bytes */
/* What kind of IOMMU ("smmuv3"), with the NUL. */
#define IOMMU_FAULT_KIND_LEN		32

/**
 * enum iommu_fault_ops_flags - struct iommu_fault_ops::flags; other bits
 *	are rejected
 * @IOMMU_FAULT_OPS_TIMESTAMP: the policy's fast op reads
 *	iommu_fault_ctx::timestamp.  Each fault's clock is read when it is
 *	reported only while a policy with this flag is attached (or the
 *	response tracepoint is on): a clock read is not free on the fault
 *	path (docs/design.rst, "What a fault costs").
 */
enum iommu_fault_ops_flags {
	IOMMU_FAULT_OPS_TIMESTAMP	= 1U << 0,
};

#define IOMMU_FAULT_OPS_FLAGS_ALL	IOMMU_FAULT_OPS_TIMESTAMP

/*
 * Control device /dev/iommu_fault (root only, CAP_SYS_ADMIN).
 *
 * Every ioctl takes a structure whose first member is its size, in the
 * iommufd style: user space sets @size to sizeof() of the structure it
 * knows; the kernel accepts shorter (older) structures and longer ones
 * whose extra bytes are zero, and rejects unknown @flags.
 */
#define IOMMU_FAULT_CTL_VERSION		3
#define IOMMU_FAULT_IOC_TYPE		0xB9

/**
 * struct iommu_fault_ctl_info - IOMMU_FAULT_IOC_INFO
 * @size: sizeof(struct iommu_fault_ctl_info)
 * @flags: must be 0
 * @version: out: IOMMU_FAULT_CTL_VERSION
 * @features: out: IOMMU_FAULT_FEAT_*
 * @pool_size: out: pending-fault pool size
 * @pool_in_use: out: pending faults now
 * @deadline_ms: out: deadline of a pending fault
 * @nr_policies: out: attached policies
 * @nr_devices: out: devices the IOMMU drivers added
 * @__reserved: must be 0
 * @orphan_stalls: out: stalls for a stream with no device, aborted
 */
struct iommu_fault_ctl_info {
	__u32 size;
	__u32 flags;
	__u32 version;
	__u32 features;
	__u32 pool_size;
	__u32 pool_in_use;
	__u32 deadline_ms;
	__u32 nr_policies;
	__u32 nr_devices;
	__u32 __reserved;
	__u64 orphan_stalls;
};

#define IOMMU_FAULT_FEAT_INJECT		(1U << 0)
#define IOMMU_FAULT_IOC_INFO		_IO(IOMMU_FAULT_IOC_TYPE, 0x00)

/**
 * struct iommu_fault_ctl_inject - IOMMU_FAULT_IOC_INJECT
 * @size: sizeof(struct iommu_fault_ctl_inject)
 * @flags: IOMMU_FAULT_INJECT_*
 * @iommu: the IOMMU instance, by device name (e.g. "9050000.smmuv3")
 * @count: how many times to inject it (0 means 1), at most
 *	IOMMU_FAULT_INJECT_COUNT_MAX
 * @sid: the requester ID of the faulting device
 * @addr: the faulting address
 * @pasid: its PASID, with IOMMU_FAULT_CTX_PASID_VALID in @fault_flags
 * @fault_flags: IOMMU_FAULT_CTX_RECOVERABLE, IOMMU_FAULT_CTX_PASID_VALID
 * @perm: IOMMU_FAULT_CTX_PERM_* of the access (READ set: a read, else a
 *	write)
 * @reason: enum iommu_fault_reason, not UNKNOWN
 * @grpid: the page request group of a recoverable fault
 *
 * The fault, as a policy's context describes it: the IOMMU's driver
 * writes its own record of it and feeds that into its real event path,
 * as if the IOMMU had recorded it.  -EINVAL for a fault the IOMMU could
 * not have recorded (SMMUv3: a recoverable fault that is not a
 * translation, address size, access flag or permission fault; a PASID
 * of more than 20 bits; a group of more than 16).
 *
 * Only with CONFIG_IOMMU_FAULT_BPF_INJECT; -EOPNOTSUPP otherwise.  A
 * recoverable fault for a device that really stalls is refused (-EPERM):
 * its forged response would resume real DMA.  A fatal signal stops the
 * injection (-EINTR).  The first injection taints the kernel
 * (TAINT_USER).
 */
struct iommu_fault_ctl_inject {
	__u32 size;
	__u32 flags;
	char iommu[IOMMU_FAULT_DEV_LEN];
	__u32 count;
	__u32 sid;
	__u64 addr;
	__u32 pasid;
	__u32 fault_flags;
	__u32 perm;
	__u32 reason;
	__u32 grpid;
	__u32 __reserved;
};

/* Copy i of @count has group (@grpid + i) mod 2^16. */
#define IOMMU_FAULT_INJECT_GRPID_SEQ	(1U << 0)
#define IOMMU_FAULT_INJECT_FLAGS_ALL	IOMMU_FAULT_INJECT_GRPID_SEQ
/* Faults one IOMMU_FAULT_IOC_INJECT may inject (more: E2BIG). */
#define IOMMU_FAULT_INJECT_COUNT_MAX	(1U << 20)
#define IOMMU_FAULT_IOC_INJECT		_IO(IOMMU_FAULT_IOC_TYPE, 0x01)

/**
 * struct iommu_fault_ctl_respond - IOMMU_FAULT_IOC_RESPOND
 * @size: sizeof(struct iommu_fault_ctl_respond)
 * @flags: must be 0
 * @cookie: the pending fault
 * @status: IOMMU_FAULT_STATUS_HANDLED, _INVALID or _FAILURE
 * @__reserved: must be 0
 *
 * -ENOENT when no fault with this cookie is pending (nothing is sent).
 */
struct iommu_fault_ctl_respond {
	__u32 size;
	__u32 flags;
	__u64 cookie;
	__u32 status;
	__u32 __reserved;
};

#define IOMMU_FAULT_IOC_RESPOND		_IO(IOMMU_FAULT_IOC_TYPE, 0x02)

/**
 * struct iommu_fault_ctl_limits - IOMMU_FAULT_IOC_SET_LIMITS
 * @size: sizeof(struct iommu_fault_ctl_limits)
 * @flags: must be 0
 * @pool_size: new pool size, 0 = unchanged, at most IOMMU_FAULT_POOL_MAX;
 *	-EBUSY while faults pend
 * @deadline_ms: new deadline, 0 = unchanged
 */
struct iommu_fault_ctl_limits {
	__u32 size;
	__u32 flags;
	__u32 pool_size;
	__u32 deadline_ms;
};

/* Pending-fault slots at most (-ERANGE beyond): 65536 faults, 18 MB. */
#define IOMMU_FAULT_POOL_MAX		(1U << 16)
#define IOMMU_FAULT_IOC_SET_LIMITS	_IO(IOMMU_FAULT_IOC_TYPE, 0x03)

#define IOMMU_FAULT_HIST_BUCKETS	40	/* up to 2^40 ns, ~18 min */
/* One fault in this many (by seq) is timed for fast_ns_log2. */
#define IOMMU_FAULT_FAST_SAMPLE		16

/**
 * struct iommu_fault_ctl_dev - IOMMU_FAULT_IOC_RESET_DEV, _DEV_STATS
 * @size: sizeof(struct iommu_fault_ctl_dev)
 * @flags: IOMMU_FAULT_CTL_DEV_NEXT (DEV_STATS only) or 0
 * @dev: in: the device name; out with IOMMU_FAULT_CTL_DEV_NEXT
 * @quarantined: out: the device is quarantined (before a reset)
 * @__reserved: must be 0
 * @faults: out: [0] unrecoverable, [1] recoverable faults reported
 * @responses: out: [0] aborts, [1] retries sent
 * @stock: out: faults left to the driver's own handling
 * @quarantine_drops: out: faults answered by quarantine
 * @deferred: out: faults deferred to a sleepable op
 * @ignored: out: faults parked (IGNORE)
 * @timeouts: out: pending faults aborted at their deadline
 * @pool_full: out: faults aborted because the pool was full
 * @fast_ns_log2: out: fast-stage latency (report to decision) of one
 *	fault in IOMMU_FAULT_FAST_SAMPLE (those whose seq is a multiple of
 *	it), log2 histogram: bucket i counts latencies in [2^i, 2^(i+1)) ns
 * @pending_ns_log2: out: end-to-end latency of faults answered after
 *	pending (deferred or parked: report to answer; from when it was
 *	kept pending when its report was not timed, see
 *	IOMMU_FAULT_OPS_TIMESTAMP), same buckets
 * @id: out: the device's id, given when the IOMMU driver added it and
 *	never reused; in, with IOMMU_FAULT_CTL_DEV_NEXT: the device wanted
 *	is the one with the smallest id above it (0: the first); -ENOENT
 *	when there is none.  A listing that goes on from the last id it got
 *	misses no device and sees none twice, whatever is added or removed
 *	meanwhile.
 * @sid: out: the device's (first) stream ID at its IOMMU
 * @iommu: out: the IOMMU in front of it, as IOMMU_FAULT_IOC_INJECT names it
 * @iommu_kind: out: what kind of IOMMU that is: "smmuv3" for the SMMUv3
 *	driver's devices; for a device the IOMMU core added (its driver
 *	reports no faults itself), the name of the driver bound to the
 *	IOMMU, or the IOMMU's name without its instance number ("dmar",
 *	"ivhd", the iommufd selftest's "iommufd_selftest_iommu").  Absent
 *	(size short of it) from older kernels.
 */
struct iommu_fault_ctl_dev {
	__u32 size;
	__u32 flags;
	char dev[IOMMU_FAULT_DEV_LEN];
	__u32 quarantined;
	__u32 __reserved;
	__u64 faults[2];
	__u64 responses[2];
	__u64 stock;
	__u64 quarantine_drops;
	__u64 deferred;
	__u64 ignored;
	__u64 timeouts;
	__u64 pool_full;
	__u64 fast_ns_log2[IOMMU_FAULT_HIST_BUCKETS];
	__u64 pending_ns_log2[IOMMU_FAULT_HIST_BUCKETS];
	__u32 id;
	__u32 sid;
	char iommu[IOMMU_FAULT_DEV_LEN];
	char iommu_kind[IOMMU_FAULT_KIND_LEN];
};

#define IOMMU_FAULT_CTL_DEV_NEXT	(1U << 0)

#define IOMMU_FAULT_IOC_RESET_DEV	_IO(IOMMU_FAULT_IOC_TYPE, 0x04)
#define IOMMU_FAULT_IOC_DEV_STATS	_IO(IOMMU_FAULT_IOC_TYPE, 0x05)

/**
 * struct iommu_fault_ctl_policy - IOMMU_FAULT_IOC_POLICY_STATS
 * @size: sizeof(struct iommu_fault_ctl_policy)
 * @flags: IOMMU_FAULT_CTL_POLICY_NEXT or 0
 * @id: in: the policy's id, given at attach and never reused; with
 *	IOMMU_FAULT_CTL_POLICY_NEXT, the policy wanted is the one with the
 *	smallest id above it (0: the first), and its id is written back.  A
 *	listing that goes on from the last id it got misses no policy and
 *	sees none twice, whatever is attached or detached meanwhile.
 * @priority: out: its priority
 * @name: out: its name
 * @dev: out: its device, "" for all
 * @ops: out: IOMMU_FAULT_POLICY_OP_* it implements
 * @link_id: out: id of the BPF link that attached it (its struct_ops map,
 *	and through it the programs, are reachable from there)
 * @attached_ns: out: CLOCK_REALTIME at attach
 * @calls: out: op calls by stage
 * @verdicts: out: returned statuses, by stage and status
 * @bad_verdicts: out: unknown statuses, DEFER where invalid
 * @unrecoverable_misuse: out: non-NONE verdicts on unrecoverable faults
 *
 * -ENOENT when there is no such policy.
 */
struct iommu_fault_ctl_policy {
	__u32 size;
	__u32 flags;
	__u32 id;
	__s32 priority;
	char name[IOMMU_FAULT_NAME_LEN];
	char dev[IOMMU_FAULT_DEV_LEN];
	__u32 ops;
	__u32 link_id;
	__u64 attached_ns;
	__u64 calls[2];
	__u64 verdicts[2][6];
	__u64 bad_verdicts;
	__u64 unrecoverable_misuse;
};

#define IOMMU_FAULT_CTL_POLICY_NEXT	(1U << 0)

#define IOMMU_FAULT_POLICY_OP_FAULT		(1U << 0)
#define IOMMU_FAULT_POLICY_OP_FAULT_SLEEPABLE	(1U << 1)
#define IOMMU_FAULT_POLICY_OP_INIT		(1U << 2)
#define IOMMU_FAULT_POLICY_OP_EXIT		(1U << 3)
#define IOMMU_FAULT_IOC_POLICY_STATS	_IO(IOMMU_FAULT_IOC_TYPE, 0x06)

/**
 * struct iommu_fault_ctl_pending_entry - one pending fault
 * @cookie: answer it with IOMMU_FAULT_IOC_RESPOND
 * @age_ns: time since the IOMMU driver reported it (or since it was kept
 *	pending, when its report was not timed)
 * @addr: faulting address
 * @dev: the device
 * @policy: the policy that parked or deferred it
 * @sid: stream ID
 * @pasid: PASID, when @flags has IOMMU_FAULT_CTX_PASID_VALID
 * @flags: enum iommu_fault_ctx_flags
 * @deferred: 1 while its sleepable op is queued or running, else parked
 */
struct iommu_fault_ctl_pending_entry {
	__u64 cookie;
	__u64 age_ns;
	__u64 addr;
	char dev[IOMMU_FAULT_DEV_LEN];
	char policy[IOMMU_FAULT_NAME_LEN];
	__u32 sid;
	__u32 pasid;
	__u32 flags;
	__u32 deferred;
};

/**
 * struct iommu_fault_ctl_pending - IOMMU_FAULT_IOC_LIST_PENDING
 * @size: sizeof(struct iommu_fault_ctl_pending)
 * @flags: must be 0
 * @max: in: room in @entries, in entries
 * @count: out: entries written, oldest first.  They are copied a few at a
 *	time: a fault answered meanwhile may be missing, none is listed twice.
 * @total: out: pending faults in all when the listing began (may exceed
 *	@count)
 * @__reserved: must be 0
 * @entries: in: user pointer to @max struct iommu_fault_ctl_pending_entry
 */
struct iommu_fault_ctl_pending {
	__u32 size;
	__u32 flags;
	__u32 max;
	__u32 count;
	__u32 total;
	__u32 __reserved;
	__aligned_u64 entries;
};

#define IOMMU_FAULT_IOC_LIST_PENDING	_IO(IOMMU_FAULT_IOC_TYPE, 0x07)

#endif /* _UAPI_LINUX_IOMMU_FAULT_BPF_H */
