#!/bin/sh
# Run every VM selftest in the guest (make test boots the VM with this).
# Each binary's TAP output is framed for scripts/vmlog.py:
#   IFB-TAP-BEGIN <name> / IFB-TAP-END <name> rc=<status>
# Then the kmemleak report, framed IFB-KMEMLEAK-BEGIN/END: the host fails
# the run when an object the subsystem allocated is unreferenced.
# The script's own status is 0 when every binary passed or skipped.
dir=/opt/ifb/selftests
status=0
# IFB_ONLY="name ..." runs those binaries of $dir instead (make stress;
# make test's fault-injection boot).
if [ -n "${IFB_ONLY:-}" ]; then
	set --
	for n in $IFB_ONLY; do
		set -- "$@" "$dir/$n"
	done
else
	set -- "$dir"/*_test "$dir"/*_test.sh
fi
for t in "$@"; do
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

# An object is reported once it looked unreferenced in two scans, the
# second at least 5 s (kmemleak's minimum age) after it was allocated.
kml=/sys/kernel/debug/kmemleak
echo "IFB-KMEMLEAK-BEGIN"
if [ -w "$kml" ] && echo scan > "$kml" 2>/dev/null; then
	sleep 6
	echo scan > "$kml"
	cat "$kml"
else
	echo "kmemleak: unavailable"
fi
echo "IFB-KMEMLEAK-END"
exit $status
