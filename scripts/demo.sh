#!/bin/sh
# make run: what a newcomer sees.  Runs in the guest.
# (Grows with the product: policies, faults, trace and statistics.)
edu=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
		edu=$(basename "$d")
	fi
done

echo "== kernel"
uname -a
echo
echo "== SMMUv3"
dmesg | sed "s/^\[[ 0-9.]*\] //" | grep -E "^(arm-smmu-v3 |iommu: )"
echo
echo "== IOMMU groups"
for g in /sys/kernel/iommu_groups/*; do
	printf "group %s (%s):" "$(basename "$g")" "$(cat "$g/type")"
	for dev in "$g"/devices/*; do printf " %s" "$(basename "$dev")"; done
	echo
done
echo
if [ -z "$edu" ]; then
	echo "no edu device found" >&2
	exit 1
fi
echo "== edu device $edu"
echo "driver: $(basename "$(readlink /sys/bus/pci/devices/$edu/driver)")"
echo "iommu:  $(basename "$(readlink /sys/bus/pci/devices/$edu/iommu)")"
echo "group:  $(basename "$(readlink /sys/bus/pci/devices/$edu/iommu_group)")"
echo
echo "== DMA through the SMMU (page -> edu -> page, then DMA to the unmapped IOVA)"
cat /sys/kernel/debug/iommu_fault_edu/"$edu"/dma_selftest
echo
echo "== what the SMMU reported for the stale DMA"
dmesg | grep -A4 "event 0x10 received" | sed 's/^\[[ 0-9.]*\] //' | head -5
