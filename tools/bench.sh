#!/usr/bin/env bash
# make bench: the labyrinth allocator's overhead over the raw page
# allocator, measured inside the test kernel's VM.
#
#   tools/bench.sh [labyrinth bench options, e.g. --runs 9 --iterations 500000]
#
# Boots the test kernel through `labyrinth vm` with reports/ shared
# read-write, loads build/module/labyrinth.ko, runs `labyrinth bench` (the
# module's LAB_IOC_BENCH: N raw alloc_page/__free_page pairs and N
# labyrinth alloc/free pairs with shred none/fast/crypto, interleaved,
# same context, same run), prints the ratios and writes reports/bench.json
# (alloc_free_ratio_shred_{none,fast,crypto}, raw ns, kernel version),
# with get_random_bytes(4096) alone timed in the same chunks as the crypto
# shred's baseline (random_bytes_4096_ratio).
# The goal is shred-none <= 1.10x; the result is reported as measured.
# Then the spam rate an hrtimer engine on every CPU achieves against the
# one asked, at 1k, 10k, 100k and 1M allocations/s per CPU ("spam_rate";
# 1M is past what a CPU does: the maximum, as a share of the raw loop).
# Then the run's sampler at 100 Hz, streaming its CSV files to the shared
# reports/ as a `vm run` does, against the same time idle and against the
# /proc sampler labyrinth had before: its cost in % of one CPU (goal <=
# 1%), in bench.json's "sampler".
# Boot to command: three `labyrinth vm -- true` timed on the host first
# ("boot_to_command").
# Under TCG (no working KVM here) the ratios carry the emulator's
# costs, not the hardware's: bench.json says which CPU it ran on.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=${LAB:-$top/build/labyrinth}
cd "$top" || exit 2

fail() { echo "bench: $*" >&2; exit 3; }
[ -x "$LAB" ] || fail "$LAB not built (run make)"
[ -f build/module/labyrinth.ko ] || fail "build/module/labyrinth.ko not built (run make module)"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not installed (run make deps)"
mkdir -p reports

# Boot to command and back, three times, on the host's wall clock: the
# cost of one fresh VM, which a soak pays per run. The bench records them.
boots=()
for _ in 1 2 3; do
	t0=$(date +%s.%N)
	"$LAB" vm --quiet --variant "${VARIANT:-default}" -- true ||
		fail "labyrinth vm -- true failed: see its message above"
	boots+=(--boot-to-command "$(awk -v a="$t0" -v b="$(date +%s.%N)" \
		'BEGIN { printf "%.3f", b - a }')")
done

# VARIANT (exported by make) picks the kernel the module was built for.
"$LAB" vm --variant "${VARIANT:-default}" --timeout 900 --share "$top/reports" -- \
	env LABYRINTH_MODULE="$top/build/module/labyrinth.ko" \
	"$LAB" bench --load --json "$top/reports/bench.json" \
	--live-dir "$top/reports/.bench-sampler" "${boots[@]}" "$@"
rc=$?
rm -rf reports/.bench-sampler
if [ "$rc" = 0 ] && [ -f reports/bench.json ]; then
	echo "bench: wrote reports/bench.json"
fi
exit $rc
