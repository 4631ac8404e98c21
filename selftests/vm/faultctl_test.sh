#!/bin/sh
# faultctl against the real kernel: every command, each error, the exit
# statuses (0 success, 1 failure, 2 usage).  TAP.
P=/opt/ifb/policies
PIN=/sys/fs/bpf/iommu_fault
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; failed=1; }

# check WANT_STATUS PATTERN DESCRIPTION COMMAND...
#   the command exits WANT_STATUS and its output (stdout and stderr)
#   matches the grep -E PATTERN ("" = anything)
check() {
	want=$1 pattern=$2 desc=$3
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want" ]; then
		not_ok "$desc"
		echo "# exit $rc, wanted $want: $*"
		echo "$out" | sed 's/^/# /' | head -20
	elif [ -n "$pattern" ] && ! echo "$out" | grep -qE -- "$pattern"; then
		not_ok "$desc"
		echo "# output does not match '$pattern': $*"
		echo "$out" | sed 's/^/# /' | head -20
	else
		ok "$desc"
	fi
}

# wait_until SECONDS COMMAND...: poll until COMMAND succeeds, for what
# happens in the background (a tracer attaching, a fault being handled);
# on a slow guest that takes its time.  The checks after it decide.
wait_until() {
	t=$(($1 * 5))
	shift
	until "$@" 2> /dev/null; do
		[ "$t" -gt 0 ] || return 1
		sleep 0.2
		t=$((t - 1))
	done
}

# has N PATTERN FILE: FILE has at least N lines matching PATTERN
has() { [ "$(grep -c -- "$2" "$3")" -ge "$1" ]; }

# Every one of the trace section's faults ends with one verdict: its
# policy's IGNORE (no response yet) or NONE (unrecoverable: none is due).
VERDICT='"event":"verdict"'

dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] &&
		dev=$(basename "$d")
done
# Its SMMU stream ID, known without asking faultctl: on QEMU's virt
# machine a PCI device's stream ID is its requester ID (the iommu-map is
# the identity), bus << 8 | slot << 3 | function.
bdf=${dev#*:}
bus=${bdf%%:*} slot=${bdf#*:} fn=${bdf##*.}
slot=${slot%.*}
sid=$(( (0x$bus << 8) | (0x$slot << 3) | fn ))

echo "TAP version 13"

# Global options, objects, help
check 0 "faultctl v[0-9]" "version" faultctl -V
check 0 '"version"' "version in JSON" faultctl -j version
check 2 "Usage" "no object is a usage error" faultctl
check 2 "what is 'bogus'" "unknown object" faultctl bogus
check 0 "policy load OBJ" "policy help" faultctl policy help
check 2 "ambiguous prefix: 'l'" "ambiguous prefix" faultctl policy l
check 0 "fault inject" "prefix: 'f' is fault" faultctl f help
check 2 "what is 'nope'" "unknown command" faultctl fault nope

# policy load: errors first
check 1 "can't open object" "load: missing file" faultctl policy load /nonexistent.o
check 1 "no iommu_fault_ops policy" "load: object without a policy" \
	faultctl policy load $P/neg_other_struct_ops.bpf.o
check 1 "only scratch is writable" "load: verifier log shown" \
	faultctl policy load $P/neg_write_ctx.bpf.o
check 1 "refused policy 'bad-name'" "load: bad name refused by the kernel" \
	faultctl policy load $P/test_policy.bpf.o name bad-name
check 1 "init op, if any, must return 0" "load: init returns 1" \
	faultctl policy load $P/lifecycle.bpf.o set init_ret 1
check 0 "policy lifecycle: init returned 1, not 0 or a negative errno" \
	"load: the kernel log names the value" dmesg
check 1 "can't attach policy 'lifecycle': No such device" "load: init refuses" \
	faultctl policy load $P/lifecycle.bpf.o set init_ret -19
check 0 "" "load: nothing left of a refused policy" \
	sh -c '! test -e '$PIN'/lifecycle && ! faultctl policy show | grep -q lifecycle'
check 2 "invalid priority" "load: bad priority" \
	faultctl policy load $P/test_policy.bpf.o priority x
check 1 "too long" "load: name too long" \
	faultctl policy load $P/test_policy.bpf.o name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

# policy load, show: the policy outlives faultctl
check 0 "Loaded policy park" "load" \
	faultctl policy load $P/ignore_all.bpf.o name park dev "$dev" priority 5
check 0 "" "load pinned its link" test -e $PIN/park
check 0 "park: dev $dev  priority 5  ops fault" "show (from the kernel)" faultctl policy show
check 0 '"name":"park"' "show in JSON" faultctl -j policy list
check 0 "prog ids: fault [0-9]+" "show: program ids" faultctl policy show
check 0 '"prog_ids":\{"fault":[0-9]+\}' "show: program ids in JSON" faultctl -j policy show
check 1 "no policy named 'nope'" "show: filter matching nothing fails" \
	faultctl policy show name nope
check 1 "already loaded" "load: duplicate name" \
	faultctl policy load $P/ignore_all.bpf.o name park

# fault inject, pending, respond (a long deadline: they stay pending)
check 0 "deadline 600000 ms" "config deadline" faultctl config set deadline 600000
check 0 "Injected 3 stall faults" "inject" \
	faultctl fault inject dev "$dev" addr 0x1000 write stall count 3
check 0 "parked" "pending lists them" faultctl fault pending
cookie=$(faultctl -j fault pending | sed -n 's/^\[{"cookie":\([0-9]*\).*/\1/p')
check 0 "" "respond handled" faultctl fault respond "$cookie" handled
check 1 "no pending fault with cookie" "respond twice: unknown cookie" \
	faultctl fault respond "$cookie" handled
check 2 "handled, invalid or failure" "respond: bad verdict" \
	faultctl fault respond 1 maybe
check 2 "invalid cookie" "respond: bad cookie" faultctl fault respond xyz handled
check 1 "unknown device 'nosuch'" "inject: unknown device" \
	faultctl fault inject dev nosuch addr 0x1000
check 2 "usage" "inject: address missing" faultctl fault inject dev "$dev"
check 2 "unknown reason" "inject: bad reason" \
	faultctl fault inject dev "$dev" addr 1 reason nope

# device, config, stats
check 0 "$dev" "device show" faultctl device show
check 0 "^$dev .*smmu.* smmuv3 .*sid" "device show: the IOMMU's kind" \
	faultctl device show "$dev"
check 0 '"iommu_kind":"smmuv3"' "device show in JSON: the kind" \
	faultctl -j device show "$dev"
check 0 "\"sid\":$sid" "device show in JSON" faultctl -j device show "$dev"
check 1 "unknown device 'nosuch'" "device reset: unknown device" \
	faultctl device reset nosuch
check 0 "was not quarantined" "device reset" faultctl device reset "$dev"
check 0 "deadline 600000 ms  pool 4096 \(2 in use\)" "config shows the limits" \
	faultctl config show
check 2 "invalid pool size" "config: bad pool" faultctl config set pool 0
check 2 "invalid deadline" "config: bad deadline" faultctl config set deadline soon
check 1 "while faults are pending" "config: no resize while pending" \
	faultctl config set pool 128
check 0 "device $dev" "stats" faultctl stats show
check 0 "nsecs *: count" "stats histograms" faultctl stats show dev "$dev"
check 0 '"devices":\[' "stats in JSON" faultctl -j stats show
check 1 "unknown device 'nosuch'" "stats: unknown device" faultctl stats show dev nosuch
check 0 "# TYPE iommu_fault_faults_total counter" "stats prometheus" \
	faultctl stats show format prometheus
check 0 "" "stats prometheus to a file" \
	faultctl stats show format prometheus file /tmp/ifb.prom
check 0 "iommu_fault_responses_total" "the file is complete" cat /tmp/ifb.prom
check 0 "^iommu_fault_device_info\{dev=\"$dev\",iommu=\"[^\"]*smmu[^\"]*\",iommu_kind=\"smmuv3\"\} 1\$" \
	"prometheus: the device's IOMMU and kind" cat /tmp/ifb.prom
# For the host: promtool checks it (scripts/test.sh).
echo "IFB-FILE-BEGIN faultctl.prom"
cat /tmp/ifb.prom
echo "IFB-FILE-END"
check 0 "" "no temporary file left" sh -c '! ls /tmp/ifb.prom.*'
check 0 "policy park" "stats interval count" faultctl stats show interval 1 count 2
check 2 "file goes with format prometheus" "stats: file without format" \
	faultctl stats show file /tmp/x

# trace: live events as JSON Lines, a clean exit on SIGINT
faultctl -j fault trace > /tmp/trace.jsonl 2> /tmp/trace.err &
tpid=$!
wait_until 60 grep -q "^Tracing" /tmp/trace.err
faultctl fault inject dev "$dev" addr 0x2000 stall count 2 > /dev/null
faultctl fault inject dev "$dev" addr 0x3000 > /dev/null
# and a real one: edu DMA to an unmapped IOVA
echo "to_ram 0xdead000 4" > /sys/kernel/debug/iommu_fault_edu/"$dev"/dma
wait_until 60 has 4 "$VERDICT" /tmp/trace.jsonl
faultctl fault trace > /tmp/trace.txt 2>&1 &
tpid2=$!
wait_until 60 grep -q "^Tracing" /tmp/trace.txt
faultctl fault inject dev "$dev" addr 0x4000 > /dev/null
wait_until 60 has 5 "$VERDICT" /tmp/trace.jsonl
wait_until 60 grep -q -- "-> none" /tmp/trace.txt
kill -INT $tpid $tpid2
wait $tpid
check 0 "" "trace -j ends with 0 on SIGINT" test $? = 0
wait $tpid2
check 0 "" "trace ends with 0 on SIGINT" test $? = 0
check 0 "" "trace: every line is a JSON object" \
	sh -c '! grep -v "^{.*}\$" /tmp/trace.jsonl | grep .'
check 0 "^5\$" "trace: the five faults" grep -c '"event":"fault"' /tmp/trace.jsonl
check 0 "^5\$" "trace: each fault names its IOMMU's kind" \
	grep -c '"event":"fault".*"iommu_kind":"smmuv3"' /tmp/trace.jsonl
check 0 "^2\$" "trace: two IGNORE verdicts by park" \
	grep -c '"policy":"park","stage":"atomic","status":"ignore"' /tmp/trace.jsonl
check 0 "^3\$" "trace: three NONE verdicts (unrecoverable)" \
	grep -c '"status":"none"' /tmp/trace.jsonl
check 0 '"addr":233492480,.*"flags":0' "trace: the real DMA fault" \
	grep '"event":"fault"' /tmp/trace.jsonl
check 0 "fault .* smmuv3 sid $(printf 0x%x "$sid") addr 0x4000 r unrecoverable" "trace: text line" \
	cat /tmp/trace.txt
check 1 "unknown device 'nosuch'" "trace: unknown device" faultctl fault trace dev nosuch

# replay: the captured faults again, to the same verdicts
faultctl -j fault trace > /tmp/replay.jsonl 2> /tmp/replay.err &
tpid=$!
wait_until 60 grep -q "^Tracing" /tmp/replay.err
check 0 "Replayed 5 faults" "replay" faultctl fault replay /tmp/trace.jsonl
wait_until 60 has 5 "$VERDICT" /tmp/replay.jsonl
kill -INT $tpid
wait $tpid
verdicts() { grep '"event":"verdict"' "$1" | sed 's/.*"policy":\("[^"]*"\).*"status":\("[^"]*"\).*/\1 \2/'; }
verdicts /tmp/trace.jsonl > /tmp/v1
verdicts /tmp/replay.jsonl > /tmp/v2
check 0 "" "replay: same verdicts, in order" cmp /tmp/v1 /tmp/v2
check 0 "^5\$" "replay: five verdicts compared" grep -c . /tmp/v2
check 0 "Replayed 5 faults" "replay realtime" faultctl fault replay /tmp/trace.jsonl realtime
head -1 /tmp/trace.jsonl > /tmp/bad.jsonl
echo '{"event":"fault","dev":"x"' >> /tmp/bad.jsonl
check 1 "bad.jsonl:2: malformed trace line" "replay: malformed line, with its number" \
	faultctl fault replay /tmp/bad.jsonl
echo '{"ts_ns":1,"event":"fault","dev":"nosuch","addr":1,"flags":0,"perm":1,"reason":1,"event_id":16}' > /tmp/bad2.jsonl
check 1 "unknown device 'nosuch'" "replay: unknown device" faultctl fault replay /tmp/bad2.jsonl
check 1 "can't open" "replay: no file" faultctl fault replay /nonexistent

# replace, unload
check 0 "Replaced policy park" "replace" \
	faultctl policy replace park $P/test_policy.bpf.o
check 0 "park: dev $dev  priority 5  ops fault,fault_sleepable$" \
	"replacement keeps name, device and priority" faultctl policy show name park
check 0 "prog ids: fault [0-9]+ fault_sleepable [0-9]+$" \
	"replacement: program ids of the new object" faultctl policy show name park
check 0 "pool 4096 \(8 in use\)" "replacement inherited the parked faults" \
	faultctl config show
check 0 "" "unload" faultctl policy unload park
check 0 "" "unload removed the pin" sh -c "! test -e $PIN/park"
check 1 "no policy 'park' loaded by faultctl" "unload twice" \
	faultctl policy unload park
check 0 "" "unload answered the parked faults" \
	sh -c 'test "$(faultctl -j config show | sed "s/.*pool_in_use.:\([0-9]*\).*/\1/")" = 0'
check 0 "" "config back to defaults" faultctl config set deadline 1000

# Not root
check 1 "faultctl needs root" "not root" su -s /bin/sh -c "faultctl config show" nobody

echo "1..$n"
exit $failed
