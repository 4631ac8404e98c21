#!/bin/bash
# make stress: one boot of the test kernel that runs selftests/vm/stress.c
# (1,000,000 faults with policy swaps, removals, pool resizes and
# responses by cookie); then QEMU's trace, the kernel log and kmemleak are
# checked as for make test, ending with "N passed, N failed".
#
#   stress.sh IMAGE INITRAMFS
set -uo pipefail

here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
out=$top/build/stress
mkdir -p "$out"
start=$SECONDS

"$here/vm-run.sh" --timeout "${STRESS_TIMEOUT:-3000}" "$1" "$2" \
	"$top/selftests/vm/stress.sh" > "$out/vm.out" 2>&1
vm_status=$?
grep -E "^# .*(round|faults in|Expected|FAIL)|^not ok |^ok |^vm-run:" "$out/vm.out" || true
echo "   ($((SECONDS - start)) s in the VM)"
# KUnit is make test's: a million faults' log lines push its output out
# of the kernel log before the dump at the end.
python3 "$here/vmlog.py" results --no-kunit \
	--qemu-trace "$top/build/vm/qemu-trace.log" --kmemleak \
	--qemu-status "$([ "$vm_status" = 124 ] && echo 124 || echo 0)" \
	--timeout "${STRESS_TIMEOUT:-3000}" "$top/build/vm/console.log"
