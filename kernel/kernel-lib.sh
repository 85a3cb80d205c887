# shellcheck shell=bash
# What kernel/build-kernel.sh and kernel/stock-kernel.sh share: both leave
# a kernel directory $dir with the same names (bzImage config kdir moddir
# release, and initrd where one is needed), answer the same --print
# options from them, and build one key at a time across checkouts.

# print_option OPTION: answer a --print option for $dir, whose names
# exist once is_built (defined by the caller) says yes; exit 3 with
# $not_built before.
# shellcheck disable=SC2154 # $dir and $not_built are the caller's
print_option() {
	case "$1" in
	--print-dir) echo "$dir"; return 0 ;;
	# what a CI cache of this kernel is keyed by: the directory's name
	# holds the kernel's key (stock-kernel.sh adds its initramfs's)
	--print-key) echo "${print_key:-$(basename "$dir")}"; return 0 ;;
	--print-kdir|--print-image|--print-initrd|--print-modules-dir|--print-release|--print-config) ;;
	*) die "unknown option '$1' (see the comment at the top of kernel/build-kernel.sh)" ;;
	esac
	is_built || { echo "$not_built" >&2; exit 3; }
	case "$1" in
	--print-kdir) readlink -f "$dir/kdir" ;;
	--print-image) readlink -f "$dir/bzImage" ;;
	--print-initrd) if [ -e "$dir/initrd" ]; then readlink -f "$dir/initrd"; fi ;;
	--print-modules-dir) readlink -f "$dir/moddir" ;;
	--print-release) cat "$dir/release" ;;
	--print-config) readlink -f "$dir/config" ;;
	esac
}

# Several checkouts (worktrees, CI jobs on one runner) share the cache:
# the first builds, the others wait for it and then find it done.
lock_key() {
	mkdir -p "$(dirname "$dir")"
	exec 9>"$dir.lock"
	if ! flock -n 9; then
		echo "$(basename "$0"): another checkout is making $(basename "$dir"); waiting for it" >&2
		flock 9
	fi
}
