#!/bin/sh
# "Policies first, then the guest", end to end: the library's host_range
# policy on a VMM stand-in's device answers the requests in the host's
# range, the VMM (vmm_demo) the ones its fault queue receives; on both
# sides the counts agree, and the mock IOMMU got one response per request.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; failed=1; }
expect() {	# expect PATTERN DESCRIPTION: in the demo's output
	if echo "$out" | grep -qE -- "$1"; then ok "$2"; else not_ok "$2"; fi
}

echo "1..7"
out=$(/opt/ifb/selftests/vmm_demo -x 'faultctl policy load /opt/ifb/policies/host_range.bpf.o dev $DEV set lo 0x100000 set hi 0x200000 && faultctl policy show name host_range' \
	0x100000 0x400000 0x180000 0x500000 0x1ff000 0x200000 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc = 0 ] && ok "vmm_demo: every request answered once (exit 0)" ||
	not_ok "vmm_demo: every request answered once (exit $rc)"
expect "^vmm: fault addr 0x400000 group 2: answered SUCCESS$" "outside the range: to the VMM"
expect "^vmm: fault addr 0x200000 group 6: answered SUCCESS$" "hi is outside: to the VMM"
if echo "$out" | grep -qE "^vmm: fault addr 0x(100000|180000|1ff000) "; then
	not_ok "the host's range never reaches the VMM"
else
	ok "the host's range never reaches the VMM"
fi
expect "^vmm: 6 page requests; the VMM answered 3, the host 3$" "3 and 3"
expect "^mock IOMMU: 6 page responses, 6 SUCCESS$" "the IOMMU got 6 responses"
verdicts=$(faultctl policy show name host_range | grep 'verdicts:')
echo "#$verdicts"
faultctl policy unload host_range
echo "$verdicts" | grep -q "none 3/0 .*handled 3/0" &&
	ok "the policy's verdicts: 3 handled, 3 passed" ||
	not_ok "the policy's verdicts: 3 handled, 3 passed"
exit $failed
