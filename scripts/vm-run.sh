#!/bin/bash
# Boot the iommu-fault-bpf VM.
#
#   vm-run.sh [--timeout S] [--extra DIR] IMAGE INITRAMFS SCRIPT
#	run SCRIPT as root in the guest (EXTRA at /mnt/extra), stream its
#	output and exit with its status; or, when the run itself went wrong:
#	  124  the guest hung (no result within the timeout)
#	  125  the guest died (kernel panic, or QEMU exited without a result)
#	  126  the script finished but the kernel log has a splat
#	(WARN, BUG, Oops, lockdep, KASAN, sleeping in atomic, ...)
#   vm-run.sh --interactive IMAGE INITRAMFS
#	a shell on the serial console (Ctrl-a x leaves QEMU)
#
# Writes build/vm/console.log (the whole serial console, kernel log
# included) and build/vm/smmu-trace.log (QEMU's smmuv3_cmdq_opcode and
# smmuv3_record_event trace: every command the kernel sent the SMMU and
# every event the SMMU recorded).  VM_CPUS and VM_MEM override the size;
# VM_APPEND adds to the kernel's command line;
# VM_ICOUNT=1 makes the guest's clock count instructions (-icount
# shift=0,sleep=off: one nanosecond per guest instruction, whatever the
# host's load), for figures that must repeat (make bench).
set -euo pipefail

here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
vmdir=$top/build/vm
timeout=300 extra= interactive=0
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout=$2; shift 2 ;;
	--extra) extra=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "usage: $0 [--timeout S] [--extra DIR] IMAGE INITRAMFS [SCRIPT]" >&2; exit 2; }
image=$1 initramfs=$2 script=${3:-}
if [ $interactive = 0 ] && [ -z "$script" ]; then
	echo "vm-run: no script given" >&2; exit 2
fi
[ -z "$script" ] || [ -r "$script" ] || { echo "vm-run: cannot read script '$script'" >&2; exit 2; }
[ -z "$extra" ] || [ -d "$extra" ] || { echo "vm-run: EXTRA '$extra' is not a directory" >&2; exit 2; }

mkdir -p "$vmdir"
console=$vmdir/console.log
trace=$vmdir/smmu-trace.log
# QEMU's trace also records every byte written to the UART (pl011_write),
# which orders the tests' IFB-MARK lines exactly among the SMMU commands;
# smmu-trace.log is the SMMU part of it.
qtrace=$vmdir/qemu-trace.log
rm -f "$console" "$trace" "$qtrace"

# The run's own files go in a second cpio, appended to the base one: the
# kernel unpacks concatenated archives in order.
initrd=$initramfs
append="console=ttyAMA0 panic=-1 loglevel=5 printk.devkmsg=on ${VM_APPEND:-}"
if [ -n "$script" ]; then
	stage=$(mktemp -d)
	chmod 755 "$stage"	# its "." entry sets the mode of the guest's /
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/mnt/run" "$stage/mnt/extra"
	cp "$script" "$stage/mnt/run/script.sh"
	[ -z "$extra" ] || cp -a "$extra/." "$stage/mnt/extra/"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
		| gzip -1 > "$vmdir/run.cpio.gz"
	cat "$initramfs" "$vmdir/run.cpio.gz" > "$vmdir/initrd.cpio.gz"
	initrd=$vmdir/initrd.cpio.gz
	append="$append ifb.run=1"
fi

# No network: the guest needs none, and QEMU's default NIC would need its
# option ROM (efi-virtio.rom, in ipxe-qemu, which qemu-system-arm only
# recommends).
qemu=(qemu-system-aarch64
	-M virt,iommu=smmuv3,gic-version=3
	-cpu max,pauth-impdef=on
	-smp "${VM_CPUS:-2}" -m "${VM_MEM:-2048}"
	-no-reboot
	-kernel "$image" -initrd "$initrd" -append "$append"
	-device edu
	-nic none
	-trace enable=smmuv3_cmdq_opcode -trace enable=smmuv3_record_event
	-trace enable=pl011_write
	-D "$qtrace")
[ "${VM_ICOUNT:-0}" = 0 ] || qemu+=(-icount shift=0,sleep=off)

if [ $interactive = 1 ]; then
	exec "${qemu[@]}" -nographic
fi

# Stream the console, less the kernel-log dump at the end, and keep all
# of it in console.log.
set +e
timeout -k 10 "$timeout" "${qemu[@]}" -display none -monitor none \
	-serial stdio < /dev/null 2>&1 \
	| tr -d '\r' | tee "$console" \
	| awk '/^IFB-DMESG-BEGIN$/ { skip = 1 } !skip { print; fflush() } /^IFB-DMESG-END$/ { skip = 0 }'
qemu_status=${PIPESTATUS[0]}
set -e

grep '^smmuv3_' "$qtrace" > "$trace" || true
[ ! -s "$trace" ] || python3 "$here/vmlog.py" trace-summary "$trace" >&2
python3 "$here/vmlog.py" check --qemu-status "$qemu_status" --timeout "$timeout" "$console"
