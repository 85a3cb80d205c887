#!/usr/bin/env bash
# Install the Debian 12 packages labyrinth needs, only those missing, so a
# second run is a no-op that does not touch the network.
#
# KVERS (default "6.1") names the kernels to be built: linux-source-6.12
# (140 MB) is installed only when it lists 6.12 (`make deps KVER=6.12`,
# `make test`). The stock kernel is downloaded into the kernel cache by
# `make kernel KVER=stock`, never installed.
set -euo pipefail

kernel_sources=(linux-source-6.1)
for k in ${KVERS:-6.1}; do
	case "$k" in
	6.1|stock) ;;
	6.12) kernel_sources+=(linux-source-6.12) ;;
	*) echo "install-deps: unknown kernel '$k' in KVERS (6.1, 6.12 or stock)" >&2; exit 2 ;;
	esac
done

pkgs=(
	# build the harness and the test kernels; cpio and kmod also make the
	# stock kernel's initramfs
	build-essential pkg-config bc bison flex libelf-dev libssl-dev cpio kmod
	xz-utils dwarves "${kernel_sources[@]}"
	# libraries: JSON, INI scenarios, SHA-256 (libssl-dev above), unit tests
	libjansson-dev libinih-dev check
	# scoped injection: the BPF program (clang, below) and its loader
	libbpf-dev
	# sanitizer and fuzzer builds
	clang llvm libclang-rt-14-dev
	# the VM and what runs inside it
	qemu-system-x86 stress-ng bpftrace
	# the report's browser test
	chromium
	# the soak tests: soak.json and KCIDB output against their JSON
	# Schemas, the CI definitions' YAML (tests/vm/70-soak.sh)
	python3-jsonschema python3-yaml
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[ "${st:0:2}" = ii ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run 'make deps' as root (it uses apt-get)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/labyrinth-apt.XXXXXX)
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "install-deps: apt-get failed (full log: $log)" >&2
	exit 1
fi
rm -f "$log"
