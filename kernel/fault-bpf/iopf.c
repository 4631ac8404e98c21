// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-fault-bpf at io-pgfault: the page requests it delivers
 * (iommu_report_device_fault(), whichever IOMMU reported them), offered
 * to the policies first.
 *
 * A driver that reports its devices' faults itself keeps its devices:
 * SMMUv3 adds its masters and offers their events from its event
 * handler, so a stall it hands on to io-pgfault is not offered again
 * here.  Every other device is a fault device while io-pgfault takes its
 * requests (from iopf_queue_add_device() to iopf_queue_remove_device()),
 * on one fault source per IOMMU instance: adding it then, not when the
 * device is probed, puts no allocation on the paths that make devices.
 *
 * Groups: io-pgfault collects a PRI group's requests until its last one
 * (LAST_PAGE).  The earlier ones are offered as partial faults
 * (IOMMU_FAULT_CTX_PARTIAL: the policies see them; only NONE applies);
 * the last, once io-pgfault has assembled the group, as the recoverable
 * fault whose verdict answers the whole group with one response through
 * the driver's page_response.  A group no policy decides goes to the
 * domain's fault handler (SVA, iommufd's fault queue) as in 6.12.
 *
 * Responses: HANDLED sends SUCCESS, INVALID sends INVALID.  FAILURE
 * quarantines the device in software and sends INVALID too, not PCI's
 * Response Failure, which may turn the device's PRI off for good: what
 * upstream lets iommufd's users send since "iommufd: Avoid PRI Response
 * Failure" (2024).
 */
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

/* One IOMMU instance whose devices are here: a fault source. */
struct iopf_source {
	struct iommu_fault_source src;
	struct iommu_device *iommu;
	unsigned int devices;
	struct list_head node;
};

static LIST_HEAD(iopf_sources);
static DEFINE_MUTEX(iopf_sources_lock);
static const struct iommu_fault_driver_ops iopf_source_ops;

static struct iopf_source *iopf_source_get(struct iommu_device *iommu)
{
	struct iopf_source *s;

	mutex_lock(&iopf_sources_lock);
	list_for_each_entry(s, &iopf_sources, node)
		if (s->iommu == iommu)
			goto found;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		goto unlock;
	s->iommu = iommu;
	s->src.name = iommu->dev ? dev_name(iommu->dev) : "iommu";
	s->src.ops = &iopf_source_ops;
	iommu_fault_source_add(&s->src);
	list_add(&s->node, &iopf_sources);
found:
	s->devices++;
unlock:
	mutex_unlock(&iopf_sources_lock);
	return s;
}

static void iopf_source_put(struct iopf_source *s)
{
	mutex_lock(&iopf_sources_lock);
	if (!--s->devices) {
		list_del(&s->node);
		iommu_fault_source_remove(&s->src);
		kfree(s);
	}
	mutex_unlock(&iopf_sources_lock);
}

/* The device's requester ID: its PCI RID, or its first firmware ID. */
static u32 iopf_sid(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);

	if (dev_is_pci(dev))
		return pci_dev_id(to_pci_dev(dev));
	return fwspec && fwspec->num_ids ? fwspec->ids[0] : 0;
}

/*
 * The fault device of @dev, if it is this file's (not its driver's).  Set
 * and cleared while io-pgfault turns the device's IOPF on and off, which
 * no report of its faults overlaps.
 */
static struct iommu_fault_dev *iopf_fdev(struct device *dev)
{
	struct iommu_fault_dev *fdev =
		rcu_dereference_protected(dev->iommu->fault_bpf, true);

	return fdev && fdev->src->ops == &iopf_source_ops ? fdev : NULL;
}

/**
 * iommu_fault_bpf_iopf_enable() - io-pgfault takes @dev's page requests
 * @dev: from iopf_queue_add_device(), once it succeeded
 *
 * Adds @dev as a fault device unless its driver did.  On failure its
 * requests take the stock path.
 *
 * Context: process context, may sleep.
 */
void iommu_fault_bpf_iopf_enable(struct device *dev)
{
	struct iommu_fault_dev *fdev;
	struct iopf_source *s;

	if (rcu_access_pointer(dev->iommu->fault_bpf))
		return;
	s = iopf_source_get(dev->iommu->iommu_dev);
	if (!s)
		return;
	fdev = iommu_fault_dev_add(&s->src, dev, iopf_sid(dev), s);
	if (!fdev)
		iopf_source_put(s);
}

/**
 * iommu_fault_bpf_iopf_disable() - io-pgfault stops taking @dev's requests
 * @dev: from iopf_queue_remove_device(), before it answers what it holds
 *
 * Removes the fault device iommu_fault_bpf_iopf_enable() added: answers
 * (INVALID) the groups the policies keep pending for @dev, so that none
 * is answered after its IOPF is off, and waits for whoever answers one.
 *
 * Context: process context, sleeps.
 */
void iommu_fault_bpf_iopf_disable(struct device *dev)
{
	struct iommu_fault_dev *fdev = iopf_fdev(dev);
	struct iopf_source *s;

	if (!fdev)
		return;
	s = iommu_fault_dev_drvdata(fdev);
	iommu_fault_dev_remove(fdev);
	iopf_source_put(s);
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
	struct iommu_fault_dev *fdev = iopf_fdev(dev);
	struct iommu_fault_ctx ctx;

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

static const struct iommu_fault_driver_ops iopf_source_ops = {
	.respond = iopf_respond,
	.stock = iopf_stock,
};
