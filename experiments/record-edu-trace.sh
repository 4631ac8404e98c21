#!/bin/sh
# Records experiments/edu-trace.jsonl in the VM (run on the host with
#   make vm-run RUN=experiments/record-edu-trace.sh > out.log
# and keep the lines between IFB-FILE-BEGIN and IFB-FILE-END).
#
# The faults: four real DMA faults from QEMU's edu device (translation
# faults at IOVAs nothing maps, read and write), then a workload of 12
# stalls on distinct pages of a 1 MiB window at 0xc000000, 20 ms apart,
# then a storm of 40 stalls outside it.  `observe` is attached while
# recording (it decides nothing; faults reach the tracepoints only while
# some policy is attached).
edu=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] &&
		edu=$(basename "$d")
done
dma=/sys/kernel/debug/iommu_fault_edu/$edu/dma

faultctl policy load /opt/ifb/policies/observe.bpf.o > /dev/null || exit 1
faultctl -j fault trace > /tmp/edu-trace.jsonl 2> /tmp/edu-trace.err &
tracer=$!
# It says so once attached: from then on no fault is missed.
t=0
until grep -q "^Tracing" /tmp/edu-trace.err 2> /dev/null; do
	[ $t -lt 600 ] || { echo "the tracer did not attach" >&2; exit 1; }
	sleep 0.1
	t=$((t + 1))
done
for a in 0xdead000 0xdeae000; do
	echo "to_ram $a 4" > "$dma"
	echo "from_ram $a 4" > "$dma"
done
i=0
while [ $i -lt 12 ]; do
	faultctl fault inject dev "$edu" addr $((0xc000000 + i * 0x1000 + 0x80)) \
		write stall > /dev/null
	sleep 0.02
	i=$((i + 1))
done
faultctl fault inject dev "$edu" addr 0x7000000 read stall count 40 > /dev/null
sleep 1
kill -INT $tracer
wait $tracer
faultctl policy unload observe > /dev/null
echo "IFB-FILE-BEGIN edu-trace.jsonl"
grep '"event":"fault"' /tmp/edu-trace.jsonl
echo "IFB-FILE-END"
