#!/bin/sh
# make test's second boot (scripts/test.sh): 6.12's iommufd_fail_nth,
# nothing attached, then a NONE policy attached globally.
IFB_ONLY="upstream_fail_nth_nothing_test.sh upstream_fail_nth_none_test.sh" \
	exec sh /opt/ifb/selftests/run-all.sh
