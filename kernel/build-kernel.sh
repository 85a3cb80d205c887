#!/usr/bin/env bash
# Build (or find in the cache) the labyrinth test kernel.
#
# The kernel is built from Debian's linux-source-6.1 package with the
# fragment kernel/labyrinth.config applied on top of allnoconfig (plus
# kernel/debug.config for VARIANT=debug). The result lives outside the repo,
# keyed by source package version + fragment + this script, so a second run
# is a no-op and a changed fragment builds a new tree next to the old one.
#
# Usage: kernel/build-kernel.sh [--print-kdir | --print-image | --print-dir]
#   (no option)     build if needed, then print the build directory
#   --print-kdir    print the directory out-of-tree modules build against
#                   (exit 3 if that kernel has not been built yet)
#   --print-image   print the bzImage path (exit 3 if not built)
#   --print-dir     print the cache directory for this key (built or not)
# Environment:
#   VARIANT=default|debug     which kernel (default: default)
#   LABYRINTH_CACHE=DIR       cache root (default: ~/.cache/labyrinth)
#   LABYRINTH_KSRC_TAR=FILE   source tarball (default: Debian's linux-source-6.1)
#   JOBS=N                    parallel make jobs (default: nproc)
#   V=1                       show the kernel build's own output
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
variant=${VARIANT:-default}
cache=${LABYRINTH_CACHE:-${HOME:-/root}/.cache/labyrinth}
tarball=${LABYRINTH_KSRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
jobs=${JOBS:-$(nproc)}

die() { echo "build-kernel: $*" >&2; exit 2; }

case "$variant" in
default) fragments=("$here/labyrinth.config") ;;
debug) fragments=("$here/labyrinth.config" "$here/debug.config") ;;
*) die "unknown VARIANT '$variant' (expected default or debug)" ;;
esac

[ -r "$tarball" ] || die "kernel source $tarball not found: run 'make deps' (installs linux-source-6.1) or set LABYRINTH_KSRC_TAR"

# The key: what the tarball is (its size+mtime stands in for a hash of 130 MB,
# which would cost seconds on every 'make'), the fragments, and this script.
srcid=$(stat -c '%s-%Y' "$tarball")
key=$( { echo "$srcid"; cat "${fragments[@]}" "$0"; } | sha256sum | cut -c1-12)
name=$(basename "$tarball" .tar.xz)
dir="$cache/kernel/$name-$variant-$key"
srcdir="$cache/src/$name-$srcid"
build="$dir/build"

case "${1:-}" in
--print-dir) echo "$dir"; exit 0 ;;
--print-kdir|--print-image)
	[ -f "$dir/.done" ] || { echo "build-kernel: $variant kernel not built yet (run 'make kernel')" >&2; exit 3; }
	if [ "$1" = --print-kdir ]; then echo "$build"; else echo "$build/arch/x86/boot/bzImage"; fi
	exit 0 ;;
"") ;;
*) die "unknown option '$1' (see the comment at the top of $0)" ;;
esac

if [ -f "$dir/.done" ]; then
	echo "$build"
	exit 0
fi

# Several checkouts (worktrees, CI jobs on one runner) share the cache:
# the first builds, the others wait for it and then find it done.
mkdir -p "$cache/kernel"
exec 9>"$dir.lock"
if ! flock -n 9; then
	echo "build-kernel: another build of $(basename "$dir") is running; waiting for it" >&2
	flock 9
fi
if [ -f "$dir/.done" ]; then
	echo "$build"
	exit 0
fi

start=$(date +%s)
tty=0; [ -t 2 ] && tty=1
phase() {
	if [ "$tty" = 1 ]; then
		printf '\r\033[K[kernel %s] %s (%ds)' "$variant" "$1" $(( $(date +%s) - start )) >&2
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

rm -rf "$build"
mkdir -p "$build"
cat "${fragments[@]}" > "$dir/fragment.config"

phase "configuring"
run configure make -C "$srcdir" O="$build" KCONFIG_ALLCONFIG="$dir/fragment.config" allnoconfig || fail "allnoconfig"
run configure make -C "$srcdir" O="$build" olddefconfig || fail "olddefconfig"

# Kconfig drops an option whose dependencies are not met without a word:
# check that every option the fragment asks for is what we got.
missing=""
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		opt=${line%%=*}; want=${line#*=}
		if [ "$want" = n ]; then
			grep -qx "$opt=y" "$build/.config" && missing="$missing $opt(wanted n)"
		else
			grep -qx "$opt=$want" "$build/.config" || missing="$missing $opt"
		fi ;;
	esac
done < "$dir/fragment.config"
[ -z "$missing" ] || die "the kernel config lacks:$missing (a dependency is missing from ${fragments[*]})"

run "building (-j$jobs)" make -C "$srcdir" O="$build" -j"$jobs" bzImage modules || fail "kernel build"
# What an out-of-tree module build needs, with no modules of our own in tree.
run "preparing for modules" make -C "$srcdir" O="$build" -j"$jobs" modules_prepare || fail "modules_prepare"
[ -f "$build/Module.symvers" ] || fail "Module.symvers missing after the build"

end=$(date +%s)
echo "$(( end - start ))" > "$dir/build-seconds"
touch "$dir/.done"
ln -sfn "$dir" "$cache/kernel/current-$variant"
[ "$tty" = 1 ] && printf '\r\033[K' >&2
echo "build-kernel: $variant kernel built in $(( end - start ))s: $build/arch/x86/boot/bzImage" >&2
echo "$build"
