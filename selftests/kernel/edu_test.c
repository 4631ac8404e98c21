// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test driver for QEMU's edu PCI device (1234:11e8), for the
 * iommu-fault-bpf selftests.
 *
 * edu copies between RAM and a 4 KiB buffer in its BAR with a DMA engine
 * that goes through the IOMMU, so it makes real translated DMA, and real
 * translation faults when pointed at an unmapped IOVA.  Everything is
 * driven from debugfs, /sys/kernel/debug/iommu_fault_edu/<pci name>/:
 *
 *  dma_selftest (read)  copy a page to another through edu, both mapped
 *                       with the DMA API, then DMA to the unmapped IOVA
 *                       and check that the SMMU blocked it.
 *                       Prints key=value lines, last "result=ok|fail".
 *  dma (write)          "to_ram IOVA LEN" (edu buffer -> IOVA) or
 *                       "from_ram IOVA LEN" (IOVA -> edu buffer): one raw
 *                       DMA at any IOVA, waits for it to finish.
 *  domain (write)       "own": move edu from its DMA-API domain to an
 *                       unmanaged paging domain this driver owns, with a
 *                       populate callback for iommu-fault-bpf policies;
 *                       "release": back to the DMA-API domain.
 *  load (write)         "PATTERN": (owned domain) fill edu's buffer with
 *                       the 32-bit PATTERN, by DMA from a page mapped at
 *                       EDU_SRC_IOVA.
 *  populated (read)     (owned domain) "addr=IOVA match=0|1" per page
 *                       the populate callback mapped: whether its first
 *                       EDU_XFER bytes hold the loaded pattern.
 *  populate_hold        write "1": every populate call waits (at most
 *  (read, write)        EDU_HOLD_MAX) before it maps, and the
 *                       iommu-fault-bpf workqueue runs one work item at a
 *                       time, so that a test detaches or replaces a
 *                       policy while one sleepable op runs and the next
 *                       is queued; "0" lets them go.  Read: how many
 *                       calls wait now.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/iommu_fault_bpf.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "iommu_fault_bpf_private.h"	/* the workqueue test seam */

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_ID		0x00
#define EDU_ID_MAGIC		0xed
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		BIT(0)
#define EDU_DMA_TO_RAM		BIT(1)	/* from the edu buffer to RAM */
#define EDU_BUF_OFF		0x40000	/* device address of its buffer */
#define EDU_BUF_SIZE		4096
/*
 * QEMU's range check wants the end of a transfer strictly inside the
 * buffer (and aborts QEMU otherwise), so one DMA moves at most 4095 bytes;
 * the tests move half the buffer.
 */
#define EDU_DMA_MAX		(EDU_BUF_SIZE - 1)
#define EDU_XFER		2048
/* QEMU masks edu's DMA addresses to 28 bits. */
#define EDU_DMA_BITS		28
/* QEMU completes an edu DMA 100 ms (virtual) after it is started. */
#define EDU_DMA_TIMEOUT_MS	5000

/* Where "load" maps its source page in the owned domain. */
#define EDU_SRC_IOVA		0x100000UL
#define EDU_MAX_POPULATED	16
/* A held populate call goes on by itself after this: no test hangs. */
#define EDU_HOLD_MAX		(30 * HZ)

struct edu_dev {
	struct pci_dev *pdev;
	void __iomem *bar;
	struct dentry *dir;
	struct mutex lock;	/* one DMA at a time: edu has one engine */

	/* The unmanaged domain, while owned (under lock) */
	struct iommu_domain *domain;
	struct page *src;
	u32 pattern;
	struct mutex map_lock;	/* populated[], from the populate callback */
	unsigned long populated_iova[EDU_MAX_POPULATED];
	struct page *populated[EDU_MAX_POPULATED];
	int nr_populated;

	bool hold;		/* populate_hold */
	atomic_t held;		/* populate calls waiting */
	wait_queue_head_t hold_wq;
};

static struct dentry *edu_debugfs_root;

static int edu_dma(struct edu_dev *edu, bool to_ram, u64 iova, u32 len)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);
	u64 src = to_ram ? EDU_BUF_OFF : iova;
	u64 dst = to_ram ? iova : EDU_BUF_OFF;

	lockdep_assert_held(&edu->lock);
	if (!len || len > EDU_DMA_MAX)
		return -EINVAL;

	writeq(src, edu->bar + EDU_REG_DMA_SRC);
	writeq(dst, edu->bar + EDU_REG_DMA_DST);
	writeq(len, edu->bar + EDU_REG_DMA_CNT);
	writeq(EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0),
	       edu->bar + EDU_REG_DMA_CMD);

	while (readq(edu->bar + EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		usleep_range(2000, 5000);
	}
	return 0;
}

static void fill_page(u32 *p, u32 seed)
{
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / 4; i++)
		p[i] = seed ^ (i * 4);
}

/* DMA moves the first EDU_XFER bytes of a page: check those. */
static bool page_matches(const u32 *p, u32 seed)
{
	unsigned int i;

	for (i = 0; i < EDU_XFER / 4; i++)
		if (p[i] != (seed ^ (i * 4)))
			return false;
	return true;
}

static const char *edu_domain_type(struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	if (!domain)
		return "none";
	switch (domain->type) {
	case IOMMU_DOMAIN_DMA:
		return "DMA";
	case IOMMU_DOMAIN_DMA_FQ:
		return "DMA-FQ";
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	case IOMMU_DOMAIN_BLOCKED:
		return "blocked";
	case IOMMU_DOMAIN_UNMANAGED:
		return "unmanaged";
	default:
		return "other";
	}
}

/*
 * edu's buffer is not visible to the CPU, so DMA is checked as a round
 * trip: page A -> edu -> page B, both mapped through the DMA API.  Then B
 * is unmapped and edu DMAs to its stale IOVA: with a translating domain
 * the SMMU blocks it (and records an event) and B does not change.
 */
static int edu_selftest_show(struct seq_file *m, void *unused)
{
	const u32 seed_dma = 0x5eed0001, seed_cpu = 0x5eed0002;
	struct edu_dev *edu = m->private;
	struct device *dev = &edu->pdev->dev;
	struct page *src, *dst;
	dma_addr_t src_iova, dst_iova;
	bool round_trip, stale_blocked;
	int ret = -ENOMEM;

	src = alloc_page(GFP_KERNEL);
	dst = alloc_page(GFP_KERNEL);
	if (!src || !dst)
		goto out_free;
	fill_page(page_address(src), seed_dma);
	memset(page_address(dst), 0, PAGE_SIZE);

	mutex_lock(&edu->lock);
	src_iova = dma_map_page(dev, src, 0, PAGE_SIZE, DMA_TO_DEVICE);
	ret = dma_mapping_error(dev, src_iova);
	if (ret)
		goto out_unlock;
	dst_iova = dma_map_page(dev, dst, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	ret = dma_mapping_error(dev, dst_iova);
	if (ret)
		goto out_unmap_src;

	seq_printf(m, "domain=%s\n", edu_domain_type(dev));
	seq_printf(m, "src_iova=%pad\n", &src_iova);
	seq_printf(m, "dst_iova=%pad\n", &dst_iova);
	seq_printf(m, "dst_phys=%pa\n", &(phys_addr_t){ page_to_phys(dst) });

	ret = edu_dma(edu, false, src_iova, EDU_XFER);
	if (!ret)
		ret = edu_dma(edu, true, dst_iova, EDU_XFER);
	dma_unmap_page(dev, dst_iova, PAGE_SIZE, DMA_FROM_DEVICE);
	if (ret)
		goto out_unmap_src;
	round_trip = page_matches(page_address(dst), seed_dma);
	seq_printf(m, "round_trip=%s\n", round_trip ? "ok" : "mismatch");

	/* Stale IOVA: the SMMU must fault it, the page must not change. */
	fill_page(page_address(dst), seed_cpu);
	ret = edu_dma(edu, true, dst_iova, EDU_XFER);
	if (ret)
		goto out_unmap_src;
	stale_blocked = page_matches(page_address(dst), seed_cpu);
	seq_printf(m, "stale_dma=%s\n", stale_blocked ? "blocked" : "leaked");
	seq_printf(m, "result=%s\n", round_trip && stale_blocked ? "ok" : "fail");

out_unmap_src:
	dma_unmap_page(dev, src_iova, PAGE_SIZE, DMA_TO_DEVICE);
out_unlock:
	mutex_unlock(&edu->lock);
out_free:
	if (dst)
		__free_page(dst);
	if (src)
		__free_page(src);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(edu_selftest);

static ssize_t edu_dma_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct edu_dev *edu = file->private_data;
	char buf[96], dir[16];
	u64 iova;
	u32 len;
	int n, ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	n = sscanf(buf, "%15s %llx %u", dir, &iova, &len);
	if (n != 3)
		return -EINVAL;
	if (strcmp(dir, "to_ram") && strcmp(dir, "from_ram"))
		return -EINVAL;

	mutex_lock(&edu->lock);
	ret = edu_dma(edu, !strcmp(dir, "to_ram"), iova, len);
	mutex_unlock(&edu->lock);
	return ret ? ret : count;
}

static const struct file_operations edu_dma_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = edu_dma_write,
	.llseek = noop_llseek,
};

/*
 * The populate callback: a policy's sleepable op asked for the page at
 * @addr.  Map a fresh zeroed page there, read-write; refuse more than
 * EDU_MAX_POPULATED pages.
 */
static int edu_populate(struct iommu_domain *domain, struct device *dev,
			u64 addr, u32 perm, void *data)
{
	struct edu_dev *edu = data;
	unsigned long iova = addr & PAGE_MASK;
	struct page *page;
	int ret;

	if (READ_ONCE(edu->hold)) {
		atomic_inc(&edu->held);
		wait_event_timeout(edu->hold_wq, !READ_ONCE(edu->hold),
				   EDU_HOLD_MAX);
		atomic_dec(&edu->held);
	}
	mutex_lock(&edu->map_lock);
	if (edu->nr_populated == EDU_MAX_POPULATED) {
		ret = -ENOSPC;
		goto unlock;
	}
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page) {
		ret = -ENOMEM;
		goto unlock;
	}
	ret = iommu_map(domain, iova, page_to_phys(page), PAGE_SIZE,
			IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
	if (ret) {
		__free_page(page);
		goto unlock;
	}
	edu->populated_iova[edu->nr_populated] = iova;
	edu->populated[edu->nr_populated++] = page;
unlock:
	mutex_unlock(&edu->map_lock);
	return ret;
}

static void edu_release_domain(struct edu_dev *edu)
{
	struct device *dev = &edu->pdev->dev;
	int i;

	lockdep_assert_held(&edu->lock);
	if (!edu->domain)
		return;
	iommu_fault_set_populate(edu->domain, NULL, NULL);
	iommu_detach_device(edu->domain, dev);
	mutex_lock(&edu->map_lock);
	for (i = 0; i < edu->nr_populated; i++) {
		iommu_unmap(edu->domain, edu->populated_iova[i], PAGE_SIZE);
		__free_page(edu->populated[i]);
	}
	edu->nr_populated = 0;
	mutex_unlock(&edu->map_lock);
	iommu_unmap(edu->domain, EDU_SRC_IOVA, PAGE_SIZE);
	__free_page(edu->src);
	iommu_domain_free(edu->domain);
	edu->domain = NULL;
}

static int edu_own_domain(struct edu_dev *edu)
{
	struct device *dev = &edu->pdev->dev;
	struct iommu_domain *domain;
	int ret;

	lockdep_assert_held(&edu->lock);
	if (edu->domain)
		return -EBUSY;
	domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	edu->src = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!edu->src) {
		ret = -ENOMEM;
		goto err_free_domain;
	}
	ret = iommu_map(domain, EDU_SRC_IOVA, page_to_phys(edu->src),
			PAGE_SIZE, IOMMU_READ, GFP_KERNEL);
	if (ret)
		goto err_free_page;
	ret = iommu_attach_device(domain, dev);
	if (ret)
		goto err_unmap;
	ret = iommu_fault_set_populate(domain, edu_populate, edu);
	if (ret) {
		iommu_detach_device(domain, dev);
		goto err_unmap;
	}
	edu->domain = domain;
	return 0;

err_unmap:
	iommu_unmap(domain, EDU_SRC_IOVA, PAGE_SIZE);
err_free_page:
	__free_page(edu->src);
err_free_domain:
	iommu_domain_free(domain);
	return ret;
}

static ssize_t edu_domain_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct edu_dev *edu = file->private_data;
	char buf[16];
	int ret = 0;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	mutex_lock(&edu->lock);
	if (sysfs_streq(buf, "own"))
		ret = edu_own_domain(edu);
	else if (sysfs_streq(buf, "release"))
		edu_release_domain(edu);
	else
		ret = -EINVAL;
	mutex_unlock(&edu->lock);
	return ret ? ret : count;
}

static const struct file_operations edu_domain_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = edu_domain_write,
	.llseek = noop_llseek,
};

static ssize_t edu_load_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct edu_dev *edu = file->private_data;
	u32 pattern;
	int ret;

	ret = kstrtou32_from_user(ubuf, count, 0, &pattern);
	if (ret)
		return ret;
	mutex_lock(&edu->lock);
	if (!edu->domain) {
		ret = -ENODEV;
	} else {
		fill_page(page_address(edu->src), pattern);
		edu->pattern = pattern;
		ret = edu_dma(edu, false, EDU_SRC_IOVA, EDU_XFER);
	}
	mutex_unlock(&edu->lock);
	return ret ? ret : count;
}

static const struct file_operations edu_load_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = edu_load_write,
	.llseek = noop_llseek,
};

static void edu_set_hold(struct edu_dev *edu, bool hold)
{
	WRITE_ONCE(edu->hold, hold);
	iommu_fault_pending_test_max_active(&iommu_fault_sys_core.pool,
					    hold ? 1 : 0);
	if (!hold)
		wake_up_all(&edu->hold_wq);
}

static ssize_t edu_hold_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct edu_dev *edu = file->private_data;
	bool hold;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &hold);
	if (ret)
		return ret;
	edu_set_hold(edu, hold);
	return count;
}

static ssize_t edu_hold_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct edu_dev *edu = file->private_data;
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%d\n", atomic_read(&edu->held));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations edu_hold_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = edu_hold_read,
	.write = edu_hold_write,
	.llseek = default_llseek,
};

static int edu_populated_show(struct seq_file *m, void *unused)
{
	struct edu_dev *edu = m->private;
	int i;

	mutex_lock(&edu->map_lock);
	for (i = 0; i < edu->nr_populated; i++) {
		const u32 *p = page_address(edu->populated[i]);

		seq_printf(m, "addr=0x%lx match=%d\n", edu->populated_iova[i],
			   page_matches(p, edu->pattern));
	}
	mutex_unlock(&edu->map_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(edu_populated);

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_dev *edu;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	mutex_init(&edu->lock);
	mutex_init(&edu->map_lock);
	init_waitqueue_head(&edu->hold_wq);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), "iommu_fault_edu");
	if (ret)
		return ret;
	edu->bar = pcim_iomap_table(pdev)[0];
	if ((readl(edu->bar + EDU_REG_ID) & 0xff) != EDU_ID_MAGIC)
		return -ENODEV;

	ret = dma_set_mask_and_coherent(&pdev->dev,
					DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret)
		return ret;
	pci_set_master(pdev);

	edu->dir = debugfs_create_dir(pci_name(pdev), edu_debugfs_root);
	debugfs_create_file("dma_selftest", 0400, edu->dir, edu,
			    &edu_selftest_fops);
	debugfs_create_file("dma", 0200, edu->dir, edu, &edu_dma_fops);
	debugfs_create_file("domain", 0200, edu->dir, edu, &edu_domain_fops);
	debugfs_create_file("load", 0200, edu->dir, edu, &edu_load_fops);
	debugfs_create_file("populated", 0400, edu->dir, edu,
			    &edu_populated_fops);
	debugfs_create_file("populate_hold", 0600, edu->dir, edu,
			    &edu_hold_fops);
	pci_set_drvdata(pdev, edu);
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu_dev *edu = pci_get_drvdata(pdev);

	debugfs_remove_recursive(edu->dir);
	edu_set_hold(edu, false);
	mutex_lock(&edu->lock);
	edu_release_domain(edu);
	mutex_unlock(&edu->lock);
	pci_clear_master(pdev);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "iommu_fault_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

static int __init edu_init(void)
{
	int ret;

	edu_debugfs_root = debugfs_create_dir("iommu_fault_edu", NULL);
	ret = pci_register_driver(&edu_driver);
	if (ret)
		debugfs_remove_recursive(edu_debugfs_root);
	return ret;
}
module_init(edu_init);

static void __exit edu_exit(void)
{
	pci_unregister_driver(&edu_driver);
	debugfs_remove_recursive(edu_debugfs_root);
}
module_exit(edu_exit);

MODULE_DESCRIPTION("iommu-fault-bpf test driver for QEMU's edu device");
MODULE_LICENSE("GPL");
