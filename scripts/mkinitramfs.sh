#!/bin/bash
# Build the VM's base initramfs: static busybox, /init, our binaries.
#
#   mkinitramfs.sh OUT.cpio.gz BUSYBOX SELFTEST_BIN_DIR SELFTEST_SRC_DIR \
#                  FAULTCTL POLICY_DIR [POLICY.bpf.o...]
# Test binaries and scripts go to /opt/ifb/selftests, faultctl to
# /opt/ifb/bin, the BPF objects of POLICY_DIR (the test policies) and the
# library's POLICY.bpf.o files to /opt/ifb/policies.
set -euo pipefail

out=$1 busybox=$2 bindir=$3 srcdir=$4 faultctl=$5 policydir=$6
shift 6
here=$(dirname "$(realpath "$0")")
stage=$(mktemp -d)
chmod 755 "$stage"	# the guest's /: everyone may enter it
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,mnt} \
	 "$stage"/opt/ifb/{bin,selftests,policies}
cp "$busybox" "$stage/bin/busybox"
# The other applets are linked by /init (busybox --install): the binary is
# arm64 and cannot list them here.
ln -s busybox "$stage/bin/sh"
install -m 755 "$here/guest-init" "$stage/init"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' \
	> "$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$stage/etc/group"

# Test binaries and the scripts that run them.
find "$bindir" -maxdepth 1 -type f -perm -u+x -exec cp {} "$stage/opt/ifb/selftests/" \;
cp "$srcdir"/*.sh "$stage/opt/ifb/selftests/"
install -m 755 "$faultctl" "$stage/opt/ifb/bin/faultctl"
cp "$policydir"/*.bpf.o "$stage/opt/ifb/policies/"
[ $# -eq 0 ] || cp "$@" "$stage/opt/ifb/policies/"

# Without their debug info (build/ keeps it, for gdb): a smaller archive
# is a faster boot, since the guest unpacks it byte by byte under emulation.
find "$stage/opt/ifb/bin" "$stage/opt/ifb/selftests" -type f -perm -u+x \
	! -name '*.sh' -exec aarch64-linux-gnu-strip --strip-debug {} +

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
	| gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "  CPIO    $out"
