/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-kernel timestamps for `make bench` (CONFIG_IOMMU_FAULT_BPF_BENCH):
 * when each injected record entered the driver's event path (t0) and when
 * its resume command was issued (t1), whichever stage issued it.
 */
#ifndef _IOMMU_FAULT_BPF_BENCH_H
#define _IOMMU_FAULT_BPF_BENCH_H

#include <linux/jump_label.h>
#include <linux/types.h>

struct iommu_fault_ctl_bench;
struct iommu_fault_ctx;
struct iommu_fault_dev;
struct iommu_fault_source;

/* Where a fault answered through the workqueue is (SPANS runs). */
enum iommu_fault_bench_mark {
	IOMMU_FAULT_BENCH_QUEUED,	/* just before queue_work() */
	IOMMU_FAULT_BENCH_STARTED,	/* its work item began */
};

#ifdef CONFIG_IOMMU_FAULT_BPF_BENCH
int iommu_fault_bench_record_begin(void);
void iommu_fault_bench_record_end(int idx, bool stock_answers);
void iommu_fault_bench_claimed(struct iommu_fault_dev *fdev,
			       const struct iommu_fault_ctx *ctx);
void iommu_fault_bench_answered(struct iommu_fault_dev *fdev,
				const struct iommu_fault_ctx *ctx);
void iommu_fault_bench_mark(struct iommu_fault_dev *fdev,
			    const struct iommu_fault_ctx *ctx,
			    enum iommu_fault_bench_mark at);
int iommu_fault_bench_ctl(struct iommu_fault_ctl_bench *b);
bool __iommu_fault_bench_floor(struct iommu_fault_dev *fdev,
			       const struct iommu_fault_ctx *ctx);
DECLARE_STATIC_KEY_FALSE(iommu_fault_bench_floor_key);

/* In a floor run, the core hands its faults to bare work items. */
static inline bool iommu_fault_bench_floor(struct iommu_fault_dev *fdev,
					   const struct iommu_fault_ctx *ctx)
{
	if (!static_branch_unlikely(&iommu_fault_bench_floor_key))
		return false;
	return __iommu_fault_bench_floor(fdev, ctx);
}
#else
static inline int iommu_fault_bench_record_begin(void)
{
	return -1;
}

static inline void iommu_fault_bench_record_end(int idx, bool stock_answers)
{
}

static inline void iommu_fault_bench_claimed(struct iommu_fault_dev *fdev,
					     const struct iommu_fault_ctx *ctx)
{
}

static inline void iommu_fault_bench_answered(struct iommu_fault_dev *fdev,
					      const struct iommu_fault_ctx *ctx)
{
}

static inline void iommu_fault_bench_mark(struct iommu_fault_dev *fdev,
					  const struct iommu_fault_ctx *ctx,
					  enum iommu_fault_bench_mark at)
{
}

static inline bool iommu_fault_bench_floor(struct iommu_fault_dev *fdev,
					   const struct iommu_fault_ctx *ctx)
{
	return false;
}
#endif

#endif /* _IOMMU_FAULT_BPF_BENCH_H */
