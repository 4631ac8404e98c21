#!/bin/sh
# Guest half of `make experiment`: replay a fault trace against each
# policy in turn and print the device's and the policy's counters around
# each replay, for scripts/experiment.py to compare.
#
#   compare-policies.sh TRACE RUNS
# RUNS has one line per policy: "LABEL OBJ [ARGS...]", OBJ a file name in
# /opt/ifb/policies or a path, ARGS for `faultctl policy load` (e.g.
# "set window_start 0xc000000").  Each policy is attached to the edu
# device alone; each run starts clean: quarantine lifted, edu's domain
# owned by its test driver (so that populate has an owner), fresh pages.
trace=$1 runs=$2
edu=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] &&
		edu=$(basename "$d")
done
dbg=/sys/kernel/debug/iommu_fault_edu/$edu
# The trace names the device it was recorded on; replay it on this one.
sed "s/\"dev\":\"[^\"]*\"/\"dev\":\"$edu\"/" "$trace" > /tmp/trace.jsonl

while read -r label obj args; do
	case $label in ''|'#'*) continue ;; esac
	case $obj in */*) ;; *) obj=/opt/ifb/policies/$obj ;; esac
	faultctl device reset "$edu" > /dev/null
	echo own > "$dbg/domain" || exit 1
	echo "IFB-EXP $label before $(faultctl -j stats show dev "$edu")"
	# shellcheck disable=SC2086
	faultctl policy load "$obj" name "exp_$label" dev "$edu" $args \
		> /dev/null || exit 1
	faultctl fault replay /tmp/trace.jsonl realtime > /dev/null || exit 1
	sleep 0.5	# let deferred work finish
	echo "IFB-EXP $label after $(faultctl -j stats show dev "$edu")"
	faultctl policy unload "exp_$label" > /dev/null
	echo release > "$dbg/domain"
done < "$runs"
echo "IFB-EXP done"
