#!/bin/sh
# make run: the product working end to end, in the guest.
#
# Loads the library's observe and populate (both on edu; populate with a
# window), makes QEMU's edu device fault for real, injects stall faults
# through the SMMUv3 driver, shows the live trace while it happens, then
# the statistics; the host powers the VM off afterwards.
P=/opt/ifb/policies
WINDOW=0xc000000	# populate's window: 1 MiB from here
edu=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
		edu=$(basename "$d")
	fi
done
if [ -z "$edu" ]; then
	echo "no edu device found" >&2
	exit 1
fi
dbg=/sys/kernel/debug/iommu_fault_edu/$edu
step() { printf '\n== %s\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }

step "the SMMU and the device"
dmesg | sed "s/^\[[ 0-9.]*\] //" | grep -E "^arm-smmu-v3 .*(ias|msi|stall)" | head -3
faultctl device show
echo "edu $edu: driver $(basename "$(readlink /sys/bus/pci/devices/$edu/driver)"), IOMMU group $(basename "$(readlink /sys/bus/pci/devices/$edu/iommu_group)")"

step "load two library policies"
# edu's test driver gives it a domain whose owner maps pages on request.
echo own > "$dbg/domain" || fail "can't move edu to an owned domain"
# observe first on the device (lower priority number): it sees every
# fault, including the ones populate decides.
faultctl policy load $P/observe.bpf.o dev "$edu" priority -1 || fail "load observe"
faultctl policy load $P/populate.bpf.o dev "$edu" \
	set window_start $WINDOW set window_end $((WINDOW + 0x100000)) ||
	fail "load populate"
faultctl policy show

step "live trace (faultctl fault trace) while the faults happen"
faultctl fault trace &
tracer=$!
sleep 1
echo "-- edu DMA to 0xdead000, which nothing maps: a real translation fault"
echo "to_ram 0xdead000 4" > "$dbg/dma"
sleep 1
echo "-- a stall inside populate's window: deferred, the page mapped, retried"
faultctl fault inject dev "$edu" addr $((WINDOW + 0x40)) write stall > /dev/null
sleep 1
echo "-- three stalls outside it: not populate's; the stock path aborts them"
echo "   (the driver's own answer: no resume event, QEMU's trace counts it)"
faultctl fault inject dev "$edu" addr 0x1000 read stall count 3 > /dev/null
sleep 2
kill -INT $tracer
wait $tracer

step "edu DMAs to the populated page now, without a fault"
echo 0x600dcafe > "$dbg/load"
echo "to_ram $WINDOW 2048" > "$dbg/dma" && cat "$dbg/populated"

step "statistics (faultctl stats show)"
faultctl stats show dev "$edu"
echo
faultctl policy show

step "unload"
faultctl policy unload populate
faultctl policy unload observe
echo release > "$dbg/domain"
