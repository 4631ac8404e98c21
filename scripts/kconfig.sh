#!/bin/bash
# Generate the kernel .config: allnoconfig plus our fragments, then check
# that every option the fragments ask for really is in the result (Kconfig
# silently drops an option whose dependencies are not met).
#
#   kconfig.sh KERNEL_SRC OBJ_DIR OUT_CONFIG FRAGMENT...
# The config is made in OBJ_DIR (an O= build directory of KERNEL_SRC).
# Extra kbuild arguments (ARCH, CROSS_COMPILE) come from $KMAKE_ARGS.
set -euo pipefail

ksrc=$1 obj=$2 out=$3
shift 3
merged=$(mktemp)
trap 'rm -f "$merged"' EXIT
cat "$@" > "$merged"

mkdir -p "$obj"
# shellcheck disable=SC2086
make -s -C "$ksrc" O="$obj" $KMAKE_ARGS KCONFIG_ALLCONFIG="$merged" allnoconfig

bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) ;;
	*) continue ;;
	esac
	if ! grep -qxF -- "$line" "$obj/.config"; then
		opt=${line%%=*}
		got=$(grep -E "^$opt=|^# $opt is not set" "$obj/.config" || echo "absent")
		echo "kconfig: $line requested, got: $got" >&2
		bad=1
	fi
done < "$merged"
[ $bad = 0 ] || { echo "kconfig: fragments not satisfied (missing dependencies?)" >&2; exit 1; }
cp "$obj/.config" "$out"
