#!/bin/bash
# Install what the build needs on Debian 12, as root.  Idempotent: quiet and
# quick when everything is present (one dpkg-query, no apt-get update).
# It is the first command on a new machine, where even make may be missing
# (a minimal Debian 12 has none); make deps runs it too.
#
#   deps.sh [DEPS_DIR]   (where the unpacked arm64 busybox and promtool go;
#                         default build/deps of this checkout)
set -euo pipefail

depsdir=${1:-$(dirname "$(realpath "$0")")/../build/deps}

pkgs=(
	make gcc libc6-dev			# host tools, host bpftool
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	clang llvm				# BPF backend, llvm-strip
	qemu-system-arm				# qemu-system-aarch64
	dwarves					# pahole, for BTF
	flex bison bc libssl-dev cpio zstd xz-utils kmod rsync
	patch					# kernel/patches/
	libelf-dev zlib1g-dev			# host bpftool
	libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64  # static libbpf
	linux-source-6.12
	ccache
	python3					# test result parser
	python3-docutils			# rst2man, for man pages
	gnuplot-nox				# benchmark plots
)

missing=()
status=$(dpkg-query -W -f='${binary:Package} ${db:Status-Status}\n' 2>/dev/null || true)
for p in "${pkgs[@]}"; do
	if ! grep -qE "^${p}(:amd64)? installed$" <<<"$status"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A static arm64 busybox for the guest: Debian's busybox-static:arm64,
# unpacked here rather than installed (it would replace the host's).
if [ ! -x "$depsdir/busybox/bin/busybox" ]; then
	mkdir -p "$depsdir"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -qq busybox-static:arm64 2>/dev/null) || {
		apt-get update -qq && (cd "$tmp" && apt-get download -qq busybox-static:arm64)
	}
	rm -rf "$depsdir/busybox"
	dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$depsdir/busybox"
	rm -rf "$tmp"
	echo "deps: unpacked busybox-static:arm64"
fi

# promtool, to validate faultctl's Prometheus output: unpacked from
# Debian's prometheus package, not installed (no server is started).
if [ ! -x "$depsdir/prometheus/usr/bin/promtool" ]; then
	mkdir -p "$depsdir"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -qq prometheus 2>/dev/null) || {
		apt-get update -qq && (cd "$tmp" && apt-get download -qq prometheus)
	}
	rm -rf "$depsdir/prometheus"
	dpkg-deb -x "$tmp"/prometheus_*.deb "$depsdir/prometheus"
	rm -rf "$tmp"
	echo "deps: unpacked promtool"
fi
