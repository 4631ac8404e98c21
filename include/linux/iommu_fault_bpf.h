/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-fault-bpf: BPF fault policies, and the IOMMU drivers that report
 * faults to them.
 *
 * A policy is a struct iommu_fault_ops map attached as a struct_ops link.
 * Its ops see one fault at a time through struct iommu_fault_ctx and return
 * an enum iommu_fault_status (include/uapi/linux/iommu_fault_bpf.h).
 *
 * An IOMMU driver adds each device it translates for (iommu_fault_dev_add()),
 * reports each fault with iommu_fault_report() before its own handling,
 * and provides the ops that answer a stalled transaction.  Or it leaves
 * that to the IOMMU core: a device it probes is added for the driver, and
 * the page requests io-pgfault delivers (iommu_fault_bpf_page_request())
 * and the faults report_iommu_fault() reports
 * (iommu_fault_bpf_unrecoverable()) are offered to the policies.  Nothing
 * here is specific to one IOMMU.
 */
#ifndef _LINUX_IOMMU_FAULT_BPF_H
#define _LINUX_IOMMU_FAULT_BPF_H

#include <linux/errno.h>
#include <linux/jump_label.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <uapi/linux/iommu_fault_bpf.h>

/**
 * struct iommu_fault_ctx - one fault, as a policy sees it
 * @stage: enum iommu_fault_stage of the op that runs
 * @__reserved: zero
 * @dev_name: the faulting device, dev_name() (e.g. "0000:00:01.0")
 * @rec: the fault's own part, what a pending fault keeps (its slot does
 *	not copy the name its device has)
 * @flags: IOMMU_FAULT_CTX_* (recoverable, PASID valid)
 * @sid: the device's requester ID at the IOMMU (PCI RID, SMMUv3
 *	StreamID, VT-d source-id)
 * @pasid: the PASID, when IOMMU_FAULT_CTX_PASID_VALID
 * @perm: IOMMU_FAULT_CTX_PERM_* of the faulting access
 * @addr: the faulting input address (IOVA)
 * @reason: enum iommu_fault_reason
 * @event: the IOMMU's own code for the fault, as @raw_kind defines it
 *	(SMMUv3: the event ID, e.g. 0x10)
 * @grpid: the page request group of a recoverable fault (SMMUv3: the
 *	stall tag; PCI PRI: the group index): its response names it
 * @raw_kind: enum iommu_fault_raw_kind: which IOMMU's record @raw is
 * @cookie: names the fault while it is pending (respond by cookie)
 * @seq: per-device fault sequence number, from 1
 * @timestamp: ktime_get_ns() when the IOMMU driver reported the fault,
 *	while a policy with IOMMU_FAULT_OPS_TIMESTAMP is attached (or the
 *	response tracepoint is on); otherwise 0 in the fast op, and from a
 *	deferred or parked fault on, when the fault was kept pending
 * @raw: the IOMMU's own record of the fault, with what only it has
 *	(SMMUv3: the event record, with stage 2, the IPA and the walk's
 *	class), less any physical address in it
 * @scratch: written by the fast op, read by the sleepable op of the same
 *	policy: the only part of the context a program may write
 *
 * Everything but @scratch is read-only to programs.
 */
struct iommu_fault_ctx {
	u32 stage;
	u32 __reserved;
	char dev_name[IOMMU_FAULT_DEV_LEN];

	struct_group_tagged(iommu_fault_record, rec, /* what a slot keeps */
		u32 flags;
		u32 sid;
		u32 pasid;
		u32 perm;
		u64 addr;
		u32 reason;
		u32 event;
		u32 grpid;
		u32 raw_kind;
		u64 cookie;
		u64 seq;
		u64 timestamp;
		u8 raw[IOMMU_FAULT_RAW_LEN];
		u8 scratch[IOMMU_FAULT_SCRATCH_LEN];
	);
};

struct iommu_fault_policy;

/**
 * struct iommu_fault_ops - a BPF fault policy
 *
 * Data fields, set by the loader before the map is created:
 *
 * @name: the policy's name, unique among attached policies;
 *	[A-Za-z0-9_.], not empty
 * @dev: dev_name() of the one device the policy serves; empty for all
 *	devices.  Device policies run before global ones.
 * @priority: order within the device or the global chain, lower first
 *	(equal priorities: attach order)
 * @flags: IOMMU_FAULT_OPS_* flags; unknown bits are rejected
 */
struct iommu_fault_ops {
	/**
	 * @fault: decide on a fault, at once.  Required.
	 *
	 * Called for every fault of the devices the policy serves that no
	 * policy before it decided, recoverable or not.  May write
	 * @ctx->scratch for its sleepable op.
	 *
	 * Context: the IOMMU driver's fault path, may not sleep (an atomic
	 * section): a sleepable program is rejected here.
	 *
	 * Return: an enum iommu_fault_status; DEFER runs @fault_sleepable
	 * from a workqueue.  See enum iommu_fault_status for the effect of
	 * each; an unknown value aborts a recoverable fault and is counted.
	 */
	int (*fault)(struct iommu_fault_ctx *ctx);

	/**
	 * @fault_sleepable: decide on a fault @fault deferred.  Optional.
	 *
	 * Context: process context on the iommu-fault-bpf workqueue; may
	 * sleep and call the sleepable kfuncs (e.g. populate the page).
	 * Must be a sleepable (struct_ops.s) program.
	 *
	 * Return: an enum iommu_fault_status, final for this policy: NONE
	 * passes the fault to the next policy; DEFER is invalid here (abort,
	 * counted).
	 */
	int (*fault_sleepable)(struct iommu_fault_ctx *ctx);

	/**
	 * @init: called once when the policy is attached.  Optional.
	 *
	 * Context: process context, may sleep.
	 *
	 * Return: 0, or a negative errno to refuse the attach with it; any
	 * other value refuses it with -EINVAL.
	 */
	int (*init)(void);

	/**
	 * @exit: called once when the policy is detached or replaced, after
	 * its last fault op returned.  Optional.
	 *
	 * Context: process context, may sleep.
	 */
	void (*exit)(void);

	char name[IOMMU_FAULT_NAME_LEN];
	char dev[IOMMU_FAULT_DEV_LEN];
	s32 priority;
	u32 flags;

	/* private: owned by the kernel, must be zero when the map is created */
	struct iommu_fault_policy *policy;
};

/* --- the IOMMU drivers' side ------------------------------------------ */

struct device;
struct iommu_domain;
struct iopf_fault;
struct iopf_group;
struct iommu_fault_core;
struct iommu_fault_dev;
struct iommu_fault_source;

/*
 * The owner of a domain maps what a fault at @addr needs, or refuses
 * (negative errno).  Process context, may sleep.
 */
typedef int (*iommu_fault_populate_t)(struct iommu_domain *domain,
				      struct device *dev, u64 addr,
				      u32 perm, void *data);

/**
 * struct iommu_fault_driver_ops - what the core asks of an IOMMU driver
 * @respond: respond to the recoverable fault described by @ctx (grpid,
 *	sid, ...) of @fdev, reported with @handle: retry the access or abort
 *	it.  Called exactly once per claimed recoverable fault, from the
 *	fault path or from process context, never under a lock the driver's
 *	fault path takes.
 * @stock: hand a recoverable fault that no policy decided, reported with
 *	@handle, to the driver's own handling, from process context (after
 *	a deferred stage).  The driver must answer it.
 * @inject: (CONFIG_IOMMU_FAULT_BPF_INJECT) write the IOMMU's record of
 *	@fault (its sid, pasid, addr, perm, reason, grpid and flags) and feed
 *	@count copies of it into the driver's event path for @src, as if the
 *	IOMMU had recorded them; @flags are IOMMU_FAULT_INJECT_*.  -EINVAL
 *	for a fault the IOMMU cannot record.  Process context.
 */
struct iommu_fault_driver_ops {
	void (*respond)(struct iommu_fault_dev *fdev,
			const struct iommu_fault_ctx *ctx, void *handle,
			bool retry);
	void (*stock)(struct iommu_fault_dev *fdev,
		      const struct iommu_fault_ctx *ctx, void *handle);
	int (*inject)(struct iommu_fault_source *src,
		      const struct iommu_fault_ctx *fault, u32 count,
		      u32 flags);
};

/**
 * struct iommu_fault_source - one IOMMU instance that reports faults
 * @name: its device name, as user space names it for injection
 * @kind: what kind of IOMMU it is, as user space reads it ("smmuv3");
 *	shorter than IOMMU_FAULT_KIND_LEN; NULL reads as ""
 * @ops: the driver's ops
 * @core: private to the core: the one it reports to
 * @node: private to the core
 */
struct iommu_fault_source {
	const char *name;
	const char *kind;
	const struct iommu_fault_driver_ops *ops;
	struct iommu_fault_core *core;
	struct list_head node;
};

enum iommu_fault_claim {
	IOMMU_FAULT_UNCLAIMED = 0,	/* the driver handles it as usual */
	IOMMU_FAULT_CLAIMED,		/* answered, or will be, by the core */
};

#ifdef CONFIG_IOMMU_FAULT_BPF
int iommu_fault_source_add(struct iommu_fault_source *src);
void iommu_fault_source_remove(struct iommu_fault_source *src);

struct iommu_fault_dev *iommu_fault_dev_add(struct iommu_fault_source *src,
					    struct device *dev, u32 sid,
					    void *drvdata);
void iommu_fault_dev_remove(struct iommu_fault_dev *fdev);
void *iommu_fault_dev_drvdata(struct iommu_fault_dev *fdev);
struct device *iommu_fault_dev_device(struct iommu_fault_dev *fdev);

enum iommu_fault_claim __iommu_fault_report(struct iommu_fault_dev *fdev,
					    struct iommu_fault_ctx *ctx,
					    void *handle);
void iommu_fault_report_orphan(struct iommu_fault_source *src,
			       const struct iommu_fault_ctx *ctx);
int iommu_fault_set_populate(struct iommu_domain *domain,
			     iommu_fault_populate_t fn, void *data);

/* The IOMMU core's hooks (iommu.c, io-pgfault.c). */
void iommu_fault_bpf_dev_probe(struct device *dev);
void iommu_fault_bpf_dev_release(struct device *dev);
void iommu_fault_bpf_iopf_disable(struct device *dev);
bool __iommu_fault_bpf_page_request(struct device *dev, struct iopf_fault *evt,
				    struct iopf_group *group);
void __iommu_fault_bpf_unrecoverable(struct device *dev, unsigned long iova,
				     int flags);

/* Private to the core: drivers test it through iommu_fault_bpf_enabled(). */
DECLARE_STATIC_KEY_FALSE(iommu_fault_bpf_active);

/**
 * iommu_fault_bpf_enabled() - whether the core has anything to do
 *
 * For a driver that must do work (decode a record) before it can call
 * __iommu_fault_report(): off, a NOP, while no policy is attached and no
 * device quarantined.
 */
static inline bool iommu_fault_bpf_enabled(void)
{
	return static_branch_unlikely(&iommu_fault_bpf_active);
}

/**
 * iommu_fault_report() - let the policies see a fault first
 * @fdev: the faulting device, from iommu_fault_dev_add()
 * @ctx: the decoded fault; the driver fills flags, sid, pasid, addr,
 *	perm, reason, event, grpid, raw_kind and raw, and zeroes the rest
 *	(scratch is the policies'); the core sets dev_name, seq, timestamp
 *	and cookie
 * @handle: the driver's own handle on the fault (io-pgfault: its group),
 *	given back to its respond and stock ops; never seen by a policy
 *
 * Context: the driver's fault path (process context, may be atomic).
 * Return: IOMMU_FAULT_CLAIMED when the core answered the fault or will;
 * the driver must then not answer it.  With no policy attached this is a
 * static branch and returns IOMMU_FAULT_UNCLAIMED.
 */
static inline enum iommu_fault_claim
iommu_fault_report(struct iommu_fault_dev *fdev, struct iommu_fault_ctx *ctx,
		   void *handle)
{
	if (!iommu_fault_bpf_enabled())
		return IOMMU_FAULT_UNCLAIMED;
	return __iommu_fault_report(fdev, ctx, handle);
}

/**
 * iommu_fault_bpf_page_request() - io-pgfault offers a page request first
 * @dev: the requesting device
 * @evt: the request
 * @group: the group @evt completes, assembled, before its domain's fault
 *	handler sees it; NULL for a request that is not its group's last
 *
 * Context: io-pgfault's report path (process context).
 * Return: true when the policies decided @group: the core answers and
 * frees it, io-pgfault must leave it.  False for a partial request, a
 * device whose driver reports its own faults, and, a static branch, while
 * no policy is attached.
 */
static inline bool iommu_fault_bpf_page_request(struct device *dev,
						struct iopf_fault *evt,
						struct iopf_group *group)
{
	if (!iommu_fault_bpf_enabled())
		return false;
	return __iommu_fault_bpf_page_request(dev, evt, group);
}

/**
 * iommu_fault_bpf_unrecoverable() - report_iommu_fault() offers its fault
 * @dev: the faulting device, or NULL
 * @iova: the faulting address
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE
 *
 * Before the domain's fault handler runs, which it does whatever the
 * policies return (only NONE applies to an unrecoverable fault).
 *
 * Context: the IOMMU driver's fault path, may be a hard interrupt.  A
 * static branch while no policy is attached.
 */
static inline void iommu_fault_bpf_unrecoverable(struct device *dev,
						 unsigned long iova, int flags)
{
	if (iommu_fault_bpf_enabled())
		__iommu_fault_bpf_unrecoverable(dev, iova, flags);
}
#else /* !CONFIG_IOMMU_FAULT_BPF */
static inline int iommu_fault_source_add(struct iommu_fault_source *src)
{
	return 0;
}

static inline void iommu_fault_source_remove(struct iommu_fault_source *src)
{
}

static inline struct iommu_fault_dev *
iommu_fault_dev_add(struct iommu_fault_source *src, struct device *dev,
		    u32 sid, void *drvdata)
{
	return NULL;
}

static inline void iommu_fault_dev_remove(struct iommu_fault_dev *fdev)
{
}

static inline void *iommu_fault_dev_drvdata(struct iommu_fault_dev *fdev)
{
	return NULL;
}

static inline struct device *iommu_fault_dev_device(struct iommu_fault_dev *fdev)
{
	return NULL;
}

static inline bool iommu_fault_bpf_enabled(void)
{
	return false;
}

static inline enum iommu_fault_claim
__iommu_fault_report(struct iommu_fault_dev *fdev, struct iommu_fault_ctx *ctx,
		     void *handle)
{
	return IOMMU_FAULT_UNCLAIMED;
}

static inline enum iommu_fault_claim
iommu_fault_report(struct iommu_fault_dev *fdev, struct iommu_fault_ctx *ctx,
		   void *handle)
{
	return IOMMU_FAULT_UNCLAIMED;
}

static inline void iommu_fault_report_orphan(struct iommu_fault_source *src,
					     const struct iommu_fault_ctx *ctx)
{
}

static inline int iommu_fault_set_populate(struct iommu_domain *domain,
					   iommu_fault_populate_t fn,
					   void *data)
{
	return -ENODEV;
}

static inline void iommu_fault_bpf_dev_probe(struct device *dev)
{
}

static inline void iommu_fault_bpf_dev_release(struct device *dev)
{
}

static inline void iommu_fault_bpf_iopf_disable(struct device *dev)
{
}

static inline bool iommu_fault_bpf_page_request(struct device *dev,
						struct iopf_fault *evt,
						struct iopf_group *group)
{
	return false;
}

static inline void iommu_fault_bpf_unrecoverable(struct device *dev,
						 unsigned long iova, int flags)
{
}
#endif /* CONFIG_IOMMU_FAULT_BPF */

#endif /* _LINUX_IOMMU_FAULT_BPF_H */
