/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-fault-bpf: the interface between the core and IOMMU drivers.
 *
 * A driver adds each device it translates for (iommu_fault_dev_add()),
 * reports each fault with iommu_fault_report() before its own handling,
 * and provides the ops that answer a stalled transaction.  Nothing here is
 * specific to one IOMMU.
 */
#ifndef _IOMMU_FAULT_BPF_DRIVER_H
#define _IOMMU_FAULT_BPF_DRIVER_H

#include <linux/iommu_fault_bpf.h>
#include <linux/jump_label.h>
#include <linux/types.h>

struct device;
struct iommu_domain;
struct iommu_fault_core;
struct iommu_fault_dev;
struct iommu_fault_source;

/*
 * The owner of a domain maps what a fault at @addr needs, or refuses
 * (negative errno).  Process context, may sleep.
 */
typedef int (*iommu_fault_populate_t)(struct iommu_domain *domain,
				      struct device *dev, u64 addr,
				      u32 access, void *data);
int iommu_fault_set_populate(struct iommu_domain *domain,
			     iommu_fault_populate_t fn, void *data);

/**
 * struct iommu_fault_driver_ops - what the core asks of an IOMMU driver
 * @resume: answer the stalled transaction described by @ctx (stall_tag,
 *	sid, ...) of @dev: retry it or abort it.  Called exactly once per
 *	claimed recoverable fault, from the fault path or from process
 *	context, never under a lock the driver's fault path takes.
 * @stock: hand a recoverable fault that no policy decided to the driver's
 *	own handling, from process context (after a deferred stage).  The
 *	driver must answer it.
 * @inject: (CONFIG_IOMMU_FAULT_BPF_INJECT) feed @count copies of a raw
 *	event record into the driver's event path for @src, as if the IOMMU
 *	had recorded them; @flags are IOMMU_FAULT_INJECT_*.  Process
 *	context.
 */
struct iommu_fault_driver_ops {
	void (*resume)(struct iommu_fault_dev *fdev,
		       const struct iommu_fault_ctx *ctx, bool retry);
	void (*stock)(struct iommu_fault_dev *fdev,
		      const struct iommu_fault_ctx *ctx);
	int (*inject)(struct iommu_fault_source *src, const void *raw,
		      size_t len, u32 count, u32 flags);
};

/**
 * struct iommu_fault_source - one IOMMU instance that reports faults
 * @name: its device name, as user space names it for injection
 * @ops: the driver's ops
 * @core: private to the core: the one it reports to
 * @node: private to the core
 */
struct iommu_fault_source {
	const char *name;
	const struct iommu_fault_driver_ops *ops;
	struct iommu_fault_core *core;
	struct list_head node;
};

enum iommu_fault_claim {
	IOMMU_FAULT_UNCLAIMED = 0,	/* the driver handles it as usual */
	IOMMU_FAULT_CLAIMED,		/* answered, or will be, by the core */
};

DECLARE_STATIC_KEY_FALSE(iommu_fault_bpf_active);

int iommu_fault_source_add(struct iommu_fault_source *src);
void iommu_fault_source_remove(struct iommu_fault_source *src);

struct iommu_fault_dev *iommu_fault_dev_add(struct iommu_fault_source *src,
					    struct device *dev, u32 sid,
					    void *drvdata);
void iommu_fault_dev_remove(struct iommu_fault_dev *fdev);
void *iommu_fault_dev_drvdata(struct iommu_fault_dev *fdev);
struct device *iommu_fault_dev_device(struct iommu_fault_dev *fdev);

enum iommu_fault_claim __iommu_fault_report(struct iommu_fault_dev *fdev,
					    struct iommu_fault_ctx *ctx);
void iommu_fault_report_orphan(struct iommu_fault_source *src,
			       const struct iommu_fault_ctx *ctx);

/**
 * iommu_fault_report() - let the policies see a fault first
 * @fdev: the faulting device, from iommu_fault_dev_add()
 * @ctx: the decoded fault; the driver fills flags, sid, pasid, addr, ipa,
 *	access, reason, event, stall_tag and raw; the core the rest
 *
 * Context: the driver's fault path (process context, may be atomic).
 * Return: IOMMU_FAULT_CLAIMED when the core answered the fault or will;
 * the driver must then not answer it.  With no policy attached this is a
 * static branch and returns IOMMU_FAULT_UNCLAIMED.
 */
static inline enum iommu_fault_claim
iommu_fault_report(struct iommu_fault_dev *fdev, struct iommu_fault_ctx *ctx)
{
	if (!static_branch_unlikely(&iommu_fault_bpf_active))
		return IOMMU_FAULT_UNCLAIMED;
	return __iommu_fault_report(fdev, ctx);
}

#endif /* _IOMMU_FAULT_BPF_DRIVER_H */
