#!/usr/bin/env bash
# Fetch Debian's stock kernel (linux-image-amd64, the generic flavour: the
# cloud flavour has no 9p) into the kernel cache, with what it takes to
# boot it in the labyrinth VM and to build labyrinth.ko against it.
# Called as `KVER=stock kernel/build-kernel.sh` (make kernel KVER=stock).
#
# Nothing is installed on this machine: the .debs are downloaded
# (apt-get download) and unpacked (dpkg-deb -x) into the cache, keyed by
# the package version:
#   linux-image-RELEASE           the kernel, its modules, its config
#   linux-headers-RELEASE,        what out-of-tree modules build against;
#   linux-headers-ABI-common,     their absolute links and the Makefile's
#   linux-kbuild-6.1              absolute include are rewritten to point
#                                 into the cache
# then depmod runs on the unpacked modules, and an initramfs is built that
# loads virtio_pci, 9pnet_virtio, 9p (and virtio-rng) in dependency order,
# mounts the host's root over 9p as the test kernels do, and hands over to
# the runner's guest init (kernel/initramfs-init.c).
#
# Options: as kernel/build-kernel.sh (--print-kdir, --print-image,
# --print-initrd, --print-modules-dir, --print-release, --print-config,
# --print-dir, --print-key).
# Environment:
#   LABYRINTH_CACHE=DIR            cache root (default: ~/.cache/labyrinth)
#   LABYRINTH_STOCK_IMAGE=PACKAGE  e.g. linux-image-6.1.0-55-amd64 (default:
#                                  what linux-image-amd64 depends on now)
#   VARIANT                        must be default: Debian has no debug build
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=kernel/kernel-lib.sh
. "$here/kernel-lib.sh"
cache=${LABYRINTH_CACHE:-${HOME:-/root}/.cache/labyrinth}
kernels=$cache/kernel
current=$kernels/current-stock-default

die() { echo "stock-kernel: $*" >&2; exit 2; }

[ "${VARIANT:-default}" = default ] ||
	die "VARIANT=${VARIANT}: Debian's stock kernel has no debug variant (use KVER=6.1 or 6.12 for VARIANT=debug)"

# The modules the initramfs loads (with their dependencies): the 9p root
# needs virtio_pci, 9pnet_virtio and 9p; virtio_rng feeds the RNG the way
# the runner's virtio-rng-pci device does for the test kernels.
initramfs_modules=(virtio_pci 9pnet_virtio 9p virtio_rng)

# Which packages: linux-image-amd64's dependency, at its candidate version.
resolve() {
	img=${LABYRINTH_STOCK_IMAGE:-$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')}
	[ -n "$img" ] || return 1
	ver=$(apt-cache policy "$img" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	release=${img#linux-image-}
	kbuild=$(apt-cache depends "linux-headers-$release" 2>/dev/null |
		awk '/Depends: linux-kbuild-/ { print $2; exit }')
	[ -n "$kbuild" ] || return 1
	pkgs=("$img" "linux-headers-$release" "linux-headers-${release%-amd64}-common" "$kbuild")
}

# What decides the unpacked tree (its text is part of the key, as in
# build-kernel.sh): download, unpack, relink, depmod.
stock_unpack() {
	mkdir -p "$tmp/debs" "$tmp/root" &&
	(cd "$tmp/debs" && apt-get download -q -o APT::Sandbox::User=root "${pkgs[@]}") &&
	for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root" || return 1; done &&
	rm -r "$tmp/debs" &&
	# absolute links (lib/modules/R/build -> /usr/src/...) into the cache
	find "$tmp/root" -type l -lname '/*' -print0 |
		while IFS= read -r -d '' l; do ln -sfnr "$tmp/root$(readlink "$l")" "$l"; done &&
	sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
		"$tmp/root/usr/src/linux-headers-$release/Makefile" &&
	depmod -b "$tmp/root" "$release"
}

# What decides the initramfs: the init's source, the module list, and this.
initramfs_build() {
	local stage=$dir/initramfs.stage m path n=10
	rm -rf "$stage"
	mkdir -p "$stage/modules"
	${CC:-gcc} -static -Os -s -Wall -Wextra -Werror -Wshadow -Wformat=2 \
		-Wmissing-prototypes -Wstrict-prototypes \
		-o "$stage/init" "$here/initramfs-init.c" || return 1
	for m in "${initramfs_modules[@]}"; do
		modprobe -d "$dir/root" -S "$release" --show-depends "$m" > "$stage/deps" ||
			{ echo "stock-kernel: no module $m in $release" >&2; return 1; }
		cat "$stage/deps"
	done > "$stage/deps.all" || return 1
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' "$stage/deps.all" > "$stage/order"
	rm "$stage/deps" "$stage/deps.all"
	while IFS= read -r path; do
		# NN-name.ko: the init loads them in name order. Compressed
		# modules are unpacked here, whatever the kernel can load.
		m=$(basename "$path"); m=${m%%.ko*}
		case "$path" in
		*.ko) cp "$path" "$stage/modules/$n-$m.ko" ;;
		*.ko.xz) xz -dc "$path" > "$stage/modules/$n-$m.ko" ;;
		*.ko.zst) zstd -qdc "$path" > "$stage/modules/$n-$m.ko" ;;
		*.ko.gz) gzip -dc "$path" > "$stage/modules/$n-$m.ko" ;;
		*) echo "stock-kernel: unexpected module file $path" >&2; return 1 ;;
		esac || return 1
		n=$((n + 1))
	done < "$stage/order"
	rm "$stage/order"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) > "$dir/initramfs.cpio.tmp" &&
	mv "$dir/initramfs.cpio.tmp" "$dir/initramfs-$ikey.cpio" &&
	rm -rf "$stage" &&
	# an older init's (a VM booting it has read it already)
	find "$dir" -maxdepth 1 -name 'initramfs-*.cpio' ! -name "initramfs-$ikey.cpio" -delete
}

link_names() {
	ln -sfn "root/boot/vmlinuz-$release" "$dir/bzImage"
	ln -sfn "root/boot/config-$release" "$dir/config"
	ln -sfn "root/usr/src/linux-headers-$release" "$dir/kdir"
	ln -sfn "root/lib/modules/$release" "$dir/moddir"
	ln -sfn "initramfs-$ikey.cpio" "$dir/initrd"
	echo "$release" > "$dir/release"
	ln -sfn "$(basename "$dir")" "$current"
}

if ! resolve; then
	# No package lists yet (a fresh machine): fetch them once, as root,
	# when asked to fetch the kernel (a --print option only looks).
	if [ -z "${1:-}" ] && [ "$(id -u)" = 0 ] &&
	   apt-get update -q >/dev/null 2>&1 && resolve; then
		:
	elif [ -f "$current/.done" ]; then
		# offline: what was fetched before is still a stock kernel
		dir=$(readlink -f "$current")
		release=$(cat "$dir/release")
		echo "stock-kernel: cannot ask apt for linux-image-amd64; using the cached $release" >&2
	else
		die "cannot find linux-image-amd64's kernel package with apt-cache (run 'apt-get update' as root, or set LABYRINTH_STOCK_IMAGE)"
	fi
fi

if [ -z "${dir:-}" ]; then
	key=$( { printf '%s\n' "${pkgs[@]}" "$ver"; declare -f stock_unpack; } |
		sha256sum | cut -c1-8)
	dir=$kernels/stock-$release-$ver-$key
fi
ikey=$( { cat "$here/initramfs-init.c"; echo "${initramfs_modules[*]}";
	  declare -f initramfs_build; } | sha256sum | cut -c1-8)

is_built() { [ -f "$dir/.done" ] && [ -f "$dir/initramfs-$ikey.cpio" ]; }
# shellcheck disable=SC2034 # print_option's (kernel-lib.sh)
print_key=$(basename "$dir")-initramfs-$ikey
not_built="stock-kernel: the stock kernel is not in the cache yet (run 'make kernel KVER=stock')"
if [ -n "${1:-}" ]; then
	print_option "$1"
	exit 0
fi

if is_built; then
	link_names
	echo "$dir"
	exit 0
fi

lock_key

start=$(date +%s)
if [ ! -f "$dir/.done" ]; then
	[ -n "${pkgs[*]:-}" ] || die "the cached stock kernel is incomplete and apt cannot be asked for a new one"
	echo "stock-kernel: fetching ${pkgs[*]} ($ver)" >&2
	tmp=$dir.tmp
	rm -rf "$tmp" "$dir"
	log=$(mktemp /tmp/labyrinth-stock.XXXXXX)
	if ! stock_unpack > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "fetching the stock kernel failed (full log: $log)"
	fi
	rm -f "$log"
	# the Makefile fix-up above names $dir: the tree moves there now
	mv "$tmp" "$dir"
	touch "$dir/.done"
fi
initramfs_build || die "building the initramfs failed"
link_names
echo "stock-kernel: $release ($ver) ready in $(( $(date +%s) - start ))s: $dir/bzImage, initramfs $(du -kL "$dir/initrd" | cut -f1) KiB" >&2
echo "$dir"
