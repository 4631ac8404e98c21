#!/bin/bash
# make bench: every fault-path scenario in one boot of the bench kernel,
# twice over.  First under QEMU's -icount shift=0,sleep=off, where the
# guest's clock advances one nanosecond per guest instruction: the
# in-kernel timestamps are instruction counts of the real arm64 code,
# independent of the host's load, and the goals are judged on them
# (BENCH_ICOUNT_ROUNDS rounds of BENCH_ICOUNT_COUNT faults, default 3 x
# 20,000: every p50 repeats exactly); scenario 4 and its floor again with
# 1 and 4 guest CPUs.  Then one boot on the host's clock (BENCH_ROUNDS x
# BENCH_COUNT, default 5 x 100,000): emulated time, shown beside it, no
# goal judged on it.  The table, build/bench/results.json and
# build/bench/results.png.
#
#   bench.sh IMAGE INITRAMFS BENCH_KERNEL_OBJ_DIR
set -euo pipefail

here=$(dirname "$(realpath "$0")")
top=$(dirname "$here")
out=$top/build/bench
mkdir -p "$out"
image=$1 initramfs=$2 ktree=$3
count=${BENCH_COUNT:-100000}
rounds=${BENCH_ROUNDS:-5}
icount_count=${BENCH_ICOUNT_COUNT:-20000}
icount_rounds=${BENCH_ICOUNT_ROUNDS:-3}
script=$(mktemp --suffix=.sh)
trap 'rm -f "$script"' EXIT

# boot CLOCK CPUS FAULTS ROUNDS ARGS...: ifb-bench ARGS with CPUS vCPUs,
# its result lines tagged with the clock they were measured on.
boot() {
	local clock=$1 cpus=$2 n=$3 r=$4 log=$out/vm-$1-$2cpu.log
	shift 4
	printf '#!/bin/sh\n/opt/ifb/selftests/ifb-bench -n %s -r %s %s\n' \
		"$n" "$r" "$*" > "$script"
	echo "== bench ($clock): $cpus guest CPU(s), $r round(s) of $n: scenarios ${*:-1-9}" >&2
	if ! VM_CPUS=$cpus VM_ICOUNT=$([ "$clock" = icount ] && echo 1 || echo 0) \
		"$here/vm-run.sh" --timeout 900 "$image" "$initramfs" "$script" \
		> "$log" 2>&1; then
		tail -30 "$log"
		echo "bench: the VM run failed (log: $log)" >&2
		exit 1
	fi
	grep '^IFB-BENCH {' "$log" | sed 's/^IFB-BENCH {/{"clock": "'"$clock"'", /' |
		tr -d '\r'
}

{
	boot icount 2 "$icount_count" "$icount_rounds"
	boot icount 1 "$icount_count" 1 4
	boot icount 4 "$icount_count" 1 4
	boot wall 2 "$count" "$rounds"
} > "$out/raw.jsonl"

# The hooks' cost with nothing attached, from the code: the static-key
# NOPs at the call sites in the SMMUv3 driver's event handler, in
# io-pgfault's report path and in report_iommu_fault().
disassemble() {	# disassemble OBJ FUNCTION: $out/FUNCTION.dis, .relocs
	aarch64-linux-gnu-objdump -dr --no-show-raw-insn \
		--disassemble="$2" "$ktree/$1" > "$out/$2.dis"
	aarch64-linux-gnu-readelf -rW "$ktree/$1" > "$out/$2.relocs"
}
disassemble drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.o arm_smmu_handle_evt
disassemble drivers/iommu/io-pgfault.o iommu_report_device_fault
disassemble drivers/iommu/iommu.o report_iommu_fault

python3 "$here/bench.py" "$out"
