#!/bin/bash
# Build the VM's base initramfs: static busybox, /init, our binaries.
#
#   mkinitramfs.sh OUT.cpio.gz BUSYBOX SELFTEST_BIN_DIR SELFTEST_SRC_DIR
set -euo pipefail

out=$1 busybox=$2 bindir=$3 srcdir=$4
here=$(dirname "$(realpath "$0")")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,mnt} \
	 "$stage"/opt/ifb/{bin,selftests}
cp "$busybox" "$stage/bin/busybox"
# The other applets are linked by /init (busybox --install): the binary is
# arm64 and cannot list them here.
ln -s busybox "$stage/bin/sh"
install -m 755 "$here/guest-init" "$stage/init"
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"

# Test binaries and the scripts that run them.
find "$bindir" -maxdepth 1 -type f -perm -u+x -exec cp {} "$stage/opt/ifb/selftests/" \;
cp "$srcdir"/*.sh "$stage/opt/ifb/selftests/"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
	| gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "  CPIO    $out"
