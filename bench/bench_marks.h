/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * make bench's breakdown of a fast verdict (scenario 8): the points of the
 * fault path where a clock is read, in path order, between the record
 * entering the SMMUv3 driver (t0) and its answer (t1).  Shared by the
 * clock (progs/bench_clock.bpf.c), the stamping policy
 * (progs/bench_stamped.bpf.c) and ifb-bench.
 */
#ifndef BENCH_MARKS_H
#define BENCH_MARKS_H

enum bench_mark {
	BENCH_MARK_CLAIM,	/* fentry __arm_smmu_fault_bpf_claim() */
	BENCH_MARK_REPORT,	/* fentry __iommu_fault_report() */
	BENCH_MARK_PROG,	/* the policy's program starts (its own read) */
	BENCH_MARK_VERDICT,	/* tracepoint iommu_fault_bpf_verdict */
	BENCH_MARK_RESPONSE,	/* tracepoint iommu_fault_bpf_response */
	BENCH_MARKS
};

#define BENCH_MARK_MAX	4096	/* records a breakdown run can mark */

#endif /* BENCH_MARKS_H */
