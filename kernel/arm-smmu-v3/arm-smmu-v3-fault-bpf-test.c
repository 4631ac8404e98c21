// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the SMMUv3 glue's event record codec: what a policy
 * sees of a record, and the record injection writes for a fault.  Built
 * into the arm-smmu-v3 driver with the glue, as the codec uses the
 * driver's own record layout (arm-smmu-v3.h).
 */
#include <kunit/test.h>
#include <linux/bitfield.h>

#include "arm-smmu-v3.h"
#include "arm-smmu-v3-fault-bpf.h"

struct codec_case {
	const char *desc;
	u32 reason;
	bool recoverable;
};

static const struct codec_case codec_cases[] = {
	{ "translation, stalled", IOMMU_FAULT_REASON_TRANSLATION, true },
	{ "translation", IOMMU_FAULT_REASON_TRANSLATION, false },
	{ "address size, stalled", IOMMU_FAULT_REASON_ADDR_SIZE, true },
	{ "access flag, stalled", IOMMU_FAULT_REASON_ACCESS, true },
	{ "permission, stalled", IOMMU_FAULT_REASON_PERMISSION, true },
	{ "permission", IOMMU_FAULT_REASON_PERMISSION, false },
	{ "bad stream", IOMMU_FAULT_REASON_BAD_STREAM, false },
	{ "bad context", IOMMU_FAULT_REASON_BAD_CONTEXT, false },
	{ "walk abort", IOMMU_FAULT_REASON_WALK_ABORT, false },
	{ "other", IOMMU_FAULT_REASON_OTHER, false },
};

KUNIT_ARRAY_PARAM_DESC(codec, codec_cases, desc);

/* What injection writes decodes to the fault it was asked for. */
static void codec_round_trip(struct kunit *test)
{
	const struct codec_case *c = test->param_value;
	struct iommu_fault_ctx in = {
		.flags = IOMMU_FAULT_CTX_PASID_VALID |
			 (c->recoverable ? IOMMU_FAULT_CTX_RECOVERABLE : 0),
		.sid = 0x1234, .pasid = 0xfffff, .addr = 0xfffffffffffff000ULL,
		.perm = IOMMU_FAULT_CTX_PERM_READ | IOMMU_FAULT_CTX_PERM_EXEC |
			IOMMU_FAULT_CTX_PERM_PRIV,
		.reason = c->reason, .grpid = c->recoverable ? 0xffff : 0,
	};
	bool walk = c->reason == IOMMU_FAULT_REASON_BAD_STREAM ||
		    c->reason == IOMMU_FAULT_REASON_BAD_CONTEXT;
	bool translation = c->reason >= IOMMU_FAULT_REASON_TRANSLATION &&
			   c->reason <= IOMMU_FAULT_REASON_PERMISSION;
	struct iommu_fault_ctx out;
	u64 evt[EVTQ_ENT_DWORDS];

	KUNIT_ASSERT_EQ(test, arm_smmu_fault_bpf_encode(&in, evt), 0);
	arm_smmu_fault_bpf_decode(evt, &out);
	KUNIT_EXPECT_EQ(test, out.reason, in.reason);
	KUNIT_EXPECT_EQ(test, out.flags, in.flags);
	KUNIT_EXPECT_EQ(test, out.sid, in.sid);
	KUNIT_EXPECT_EQ(test, out.pasid, in.pasid);
	KUNIT_EXPECT_EQ(test, out.addr, walk ? 0 : in.addr);
	KUNIT_EXPECT_EQ(test, out.perm, translation ? in.perm : 0);
	KUNIT_EXPECT_EQ(test, out.grpid, in.grpid);
	KUNIT_EXPECT_EQ(test, out.raw_kind, IOMMU_FAULT_RAW_SMMUV3);
	KUNIT_EXPECT_EQ(test, out.event, FIELD_GET(EVTQ_0_ID, evt[0]));
	KUNIT_EXPECT_EQ(test, memcmp(out.raw, evt, sizeof(out.raw)), 0);
}

/* A fault no SMMU could have recorded is refused. */
static void encode_refuses(struct kunit *test)
{
	struct iommu_fault_ctx f = {
		.flags = IOMMU_FAULT_CTX_RECOVERABLE,
		.reason = IOMMU_FAULT_REASON_TRANSLATION,
	};
	u64 evt[EVTQ_ENT_DWORDS];

	KUNIT_EXPECT_EQ(test, arm_smmu_fault_bpf_encode(&f, evt), 0);
	f.grpid = 0x10000;		/* STAG is 16 bits */
	KUNIT_EXPECT_EQ(test, arm_smmu_fault_bpf_encode(&f, evt), -EINVAL);
	f.grpid = 0;
	f.pasid = 0x100000;		/* SSID is 20 bits */
	KUNIT_EXPECT_EQ(test, arm_smmu_fault_bpf_encode(&f, evt), -EINVAL);
	f.pasid = 0;
	f.reason = IOMMU_FAULT_REASON_BAD_STREAM;	/* never stalls */
	KUNIT_EXPECT_EQ(test, arm_smmu_fault_bpf_encode(&f, evt), -EINVAL);
	f.reason = IOMMU_FAULT_REASON_UNKNOWN;
	KUNIT_EXPECT_EQ(test, arm_smmu_fault_bpf_encode(&f, evt), -EINVAL);
	f.reason = __IOMMU_FAULT_REASON_MAX;
	KUNIT_EXPECT_EQ(test, arm_smmu_fault_bpf_encode(&f, evt), -EINVAL);
}

/*
 * What only SMMUv3 has stays in the raw record: a stage-2 translation
 * fault's flags are the neutral ones, its IPA and class are in the raw
 * record's second and fourth dwords.
 */
static void stage2_stays_raw(struct kunit *test)
{
	u64 evt[EVTQ_ENT_DWORDS] = {
		FIELD_PREP(EVTQ_0_ID, EVT_ID_TRANSLATION_FAULT) |
			FIELD_PREP(EVTQ_0_SID, 0x10),
		EVTQ_1_STALL | EVTQ_1_S2 | EVTQ_1_RnW |
			FIELD_PREP(EVTQ_1_CLASS, 1) | FIELD_PREP(EVTQ_1_STAG, 7),
		0x1000,
		0x8765000,
	};
	struct iommu_fault_ctx ctx;

	arm_smmu_fault_bpf_decode(evt, &ctx);
	KUNIT_EXPECT_EQ(test, ctx.flags, IOMMU_FAULT_CTX_RECOVERABLE);
	KUNIT_EXPECT_EQ(test, ctx.perm, IOMMU_FAULT_CTX_PERM_READ);
	KUNIT_EXPECT_EQ(test, ctx.grpid, 7);
	KUNIT_EXPECT_EQ(test, ctx.addr, 0x1000);
	KUNIT_EXPECT_EQ(test, memcmp(ctx.raw, evt, sizeof(ctx.raw)), 0);
}

/*
 * The fetch and walk aborts' fourth dword is FetchAddr, the physical
 * address of the descriptor the SMMU read: not in the policies' copy.
 */
static void fetch_address_hidden(struct kunit *test)
{
	static const u8 ids[] = {
		EVT_ID_STE_FETCH, EVT_ID_CD_FETCH, EVT_ID_WALK_EABT,
	};
	struct iommu_fault_ctx ctx;
	u64 evt[EVTQ_ENT_DWORDS];
	u64 fetch;
	int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		memset(evt, 0, sizeof(evt));
		evt[0] = FIELD_PREP(EVTQ_0_ID, ids[i]);
		evt[3] = 0x4321000;
		arm_smmu_fault_bpf_decode(evt, &ctx);
		memcpy(&fetch, ctx.raw + 3 * sizeof(u64), sizeof(fetch));
		KUNIT_EXPECT_EQ_MSG(test, fetch, 0, "event 0x%02x", ids[i]);
		KUNIT_EXPECT_EQ(test, memcmp(ctx.raw, evt, 3 * sizeof(u64)), 0);
	}
}

/*
 * Decoding writes every field the core does not set, whatever was in the
 * context before (the fault path does not zero it first): what a policy
 * reads is the record's or zero, never stack.
 */
static void decode_writes_every_field(struct kunit *test)
{
	const u64 evt[EVTQ_ENT_DWORDS] = {
		FIELD_PREP(EVTQ_0_ID, EVT_ID_BAD_STE) |
			FIELD_PREP(EVTQ_0_SID, 0x20),
	};
	static const u8 zero[IOMMU_FAULT_SCRATCH_LEN];
	struct iommu_fault_ctx ctx;

	memset(&ctx, 0xa5, sizeof(ctx));
	arm_smmu_fault_bpf_decode(evt, &ctx);
	KUNIT_EXPECT_EQ(test, ctx.stage, 0);
	KUNIT_EXPECT_EQ(test, ctx.flags, 0);
	KUNIT_EXPECT_EQ(test, ctx.sid, 0x20);
	KUNIT_EXPECT_EQ(test, ctx.pasid, 0);
	KUNIT_EXPECT_EQ(test, ctx.addr, 0);
	KUNIT_EXPECT_EQ(test, ctx.perm, 0);
	KUNIT_EXPECT_EQ(test, ctx.reason, IOMMU_FAULT_REASON_BAD_STREAM);
	KUNIT_EXPECT_EQ(test, ctx.event, EVT_ID_BAD_STE);
	KUNIT_EXPECT_EQ(test, ctx.grpid, 0);
	KUNIT_EXPECT_EQ(test, ctx.raw_kind, IOMMU_FAULT_RAW_SMMUV3);
	KUNIT_EXPECT_EQ(test, ctx.__reserved, 0);
	KUNIT_EXPECT_EQ(test, memcmp(ctx.raw, evt, sizeof(ctx.raw)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(ctx.scratch, zero, sizeof(zero)), 0);
}

static struct kunit_case fault_bpf_codec_cases[] = {
	KUNIT_CASE_PARAM(codec_round_trip, codec_gen_params),
	KUNIT_CASE(encode_refuses),
	KUNIT_CASE(stage2_stays_raw),
	KUNIT_CASE(fetch_address_hidden),
	KUNIT_CASE(decode_writes_every_field),
	{}
};

static struct kunit_suite fault_bpf_codec_suite = {
	.name = "arm_smmu_v3_fault_bpf",
	.test_cases = fault_bpf_codec_cases,
};

kunit_test_suites(&fault_bpf_codec_suite);
