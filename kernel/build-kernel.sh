#!/usr/bin/env bash
# Build (or find in the cache) a labyrinth test kernel; with KVER=stock,
# fetch Debian's stock kernel instead (kernel/stock-kernel.sh).
#
# A test kernel is built from Debian's linux-source-$KVER package with
# kernel/labyrinth.config on top of allnoconfig, then
# kernel/labyrinth-$KVER.config if it exists (what that version names or
# arranges differently), then for VARIANT=debug kernel/debug.config (and
# kernel/debug-$KVER.config). The result lives outside the repo, keyed by
# what decides the kernel's bytes (see cache_key below), so a second run is
# a no-op and a changed fragment builds a new tree next to the old one.
#
# Every kernel directory, test or stock, has the same names for what the
# runner and module builds need (kernel/KERNELS.md):
#   bzImage  config  kdir  moddir  release  [initrd]
#
# Usage: kernel/build-kernel.sh [--print-kdir | --print-image | --print-initrd
#                                | --print-modules-dir | --print-release
#                                | --print-config | --print-dir
#                                | --print-key]
#   (no option)           build if needed, then print the kernel directory
#   --print-kdir          the directory out-of-tree modules build against
#   --print-image         the bzImage
#   --print-initrd        the initramfs (empty output: this kernel needs none)
#   --print-modules-dir   lib/modules/RELEASE of this kernel (e1000.ko,
#                         virtio_net.ko and their modules.dep are under it)
#   --print-release       its `uname -r`
#   --print-config        its .config
#   --print-dir           the kernel directory for this key (built or not)
#   --print-key           the cache key, for a CI cache of
#                         ~/.cache/labyrinth (built or not): changes when
#                         anything that decides the kernel's bytes does
#   The --print options other than --print-dir and --print-key exit 3 if
#   that kernel has not been built yet.
# Environment:
#   KVER=6.1|6.12|stock       which kernel (default: 6.1)
#   VARIANT=default|debug     test kernel variant (default: default)
#   LABYRINTH_CACHE=DIR       cache root (default: ~/.cache/labyrinth)
#   LABYRINTH_KSRC_TAR=FILE   source tarball (default: Debian's
#                             /usr/src/linux-source-$KVER.tar.xz)
#   JOBS=N                    parallel make jobs (default: nproc)
#   V=1                       show the kernel build's own output
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=kernel/kernel-lib.sh
. "$here/kernel-lib.sh"
kver=${KVER:-6.1}
variant=${VARIANT:-default}
cache=${LABYRINTH_CACHE:-${HOME:-/root}/.cache/labyrinth}
jobs=${JOBS:-$(nproc)}

die() { echo "build-kernel: $*" >&2; exit 2; }

case "$kver" in
6.1|6.12) ;;
stock) exec "$here/stock-kernel.sh" "$@" ;;
*) die "unknown KVER '$kver' (expected 6.1, 6.12 or stock)" ;;
esac

fragments=("$here/labyrinth.config")
[ -f "$here/labyrinth-$kver.config" ] && fragments+=("$here/labyrinth-$kver.config")
case "$variant" in
default) ;;
debug)
	fragments+=("$here/debug.config")
	[ -f "$here/debug-$kver.config" ] && fragments+=("$here/debug-$kver.config") ;;
*) die "unknown VARIANT '$variant' (expected default or debug)" ;;
esac

tarball=${LABYRINTH_KSRC_TAR:-/usr/src/linux-source-$kver.tar.xz}
[ -r "$tarball" ] || die "kernel source $tarball not found: run 'make deps KVER=$kver' (installs linux-source-$kver) or set LABYRINTH_KSRC_TAR"

# The fragments merged: the last value given for an option wins, so a
# per-version or debug fragment can change what labyrinth.config says.
# "# CONFIG_X is not set" counts as CONFIG_X=n.
merge_fragments() {
	sed -E 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1=n/' "$@" |
	awk -F= '/^CONFIG_[A-Za-z0-9_]+=/ {
			if (!($1 in val)) order[n++] = $1
			val[$1] = substr($0, length($1) + 2)
		}
		END { for (i = 0; i < n; i++) print order[i] "=" val[order[i]] }'
}

# What turns source + fragment into the kernel's bytes. The text of these
# two functions (as bash prints it: comments and layout do not count) is
# part of the cache key; the rest of this script (messages, checks, the
# links made after a build) is not, so editing it rebuilds nothing.
kernel_configure() {
	run configure make -C "$srcdir" O="$build" KCONFIG_ALLCONFIG="$dir/fragment.config" allnoconfig &&
	run configure make -C "$srcdir" O="$build" olddefconfig
}
kernel_compile() {
	run "building (-j$jobs)" make -C "$srcdir" O="$build" -j"$jobs" bzImage modules &&
	# What an out-of-tree module build needs, with no modules of our own in tree.
	run "preparing for modules" make -C "$srcdir" O="$build" -j"$jobs" modules_prepare
}

# The key: the source (its size+mtime stand in for a hash of 140 MB, which
# would cost seconds on every 'make'), the merged fragment, the recipe
# above and the compiler and linker that run it.
srcid=$(stat -c '%s-%Y' "$tarball")
cache_key() {
	{
		echo "$srcid"
		merge_fragments "${fragments[@]}"
		declare -f kernel_configure kernel_compile
		gcc --version | head -n 1
		ld --version | head -n 1
	} | sha256sum | cut -c1-12
}
key=$(cache_key)
name=$(basename "$tarball" .tar.xz)
dir="$cache/kernel/$name-$variant-$key"
srcdir="$cache/src/$name-$srcid"
build="$dir/build"

# The names every kernel directory has (kernel/stock-kernel.sh makes the
# same ones), and the current-KVER-VARIANT link the runner follows. Made
# on every run, so a kernel built by an older script gets them too.
link_names() {
	local rel
	rel=$(cat "$build/include/config/kernel.release")
	echo "$rel" > "$dir/release"
	ln -sfn build/arch/x86/boot/bzImage "$dir/bzImage"
	ln -sfn build/.config "$dir/config"
	ln -sfn build "$dir/kdir"
	# modules_install is a copy of two drivers and a depmod: cheap enough
	# to redo when a directory from an older script lacks it
	if [ ! -f "$dir/modules/.done" ]; then
		rm -rf "$dir/modules"
		make -s -C "$srcdir" O="$build" INSTALL_MOD_PATH="$dir/modules" \
			modules_install >> "$dir/build.log" 2>&1 ||
			die "modules_install failed (see $dir/build.log)"
		touch "$dir/modules/.done"
	fi
	ln -sfn "modules/lib/modules/$rel" "$dir/moddir"
	ln -sfn "$(basename "$dir")" "$cache/kernel/current-$kver-$variant"
	# what runners from before KVER existed look for
	[ "$kver" = 6.1 ] && ln -sfn "$(basename "$dir")" "$cache/kernel/current-$variant"
	return 0
}

is_built() { [ -f "$dir/.done" ] && [ -e "$dir/moddir" ]; }
not_built="build-kernel: $kver $variant kernel not built yet (run 'make kernel KVER=$kver VARIANT=$variant')"
if [ -n "${1:-}" ]; then
	print_option "$1"
	exit 0
fi

if [ -f "$dir/.done" ]; then
	link_names
	echo "$dir"
	exit 0
fi

lock_key
if [ -f "$dir/.done" ]; then
	link_names
	echo "$dir"
	exit 0
fi

start=$(date +%s)
tty=0; [ -t 2 ] && tty=1
phase() {
	if [ "$tty" = 1 ]; then
		printf '\r\033[K[kernel %s %s] %s (%ds)' "$kver" "$variant" "$1" $(( $(date +%s) - start )) >&2
	fi
}

mkdir -p "$dir" "$cache/src"
log="$dir/build.log"
: > "$log"

# Run a build step into the log; on a TTY, show phase, elapsed time and how
# many objects have been compiled so far.
run() {
	local what=$1; shift
	if [ "${V:-0}" = 1 ]; then
		"$@" 2>&1 | tee -a "$log" >&2
		return "${PIPESTATUS[0]}"
	fi
	"$@" >> "$log" 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		phase "$what: $(grep -c '^  CC' "$log" || true) objects"
		sleep 1
	done
	wait "$pid"
}

fail() {
	[ "$tty" = 1 ] && echo >&2
	echo "build-kernel: $1 failed; last lines of $log:" >&2
	tail -n 25 "$log" >&2
	exit 1
}

if [ ! -f "$srcdir/.extracted" ]; then
	phase "extracting $(basename "$tarball")"
	rm -rf "$srcdir.tmp"
	mkdir -p "$srcdir.tmp"
	tar -C "$srcdir.tmp" --strip-components=1 -xJf "$tarball" || fail "extracting $tarball"
	rm -rf "$srcdir"
	mv "$srcdir.tmp" "$srcdir"
	touch "$srcdir/.extracted"
fi

rm -rf "$build" "$dir/modules"
mkdir -p "$build"
merge_fragments "${fragments[@]}" > "$dir/fragment.config"

phase "configuring"
kernel_configure || fail "configuring"

# Kconfig drops an option whose dependencies are not met without a word:
# check that every option the fragments ask for is what we got.
missing=""
while IFS= read -r line; do
	opt=${line%%=*}; want=${line#*=}
	if [ "$want" = n ]; then
		grep -qE "^$opt=[ym]$" "$build/.config" && missing="$missing $opt(wanted n)"
	else
		grep -qxF "$opt=$want" "$build/.config" || missing="$missing $opt"
	fi
done < "$dir/fragment.config"
[ -z "$missing" ] || die "the $kver kernel config lacks:$missing (a dependency is missing from ${fragments[*]}, or $kver renamed it: see kernel/labyrinth-$kver.config)"

kernel_compile || fail "kernel build"
[ -f "$build/Module.symvers" ] || fail "Module.symvers missing after the build"

end=$(date +%s)
echo "$(( end - start ))" > "$dir/build-seconds"
touch "$dir/.done"
link_names
[ "$tty" = 1 ] && printf '\r\033[K' >&2
echo "build-kernel: $kver $variant kernel built in $(( end - start ))s: $dir/bzImage" >&2
echo "$dir"
