#!/bin/sh
# Run every VM selftest in the guest (make test boots the VM with this).
# Each binary's TAP output is framed for scripts/vmlog.py:
#   IFB-TAP-BEGIN <name> / IFB-TAP-END <name> rc=<status>
# The script's own status is 0 when every binary passed or skipped.
dir=/opt/ifb/selftests
status=0
for t in "$dir"/*_test "$dir"/*_test.sh; do
	[ -x "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "IFB-TAP-BEGIN $name"
	t0=$(date +%s)
	"$t" 2>&1
	rc=$?
	echo "# $name took $(($(date +%s) - t0)) s"
	echo "IFB-TAP-END $name rc=$rc"
	case $rc in 0|4) ;; *) status=1 ;; esac
done
exit $status
