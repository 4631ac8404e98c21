#!/bin/sh
# make test's second boot (scripts/test.sh): 6.12's iommufd_fail_nth,
# nothing attached, then a NONE policy attached globally.  Their names
# end in .sh, not _test.sh: the test boot's run-all.sh leaves them out.
IFB_ONLY="upstream_fail_nth_nothing.sh upstream_fail_nth_none.sh" \
	exec sh /opt/ifb/selftests/run-all.sh
