#!/bin/bash
# make bench: every fault-path scenario in one boot of the bench kernel,
# BENCH_ROUNDS times in turn (default 5: the figures are medians), then
# scenario 4 (and its floor, 71) again with 1 and 4 guest CPUs, BENCH_SCALE_ROUNDS
# times (default 1: with 4 vCPUs on a 2-core host one round of scenario 4
# takes about 20 s, and no goal rests on these figures); the table,
# build/bench/results.json and build/bench/results.png.
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
scale_rounds=${BENCH_SCALE_ROUNDS:-1}
script=$(mktemp --suffix=.sh)
trap 'rm -f "$script"' EXIT

boot() {	# boot CPUS ROUNDS LOG ARGS...: ifb-bench ARGS with CPUS vCPUs
	local cpus=$1 n=$2 log=$3
	shift 3
	printf '#!/bin/sh\n/opt/ifb/selftests/ifb-bench -n %s -r %s %s\n' \
		"$count" "$n" "$*" > "$script"
	echo "== bench: $cpus guest CPU(s), $n round(s): scenarios ${*:-1-7}" >&2
	if ! VM_CPUS=$cpus "$here/vm-run.sh" --timeout 900 "$image" "$initramfs" \
		"$script" > "$log" 2>&1; then
		tail -30 "$log"
		echo "bench: the VM run failed (log: $log)" >&2
		exit 1
	fi
	grep '^IFB-BENCH ' "$log" | sed 's/^IFB-BENCH //' | tr -d '\r'
}

{
	boot 2 "$rounds" "$out/vm-2cpu.log"
	boot 1 "$scale_rounds" "$out/vm-1cpu.log" 4
	boot 4 "$scale_rounds" "$out/vm-4cpu.log" 4
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
