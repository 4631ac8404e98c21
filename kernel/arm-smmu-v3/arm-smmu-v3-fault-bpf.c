// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm-smmu-v3 glue for iommu-fault-bpf.
 *
 * Built into the arm-smmu-v3 driver object: decodes event records for the
 * policy engine, answers stalls with CMD_RESUME, hands what no policy
 * decided back to the driver's stock handling, and feeds injected records
 * into the driver's real event path.  The only code that knows SMMUv3
 * event records.
 *
 * Injected stalls under QEMU: QEMU's SMMUv3 has no stall model, so no
 * master is stall_enabled and stock 6.12 arm_smmu_page_response() WARNs
 * and sends nothing for such a master.  A record with the STALL bit can
 * only come from the inject path there, so while the driver's stock code
 * handles one (in arm_smmu_fault_bpf_inject() and in the deferred stock
 * path), the master is flagged stall_enabled, and only then.  CD.S is
 * never set: context descriptors are written at attach time, which
 * injection does not do, so the emulated SMMU never reads a stall CD and
 * the device's real DMA keeps working.
 */
#include <kunit/visibility.h>
#include <linux/bitfield.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/iommu_fault_bpf.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "arm-smmu-v3.h"
#include "arm-smmu-v3-fault-bpf.h"

struct arm_smmu_fault_bpf {
	struct iommu_fault_source src;
	struct arm_smmu_device *smmu;
};

static u32 evt_reason(u8 id)
{
	switch (id) {
	case EVT_ID_TRANSLATION_FAULT:
		return IOMMU_FAULT_REASON_TRANSLATION;
	case EVT_ID_ADDR_SIZE_FAULT:
		return IOMMU_FAULT_REASON_ADDR_SIZE;
	case EVT_ID_ACCESS_FAULT:
		return IOMMU_FAULT_REASON_ACCESS;
	case EVT_ID_PERMISSION_FAULT:
		return IOMMU_FAULT_REASON_PERMISSION;
	case EVT_ID_BAD_STREAMID:
	case EVT_ID_BAD_STE:
	case EVT_ID_STREAM_DISABLED:
		return IOMMU_FAULT_REASON_BAD_STREAM;
	case EVT_ID_BAD_SUBSTREAMID:
	case EVT_ID_BAD_CD:
		return IOMMU_FAULT_REASON_BAD_CONTEXT;
	case EVT_ID_STE_FETCH:
	case EVT_ID_CD_FETCH:
	case EVT_ID_WALK_EABT:
		return IOMMU_FAULT_REASON_WALK_ABORT;
	default:
		return IOMMU_FAULT_REASON_OTHER;
	}
}

/* The translation-class faults share one layout, with stall and access. */
static bool evt_is_translation_class(u8 id)
{
	return id >= EVT_ID_TRANSLATION_FAULT && id <= EVT_ID_PERMISSION_FAULT;
}

/* The events whose third dword is the faulting input address. */
static bool evt_has_addr(u8 id)
{
	return evt_is_translation_class(id) || id == EVT_ID_WALK_EABT ||
	       id == EVT_ID_TRANSL_FORBIDDEN || id == EVT_ID_BAD_ATS_TREQ ||
	       id == EVT_ID_UUT;
}

/*
 * Every field the core does not set (dev_name, cookie, seq, timestamp).
 * Field by field, not a memset of the whole: that is a call per fault,
 * and with the stack zeroed at entry (INIT_STACK_ALL_ZERO) a second one
 * (make bench: 64 instructions each).  A new field must be set here too.
 */
static_assert(sizeof(struct iommu_fault_ctx) == 216);

/* A raw event record -> the policies' view of it. */
VISIBLE_IF_KUNIT void arm_smmu_fault_bpf_decode(const u64 *evt,
						struct iommu_fault_ctx *ctx)
{
	u8 id = FIELD_GET(EVTQ_0_ID, evt[0]);

	ctx->stage = 0;
	ctx->flags = 0;
	ctx->sid = FIELD_GET(EVTQ_0_SID, evt[0]);
	ctx->pasid = 0;
	ctx->addr = 0;
	ctx->perm = 0;
	ctx->reason = evt_reason(id);
	ctx->event = id;
	ctx->grpid = 0;
	ctx->raw_kind = IOMMU_FAULT_RAW_SMMUV3;
	ctx->__reserved = 0;
	memset(ctx->scratch, 0, sizeof(ctx->scratch));
	if (evt[0] & EVTQ_0_SSV) {
		ctx->flags |= IOMMU_FAULT_CTX_PASID_VALID;
		ctx->pasid = FIELD_GET(EVTQ_0_SSID, evt[0]);
	}
	memcpy(ctx->raw, evt, sizeof(ctx->raw));
	/*
	 * The fetch faults' third dword is FetchAddr, the physical address
	 * of the STE, CD or table descriptor the SMMU read: not for programs.
	 */
	if (id == EVT_ID_STE_FETCH || id == EVT_ID_CD_FETCH ||
	    id == EVT_ID_WALK_EABT)
		memset(ctx->raw + 3 * sizeof(u64), 0, sizeof(u64));

	if (evt_has_addr(id))
		ctx->addr = FIELD_GET(EVTQ_2_ADDR, evt[2]);
	if (!evt_is_translation_class(id))
		return;

	ctx->perm = evt[1] & EVTQ_1_RnW ? IOMMU_FAULT_CTX_PERM_READ :
					    IOMMU_FAULT_CTX_PERM_WRITE;
	if (evt[1] & EVTQ_1_InD)
		ctx->perm |= IOMMU_FAULT_CTX_PERM_EXEC;
	if (evt[1] & EVTQ_1_PnU)
		ctx->perm |= IOMMU_FAULT_CTX_PERM_PRIV;
	/* Stage 2, the IPA and the walk's class stay in the raw record. */
	if (evt[1] & EVTQ_1_STALL) {
		ctx->flags |= IOMMU_FAULT_CTX_RECOVERABLE;
		ctx->grpid = FIELD_GET(EVTQ_1_STAG, evt[1]);
	}
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_fault_bpf_decode);

/* The event each reason is injected as: the first that decodes to it. */
static const u8 reason_evt[__IOMMU_FAULT_REASON_MAX] = {
	[IOMMU_FAULT_REASON_TRANSLATION]	= EVT_ID_TRANSLATION_FAULT,
	[IOMMU_FAULT_REASON_ADDR_SIZE]		= EVT_ID_ADDR_SIZE_FAULT,
	[IOMMU_FAULT_REASON_ACCESS]		= EVT_ID_ACCESS_FAULT,
	[IOMMU_FAULT_REASON_PERMISSION]		= EVT_ID_PERMISSION_FAULT,
	[IOMMU_FAULT_REASON_BAD_STREAM]		= EVT_ID_BAD_STE,
	[IOMMU_FAULT_REASON_BAD_CONTEXT]	= EVT_ID_BAD_CD,
	[IOMMU_FAULT_REASON_WALK_ABORT]		= EVT_ID_WALK_EABT,
	[IOMMU_FAULT_REASON_OTHER]		= EVT_ID_UUT,
};

/*
 * The policies' view of a fault -> the event record the SMMU would have
 * written for it, for injection: decoding it gives the same sid, pasid,
 * addr, perm, reason, grpid and flags.  -EINVAL for what an SMMU cannot
 * record: a stall of anything but the four translation-class faults, a
 * PASID wider than 20 bits, a stall tag wider than 16.
 */
VISIBLE_IF_KUNIT int arm_smmu_fault_bpf_encode(const struct iommu_fault_ctx *f,
					       u64 *evt)
{
	bool stall = f->flags & IOMMU_FAULT_CTX_RECOVERABLE;
	u8 id;

	if (f->reason >= __IOMMU_FAULT_REASON_MAX || !reason_evt[f->reason])
		return -EINVAL;
	id = reason_evt[f->reason];
	if ((stall && !evt_is_translation_class(id)) ||
	    f->pasid > FIELD_MAX(EVTQ_0_SSID) ||
	    f->grpid > FIELD_MAX(EVTQ_1_STAG))
		return -EINVAL;

	memset(evt, 0, EVTQ_ENT_DWORDS * sizeof(*evt));
	evt[0] = FIELD_PREP(EVTQ_0_ID, id) | FIELD_PREP(EVTQ_0_SID, f->sid);
	if (f->flags & IOMMU_FAULT_CTX_PASID_VALID)
		evt[0] |= EVTQ_0_SSV | FIELD_PREP(EVTQ_0_SSID, f->pasid);
	if (evt_has_addr(id))
		evt[2] = FIELD_PREP(EVTQ_2_ADDR, f->addr);
	if (!evt_is_translation_class(id))
		return 0;
	if (f->perm & IOMMU_FAULT_CTX_PERM_READ)
		evt[1] |= EVTQ_1_RnW;
	if (f->perm & IOMMU_FAULT_CTX_PERM_EXEC)
		evt[1] |= EVTQ_1_InD;
	if (f->perm & IOMMU_FAULT_CTX_PERM_PRIV)
		evt[1] |= EVTQ_1_PnU;
	if (stall)
		evt[1] |= EVTQ_1_STALL | FIELD_PREP(EVTQ_1_STAG, f->grpid);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(arm_smmu_fault_bpf_encode);

static void resume_stall(struct arm_smmu_device *smmu, u32 sid, u16 stag,
			 bool retry)
{
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMDQ_OP_RESUME,
		.resume = {
			.sid = sid,
			.stag = stag,
			.resp = retry ? CMDQ_RESUME_0_RESP_RETRY :
					CMDQ_RESUME_0_RESP_ABORT,
		},
	};

	/* No CMD_SYNC: it does nothing for RESUME (as the stock driver). */
	arm_smmu_cmdq_issue_cmd(smmu, &cmd);
}

/* A stall is answered by its tag: no handle (NULL) is needed. */
static void fault_bpf_respond(struct iommu_fault_dev *fdev,
			      const struct iommu_fault_ctx *ctx, void *handle,
			      bool retry)
{
	struct arm_smmu_master *master = iommu_fault_dev_drvdata(fdev);

	resume_stall(master->smmu, ctx->sid, ctx->grpid, retry);
}

/*
 * Only an injected record can stall a master that is not stall_enabled
 * (see the top of this file): flag it while the stock code runs.  Under
 * arm_smmu_asid_lock, which every writer of an STE or CD holds, so that no
 * attach builds a stalling STE or CD from the flag meanwhile.
 */
static bool fake_stall_begin(struct arm_smmu_master *master)
{
	if (!IS_ENABLED(CONFIG_IOMMU_FAULT_BPF_INJECT) || master->stall_enabled)
		return false;
	master->stall_enabled = true;
	return true;
}

static void fake_stall_end(struct arm_smmu_master *master, bool faked)
{
	if (faked)
		master->stall_enabled = false;
}

/* The stock 6.12 handling of a stall nobody decided, after a deferral. */
static void fault_bpf_stock(struct iommu_fault_dev *fdev,
			    const struct iommu_fault_ctx *ctx, void *handle)
{
	struct arm_smmu_master *master = iommu_fault_dev_drvdata(fdev);
	struct iopf_fault fault_evt = { };
	struct iommu_fault *flt = &fault_evt.fault;
	u32 perm = 0;
	bool faked;

	if (ctx->perm & IOMMU_FAULT_CTX_PERM_READ)
		perm |= IOMMU_FAULT_PERM_READ;
	if (ctx->perm & IOMMU_FAULT_CTX_PERM_WRITE)
		perm |= IOMMU_FAULT_PERM_WRITE;
	if (ctx->perm & IOMMU_FAULT_CTX_PERM_EXEC)
		perm |= IOMMU_FAULT_PERM_EXEC;
	if (ctx->perm & IOMMU_FAULT_CTX_PERM_PRIV)
		perm |= IOMMU_FAULT_PERM_PRIV;
	flt->type = IOMMU_FAULT_PAGE_REQ;
	flt->prm = (struct iommu_fault_page_request) {
		.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
		.grpid = ctx->grpid,
		.perm = perm,
		.addr = ctx->addr,
	};
	if (ctx->flags & IOMMU_FAULT_CTX_PASID_VALID) {
		flt->prm.flags |= IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;
		flt->prm.pasid = ctx->pasid;
	}

	mutex_lock(&arm_smmu_asid_lock);
	faked = fake_stall_begin(master);
	iommu_report_device_fault(master->dev, &fault_evt);
	fake_stall_end(master, faked);
	mutex_unlock(&arm_smmu_asid_lock);
}

/* What arm_smmu_evtq_thread() prints for an event it did not handle. */
static void print_evt(struct arm_smmu_device *smmu, const u64 *evt)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);
	int i;

	if (!__ratelimit(&rs))
		return;
	dev_info(smmu->dev, "event 0x%02x received:\n",
		 (u8)FIELD_GET(EVTQ_0_ID, evt[0]));
	for (i = 0; i < EVTQ_ENT_DWORDS; ++i)
		dev_info(smmu->dev, "\t0x%016llx\n", (unsigned long long)evt[i]);
}

/* Records injected per turn of the event IRQ: real events run between. */
#define INJECT_BATCH	64

/* A stall injected for a master that really stalls would resume its DMA. */
static int inject_check_master(struct arm_smmu_device *smmu, const u64 *evt)
{
	struct arm_smmu_master *master;
	int ret = 0;

	if (!(evt[1] & EVTQ_1_STALL))
		return 0;
	mutex_lock(&smmu->streams_mutex);
	master = arm_smmu_find_master(smmu, FIELD_GET(EVTQ_0_SID, evt[0]));
	if (master && master->stall_enabled)
		ret = -EPERM;
	mutex_unlock(&smmu->streams_mutex);
	return ret;
}

/* One record through arm_smmu_handle_evt(), as the event thread does. */
static void inject_one(struct arm_smmu_device *smmu, u64 *evt)
{
	struct arm_smmu_master *master = NULL;
	bool faked = false;

	mutex_lock(&arm_smmu_asid_lock);
	if (evt[1] & EVTQ_1_STALL) {
		mutex_lock(&smmu->streams_mutex);
		master = arm_smmu_find_master(smmu, FIELD_GET(EVTQ_0_SID, evt[0]));
		if (master)
			faked = fake_stall_begin(master);
		mutex_unlock(&smmu->streams_mutex);
	}
	if (arm_smmu_handle_evt(smmu, evt))
		print_evt(smmu, evt);
	/* The master cannot go meanwhile: its release takes this lock too. */
	if (faked)
		fake_stall_end(master, faked);
	mutex_unlock(&arm_smmu_asid_lock);
}

/*
 * Write the record of @fault and feed @count copies of it into
 * arm_smmu_handle_evt(), the function the event-queue thread calls.  The
 * event IRQ is off during each batch, so real events never interleave
 * with an injected one, and on between batches, so they are not held back
 * for long.  A fatal signal stops it.  Injection forges hardware events:
 * the kernel is tainted.
 */
static int fault_bpf_inject(struct iommu_fault_source *src,
			    const struct iommu_fault_ctx *fault, u32 count,
			    u32 flags)
{
	struct arm_smmu_fault_bpf *fb =
		container_of(src, struct arm_smmu_fault_bpf, src);
	struct arm_smmu_device *smmu = fb->smmu;
	int irq = smmu->combined_irq ? smmu->combined_irq : smmu->evtq.q.irq;
	u64 evt[EVTQ_ENT_DWORDS];
	u32 done = 0;
	int i, ret;
	u16 stag;

	if (count > IOMMU_FAULT_INJECT_COUNT_MAX)
		return -E2BIG;
	ret = arm_smmu_fault_bpf_encode(fault, evt);
	if (ret)
		return ret;
	ret = inject_check_master(smmu, evt);
	if (ret)
		return ret;
	if (!test_taint(TAINT_USER)) {
		pr_warn("iommu-fault-bpf: faults injected into %s: tainting the kernel\n",
			dev_name(smmu->dev));
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	}
	stag = FIELD_GET(EVTQ_1_STAG, evt[1]);

	while (done < count) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (irq > 0)
			disable_irq(irq);
		for (i = 0; i < INJECT_BATCH && done < count; i++, done++) {
			u64 copy[EVTQ_ENT_DWORDS];

			memcpy(copy, evt, sizeof(copy));
			if (flags & IOMMU_FAULT_INJECT_GRPID_SEQ) {
				copy[1] &= ~EVTQ_1_STAG;
				copy[1] |= FIELD_PREP(EVTQ_1_STAG, stag++);
			}
			inject_one(smmu, copy);
		}
		if (irq > 0)
			enable_irq(irq);
		cond_resched();
	}
	return 0;
}

static const struct iommu_fault_driver_ops arm_smmu_fault_bpf_ops = {
	.respond = fault_bpf_respond,
	.stock = fault_bpf_stock,
	.inject = fault_bpf_inject,
};

int arm_smmu_fault_bpf_add_smmu(struct arm_smmu_device *smmu)
{
	struct arm_smmu_fault_bpf *fb;

	fb = devm_kzalloc(smmu->dev, sizeof(*fb), GFP_KERNEL);
	if (!fb)
		return -ENOMEM;
	fb->smmu = smmu;
	fb->src.name = dev_name(smmu->dev);
	fb->src.kind = "smmuv3";
	fb->src.ops = &arm_smmu_fault_bpf_ops;
	smmu->fault_bpf = fb;
	return iommu_fault_source_add(&fb->src);
}

void arm_smmu_fault_bpf_remove_smmu(struct arm_smmu_device *smmu)
{
	if (smmu->fault_bpf)
		iommu_fault_source_remove(&smmu->fault_bpf->src);
}

void arm_smmu_fault_bpf_add_master(struct arm_smmu_master *master)
{
	struct arm_smmu_fault_bpf *fb = master->smmu->fault_bpf;

	/* Without it the device's faults simply take the stock path. */
	if (fb && master->num_streams)
		master->fault_bpf = iommu_fault_dev_add(&fb->src, master->dev,
							master->streams[0].id,
							master);
}

/*
 * The master is being released: from now on its faults take the stock
 * path, and what is pending for it is answered, while its STE and streams
 * still exist (the answers, and the stock path of a deferred fault, use
 * them).  Called before anything of the master is torn down.
 */
void arm_smmu_fault_bpf_remove_master(struct arm_smmu_master *master)
{
	struct arm_smmu_device *smmu = master->smmu;
	struct iommu_fault_dev *fdev;

	mutex_lock(&smmu->streams_mutex);
	fdev = master->fault_bpf;
	master->fault_bpf = NULL;
	mutex_unlock(&smmu->streams_mutex);
	iommu_fault_dev_remove(fdev);
}

/*
 * Policies see the event first.  Returns true when the core answered it or
 * will, so the driver's stock handling must not.  Called with no lock
 * held, from arm_smmu_handle_evt().
 */
bool __arm_smmu_fault_bpf_claim(struct arm_smmu_device *smmu, u64 *evt)
{
	struct arm_smmu_master *master;
	/* Decoded, then completed by the core: no zeroing first. */
	struct iommu_fault_ctx ctx __uninitialized;
	bool claimed = false;

	arm_smmu_fault_bpf_decode(evt, &ctx);
	mutex_lock(&smmu->streams_mutex);
	master = arm_smmu_find_master(smmu, ctx.sid);
	/* arm_smmu_fault_bpf_claim() tested the static key. */
	if (master && master->fault_bpf)
		claimed = __iommu_fault_report(master->fault_bpf, &ctx, NULL) ==
			  IOMMU_FAULT_CLAIMED;
	mutex_unlock(&smmu->streams_mutex);
	return claimed;
}

/*
 * A stall for a stream ID with no master: stock 6.12 leaves the
 * transaction stalled forever.  Abort it and count it.
 */
void arm_smmu_fault_bpf_orphan(struct arm_smmu_device *smmu, u64 *evt)
{
	/* No device: the core's fields stay zero (an empty name). */
	struct iommu_fault_ctx ctx = { };

	arm_smmu_fault_bpf_decode(evt, &ctx);
	if (!(ctx.flags & IOMMU_FAULT_CTX_RECOVERABLE))
		return;
	resume_stall(smmu, ctx.sid, ctx.grpid, false);
	if (smmu->fault_bpf)
		iommu_fault_report_orphan(&smmu->fault_bpf->src, &ctx);
}
