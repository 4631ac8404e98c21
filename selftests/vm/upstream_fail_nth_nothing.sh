#!/bin/sh
# 6.12's iommufd_fail_nth selftest, nothing attached, in its own boot
# (scripts/test.sh; see upstream_run.sh).
exec /opt/ifb/selftests/upstream_run.sh iommufd_fail_nth nothing
