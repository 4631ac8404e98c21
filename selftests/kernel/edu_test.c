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
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

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

struct edu_dev {
	struct pci_dev *pdev;
	void __iomem *bar;
	struct dentry *dir;
	struct mutex lock;	/* one DMA at a time: edu has one engine */
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

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_dev *edu;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	mutex_init(&edu->lock);

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
	pci_set_drvdata(pdev, edu);
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu_dev *edu = pci_get_drvdata(pdev);

	debugfs_remove_recursive(edu->dir);
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
