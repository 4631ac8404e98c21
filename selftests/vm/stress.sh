#!/bin/sh
# make stress, in the guest: the stress program alone, framed and followed
# by the kmemleak scan as run-all.sh does for make test.
IFB_ONLY=stress exec sh /opt/ifb/selftests/run-all.sh
