#!/bin/bash
# Wire the project's kernel sources into an extracted 6.12 tree.
#
#   wire-kernel.sh PROJECT_DIR KERNEL_DIR
#
# Sources are symlinked (not copied), so an edit in the project is seen by
# kbuild as a change of the tree file and rebuilds incrementally.  The
# wiring patches in kernel/patches/ are applied once; when they change,
# the previously applied copies are reversed first.  Idempotent and silent
# when nothing changed.
set -euo pipefail

proj=$(realpath "$1")
ktree=$(realpath "$2")
subsys=$ktree/drivers/iommu/fault-bpf

link() {	# link TARGET LINKNAME: relative symlink, untouched if right
	local rel
	rel=$(realpath --relative-to="$(dirname "$2")" "$1")
	[ "$(readlink "$2" 2>/dev/null)" = "$rel" ] || ln -sfn "$rel" "$2"
}

smmu=$ktree/drivers/iommu/arm/arm-smmu-v3

# The kernels build out of the tree (O=), which kbuild refuses while the
# tree holds an in-tree build: a checkout from before, built in place.
if [ -e "$ktree/.config" ] || [ -d "$ktree/include/config" ]; then
	echo "  CLEAN   $ktree (an in-tree build; the kernels now build with O=)"
	make -s -C "$ktree" ARCH=arm64 mrproper
fi

mkdir -p "$subsys"
# The core, and the test driver built with it.
for f in "$proj"/kernel/fault-bpf/* "$proj"/selftests/kernel/*.c; do
	link "$f" "$subsys/$(basename "$f")"
done
# The SMMUv3 glue, part of the SMMUv3 driver.
for f in "$proj"/kernel/arm-smmu-v3/*; do
	link "$f" "$smmu/$(basename "$f")"
done
link "$proj/include/uapi/linux/iommu_fault_bpf.h" \
     "$ktree/include/uapi/linux/iommu_fault_bpf.h"
link "$proj/include/linux/iommu_fault_bpf.h" \
     "$ktree/include/linux/iommu_fault_bpf.h"
# A file removed from the project must not linger in the tree.
find "$subsys" "$smmu" -maxdepth 1 -xtype l -delete

applied=$ktree/.iommu-fault-bpf-patches
if [ -d "$applied" ] && diff -rq "$proj/kernel/patches" "$applied" >/dev/null; then
	exit 0
fi
if [ -d "$applied" ]; then
	for p in $(ls -r "$applied"/*.patch 2>/dev/null); do
		echo "  UNPATCH $(basename "$p")"
		patch -d "$ktree" -p1 -R -s --no-backup-if-mismatch < "$p"
	done
	rm -rf "$applied"
fi
mkdir -p "$applied"
for p in "$proj"/kernel/patches/*.patch; do
	echo "  PATCH   $(basename "$p")"
	patch -d "$ktree" -p1 -s --no-backup-if-mismatch --forward < "$p"
	cp "$p" "$applied/"
done
