// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf in the IOMMU core: the faults of every device whose
 * IOMMU driver does not report them itself, offered to the policies
 * where every IOMMU's faults pass anyway:
 *
 * - page requests at io-pgfault (iommu_report_device_fault(): VT-d and
 *   AMD PRI, the iommufd selftest's mock), before the domain's fault
 *   handler;
 * - unrecoverable faults at report_iommu_fault() (AMD, SMMUv2, Qualcomm,
 *   MediaTek, Rockchip, ...), before the domain's fault handler; only NONE
 *   applies, and its return value is the handler's, as without us.
 *
 * A driver that reports its devices' faults itself keeps its devices:
 * SMMUv3 adds its masters and offers their events from its event
 * handler, so a stall it hands on to io-pgfault is not offered again
 * here.  Every other device the IOMMU core probes is a fault device of its
 * IOMMU's generic source (one per IOMMU instance), from probe to release:
 * the hooks find it from dev->iommu in O(1).
 *
 * Groups: io-pgfault collects a PRI group's requests until its last one
 * (LAST_PAGE).  The earlier ones are offered as partial faults
 * (IOMMU_FAULT_CTX_PARTIAL: the policies see them; only NONE applies);
 * the last, once io-pgfault has assembled the group, as the recoverable
 * fault whose verdict answers the whole group with one response through
 * the driver's page_response.  A group no policy decides goes to the
 * domain's fault handler (SVA, iommufd's fault queue) as in 6.12.  When
 * io-pgfault stops taking a device's requests, the groups the policies
 * keep pending are answered first.
 *
 * Responses: HANDLED sends SUCCESS, INVALID sends INVALID.  FAILURE
 * quarantines the device in software and sends INVALID too, not PCI's
 * Response Failure, which may turn the device's PRI off for good: what
 * upstream lets iommufd's users send since "iommufd: Avoid PRI Response
 * Failure" (2024).
 */
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "iommu-priv.h"
#include "iommu_fault_bpf_private.h"

/* The policies' permission bits are io-pgfault's. */
static_assert(IOMMU_FAULT_PERM_READ == IOMMU_FAULT_CTX_PERM_READ);
static_assert(IOMMU_FAULT_PERM_WRITE == IOMMU_FAULT_CTX_PERM_WRITE);
static_assert(IOMMU_FAULT_PERM_EXEC == IOMMU_FAULT_CTX_PERM_EXEC);
static_assert(IOMMU_FAULT_PERM_PRIV == IOMMU_FAULT_CTX_PERM_PRIV);

/* One IOMMU instance whose devices are here: a generic fault source. */
struct generic_source {
	struct iommu_fault_source src;
	struct iommu_device *iommu;
	unsigned int devices;
	struct list_head node;
	char kind[IOMMU_FAULT_KIND_LEN];
};

static LIST_HEAD(generic_sources);
static DEFINE_MUTEX(generic_sources_lock);
static const struct iommu_fault_driver_ops generic_source_ops;

/*
 * What kind of IOMMU @iommu is, from what the IOMMU core knows of it: the
 * driver bound to the device it is a part of, else its own name without
 * the instance number ("dmar0": "dmar", "ivhd1": "ivhd").
 */
static void generic_kind(struct iommu_device *iommu, char *kind)
{
	struct device *hw = iommu->dev ? iommu->dev->parent : NULL;
	const char *name = "iommu";
	ssize_t n;

	if (hw && hw->driver)
		name = hw->driver->name;
	else if (iommu->dev)
		name = dev_name(iommu->dev);
	n = strscpy(kind, name, IOMMU_FAULT_KIND_LEN);
	if (n == -E2BIG)
		n = IOMMU_FAULT_KIND_LEN - 1;
	while (n > 1 && (isdigit(kind[n - 1]) || kind[n - 1] == '.'))
		kind[--n] = '\0';
}

static struct generic_source *generic_source_get(struct iommu_device *iommu)
{
	struct generic_source *s;

	mutex_lock(&generic_sources_lock);
	list_for_each_entry(s, &generic_sources, node)
		if (s->iommu == iommu)
			goto found;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		goto unlock;
	s->iommu = iommu;
	generic_kind(iommu, s->kind);
	s->src.name = iommu->dev ? dev_name(iommu->dev) : "iommu";
	s->src.kind = s->kind;
	s->src.ops = &generic_source_ops;
	iommu_fault_source_add(&s->src);
	list_add(&s->node, &generic_sources);
found:
	s->devices++;
unlock:
	mutex_unlock(&generic_sources_lock);
	return s;
}

static void generic_source_put(struct generic_source *s)
{
	mutex_lock(&generic_sources_lock);
	if (!--s->devices) {
		list_del(&s->node);
		iommu_fault_source_remove(&s->src);
		kfree(s);
	}
	mutex_unlock(&generic_sources_lock);
}

/* The device's requester ID: its PCI RID, or its first firmware ID. */
static u32 generic_sid(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);

	if (dev_is_pci(dev))
		return pci_dev_id(to_pci_dev(dev));
	return fwspec && fwspec->num_ids ? fwspec->ids[0] : 0;
}

/*
 * The fault device of @dev, if it is this file's (not its driver's).  Set
 * at probe and cleared at release, which no report of the device's faults
 * overlaps (io-pgfault's callers hold the device; report_iommu_fault()'s
 * read it under RCU, see there).
 */
static struct iommu_fault_dev *generic_fdev(struct device *dev)
{
	struct iommu_fault_dev *fdev =
		rcu_dereference_check(dev->iommu->fault_bpf, true);

	return fdev && fdev->src->ops == &generic_source_ops ? fdev : NULL;
}

/**
 * iommu_fault_bpf_dev_probe() - the IOMMU core probed @dev
 * @dev: from iommu_init_device(), after the driver's probe_device()
 *
 * Adds @dev as a fault device of its IOMMU's generic source, unless the
 * driver added it in its probe_device().  On failure the device's faults
 * take the stock path.
 *
 * Context: process context, may sleep.
 */
void iommu_fault_bpf_dev_probe(struct device *dev)
{
	struct iommu_fault_dev *fdev;
	struct generic_source *s;

	if (rcu_access_pointer(dev->iommu->fault_bpf))
		return;
	s = generic_source_get(dev->iommu->iommu_dev);
	if (!s)
		return;
	fdev = iommu_fault_dev_add(&s->src, dev, generic_sid(dev), s);
	if (!fdev)
		generic_source_put(s);
}

/**
 * iommu_fault_bpf_dev_release() - the IOMMU core releases @dev
 * @dev: from iommu_deinit_device(), before the driver's release_device()
 *
 * Removes the fault device iommu_fault_bpf_dev_probe() added, answering
 * (INVALID) what the policies keep pending for it.
 *
 * Context: process context, sleeps.
 */
void iommu_fault_bpf_dev_release(struct device *dev)
{
	struct iommu_fault_dev *fdev = generic_fdev(dev);
	struct generic_source *s;

	if (!fdev)
		return;
	s = iommu_fault_dev_drvdata(fdev);
	iommu_fault_dev_remove(fdev);
	generic_source_put(s);
}

/**
 * iommu_fault_bpf_iopf_disable() - io-pgfault stops taking @dev's requests
 * @dev: from iopf_queue_remove_device(), before it answers what it holds
 *
 * Answers (INVALID) the groups the policies keep pending for @dev, and
 * waits for whoever answers one, so that none is answered after its IOPF
 * is off and io-pgfault answers none of them.  The device stays a fault
 * device, with its counters.
 *
 * Context: process context, sleeps.
 */
void iommu_fault_bpf_iopf_disable(struct device *dev)
{
	struct iommu_fault_dev *fdev = generic_fdev(dev);

	if (fdev)
		iommu_fault_dev_quiesce(fdev);
}

static void iopf_ctx(struct iommu_fault_dev *fdev,
		     const struct iommu_fault_page_request *prm, bool last,
		     struct iommu_fault_ctx *ctx)
{
	*ctx = (struct iommu_fault_ctx) {
		.flags = last ? IOMMU_FAULT_CTX_RECOVERABLE :
				IOMMU_FAULT_CTX_PARTIAL,
		.sid = fdev->sid,
		.addr = prm->addr,
		.perm = prm->perm,
		.reason = IOMMU_FAULT_REASON_PAGE_REQUEST,
		.grpid = prm->grpid,
		.raw_kind = IOMMU_FAULT_RAW_NONE,
	};
	if (prm->flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID) {
		ctx->flags |= IOMMU_FAULT_CTX_PASID_VALID;
		ctx->pasid = prm->pasid;
	}
}

/**
 * __iommu_fault_bpf_page_request() - offer a page request to the policies
 * @dev: the requesting device
 * @evt: the request
 * @group: the group @evt completes, as io-pgfault assembled it and
 *	before its domain's fault handler sees it; NULL for a request that
 *	is not its group's last
 *
 * Context: io-pgfault's report path (process context, may sleep).
 * Return: true when a policy decided @group: it is answered, or will be,
 * and freed by the core; io-pgfault must leave it.  Always false for a
 * partial request.
 */
bool __iommu_fault_bpf_page_request(struct device *dev, struct iopf_fault *evt,
				    struct iopf_group *group)
{
	/* The device cannot go meanwhile: io-pgfault's caller holds it. */
	struct iommu_fault_dev *fdev = generic_fdev(dev);
	/* iopf_ctx() writes all of it: no zeroing first (INIT_STACK_ALL_ZERO). */
	struct iommu_fault_ctx ctx __uninitialized;

	if (!fdev)
		return false;
	iopf_ctx(fdev, &evt->fault.prm, group, &ctx);
	/*
	 * The group is the policies' from now on, whatever they decide:
	 * off io-pgfault's pending list (as iommufd's handler takes it), so
	 * that an answer from the fast stage needs no sleeping lock and
	 * io-pgfault never answers it too.
	 */
	if (group)
		iopf_group_dequeue(group);
	return __iommu_fault_report(fdev, &ctx, group) == IOMMU_FAULT_CLAIMED &&
	       group;
}

/**
 * __iommu_fault_bpf_unrecoverable() - offer report_iommu_fault()'s fault
 * @dev: the faulting device; NULL when its driver does not know it
 *	(SMMUv2), and then nothing is offered
 * @iova: the faulting address
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE, as the driver gave them
 *	(also in the context's event)
 *
 * The policies and the tracepoints see the fault before the domain's
 * fault handler.  It cannot be answered: only NONE applies, whatever a
 * policy returns is counted and the handler runs as without them.
 *
 * Context: the IOMMU driver's fault path, often a hard interrupt.  The
 * device's fault device is read under RCU: a release may run meanwhile,
 * and frees it only after a grace period.
 */
void __iommu_fault_bpf_unrecoverable(struct device *dev, unsigned long iova,
				     int flags)
{
	struct iommu_fault_dev *fdev;
	struct iommu_fault_ctx ctx;

	if (!dev || !dev->iommu)
		return;
	rcu_read_lock();
	fdev = generic_fdev(dev);
	if (fdev) {
		ctx = (struct iommu_fault_ctx) {
			.sid = fdev->sid,
			.addr = iova,
			.perm = flags & IOMMU_FAULT_WRITE ?
				IOMMU_FAULT_CTX_PERM_WRITE :
				IOMMU_FAULT_CTX_PERM_READ,
			.reason = IOMMU_FAULT_REASON_UNKNOWN,
			.event = flags,
			.raw_kind = IOMMU_FAULT_RAW_NONE,
		};
		__iommu_fault_report(fdev, &ctx, NULL);
	}
	rcu_read_unlock();
}

/* Answer @handle's group: the one response of the group. */
static void iopf_respond(struct iommu_fault_dev *fdev,
			 const struct iommu_fault_ctx *ctx, void *handle,
			 bool retry)
{
	struct iopf_group *group = handle;
	struct device *dev = iommu_fault_dev_device(fdev);
	struct iommu_fault_page_request *prm;
	struct iommu_page_response resp;

	/* Only a group's last request is ever claimed, with its group. */
	if (WARN_ON_ONCE(!group))
		return;
	prm = &group->last_fault.fault.prm;
	resp = (struct iommu_page_response) {
		.pasid = prm->pasid,
		.grpid = prm->grpid,
		.code = retry ? IOMMU_PAGE_RESP_SUCCESS :
				IOMMU_PAGE_RESP_INVALID,
	};
	/* What iopf_group_response() sends, without its (sleeping) lock. */
	dev_iommu_ops(dev)->page_response(dev, &group->last_fault, &resp);
	iopf_free_group(group);
}

/*
 * The fault handler attached for @group now, found as io-pgfault's
 * find_fault_handler() finds it: the one of the fault's time may have
 * been detached during a deferred stage.
 */
static struct iommu_attach_handle *iopf_handler_now(struct device *dev,
						    struct iopf_group *group)
{
	const struct iommu_fault_page_request *prm = &group->last_fault.fault.prm;
	struct iommu_attach_handle *h;

	if (prm->flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID) {
		h = iommu_attach_handle_get(dev->iommu_group, prm->pasid, 0);
		if (IS_ERR(h) && dev_iommu_ops(dev)->user_pasid_table)
			h = iommu_attach_handle_get(dev->iommu_group,
						    IOMMU_NO_PASID,
						    IOMMU_DOMAIN_NESTED);
	} else {
		h = iommu_attach_handle_get(dev->iommu_group, IOMMU_NO_PASID,
					    0);
	}
	return IS_ERR(h) || !h->domain->iopf_handler ? NULL : h;
}

/* After a deferred stage: io-pgfault's own handling of the group. */
static void iopf_stock(struct iommu_fault_dev *fdev,
		       const struct iommu_fault_ctx *ctx, void *handle)
{
	struct device *dev = iommu_fault_dev_device(fdev);
	struct iopf_group *group = handle;
	struct iommu_attach_handle *h;

	if (WARN_ON_ONCE(!group))
		return;
	h = iopf_handler_now(dev, group);
	if (h) {
		group->attach_handle = h;
		if (!h->domain->iopf_handler(group))
			return;
	}
	/* As iommu_report_device_fault() ends a group it cannot deliver. */
	iopf_group_response(group, h ? IOMMU_PAGE_RESP_FAILURE :
				       IOMMU_PAGE_RESP_INVALID);
	iopf_free_group(group);
}

static const struct iommu_fault_driver_ops generic_source_ops = {
	.respond = iopf_respond,
	.stock = iopf_stock,
};

#if IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_TEST_SEAMS)
/* The KUnit tests add generic fault devices to their own core. */
const struct iommu_fault_driver_ops *iommu_fault_generic_test_ops(void)
{
	return &generic_source_ops;
}
#endif
