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
 *  dma_selftest (read)  map a page through the DMA API, have edu copy
 *                       into it and out of it, unmap it, then DMA to the
 *                       stale IOVA and check that the SMMU blocked it.
 *                       Prints key=value lines, last "result=ok|fail".
 *  dma (write)          "to_ram IOVA LEN [PATTERN]" or
 *                       "from_ram IOVA LEN": one raw DMA at any IOVA,
 *                       waits for it to finish.
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
	if (!len || len > EDU_BUF_SIZE)
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

static void edu_fill_buf(struct edu_dev *edu, u32 seed)
{
	unsigned int i;

	for (i = 0; i < EDU_BUF_SIZE; i += 4)
		writel(seed ^ i, edu->bar + EDU_BUF_OFF + i);
}

static bool edu_buf_matches(struct edu_dev *edu, u32 seed)
{
	unsigned int i;

	for (i = 0; i < EDU_BUF_SIZE; i += 4)
		if (readl(edu->bar + EDU_BUF_OFF + i) != (seed ^ i))
			return false;
	return true;
}

static void fill_page(u32 *p, u32 seed)
{
	unsigned int i;

	for (i = 0; i < EDU_BUF_SIZE / 4; i++)
		p[i] = seed ^ (i * 4);
}

static bool page_matches(const u32 *p, u32 seed)
{
	unsigned int i;

	for (i = 0; i < EDU_BUF_SIZE / 4; i++)
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
 * Round trip through the DMA API, then a DMA to the IOVA just unmapped:
 * with a translating domain it must not reach the page.
 */
static int edu_selftest_show(struct seq_file *m, void *unused)
{
	struct edu_dev *edu = m->private;
	struct device *dev = &edu->pdev->dev;
	const u32 seed_dev = 0x5eed0001, seed_ram = 0x5eed0002;
	const u32 seed_cpu = 0x5eed0003;
	bool to_ram_ok, from_ram_ok, stale_blocked;
	struct page *page;
	dma_addr_t iova;
	u32 *va;
	int ret;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	va = page_address(page);

	mutex_lock(&edu->lock);
	iova = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	ret = dma_mapping_error(dev, iova);
	if (ret)
		goto out_unlock;

	seq_printf(m, "domain=%s\n", edu_domain_type(dev));
	seq_printf(m, "iova=%pad\n", &iova);
	seq_printf(m, "phys=%pa\n", &(phys_addr_t){ page_to_phys(page) });

	/* edu -> RAM */
	memset(va, 0, PAGE_SIZE);
	dma_sync_single_for_device(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	edu_fill_buf(edu, seed_dev);
	ret = edu_dma(edu, true, iova, EDU_BUF_SIZE);
	if (ret)
		goto out_unmap;
	dma_sync_single_for_cpu(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	to_ram_ok = page_matches(va, seed_dev);
	seq_printf(m, "to_ram=%s\n", to_ram_ok ? "ok" : "mismatch");

	/* RAM -> edu */
	fill_page(va, seed_ram);
	dma_sync_single_for_device(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	ret = edu_dma(edu, false, iova, EDU_BUF_SIZE);
	if (ret)
		goto out_unmap;
	from_ram_ok = edu_buf_matches(edu, seed_ram);
	seq_printf(m, "from_ram=%s\n", from_ram_ok ? "ok" : "mismatch");

	/* Stale IOVA: the SMMU must fault it, the page must not change. */
	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	fill_page(va, seed_cpu);
	edu_fill_buf(edu, seed_dev);
	ret = edu_dma(edu, true, iova, EDU_BUF_SIZE);
	if (ret)
		goto out_unlock;
	stale_blocked = page_matches(va, seed_cpu);
	seq_printf(m, "stale_dma=%s\n", stale_blocked ? "blocked" : "leaked");
	seq_printf(m, "result=%s\n",
		   to_ram_ok && from_ram_ok && stale_blocked ? "ok" : "fail");
	goto out_unlock;

out_unmap:
	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
out_unlock:
	mutex_unlock(&edu->lock);
	__free_page(page);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(edu_selftest);

static ssize_t edu_dma_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct edu_dev *edu = file->private_data;
	char buf[96], dir[16];
	u32 len, pattern = 0;
	u64 iova;
	int n, ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	n = sscanf(buf, "%15s %llx %u %x", dir, &iova, &len, &pattern);
	if (n < 3)
		return -EINVAL;
	if (strcmp(dir, "to_ram") && strcmp(dir, "from_ram"))
		return -EINVAL;

	mutex_lock(&edu->lock);
	if (!strcmp(dir, "to_ram"))
		edu_fill_buf(edu, pattern);
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
