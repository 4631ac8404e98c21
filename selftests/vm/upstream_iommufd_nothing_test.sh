#!/bin/sh
# 6.12's iommufd selftest, nothing attached (see upstream_run.sh).
exec /opt/ifb/selftests/upstream_run.sh iommufd nothing
