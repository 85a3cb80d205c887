#!/usr/bin/env bash
# The soak of a CI pipeline, one step per subcommand, so that GitHub
# Actions (.github/workflows/soak.yml) and GitLab CI (.gitlab-ci.yml) run
# the same commands, and tests/vm/70-soak.sh runs them too:
#
#   tools/ci-soak.sh deps [KVER]         the Debian packages (as root; with
#                                        KVER, that kernel's source too)
#   tools/ci-soak.sh key KVER            the kernel's cache key (for the CI
#                                        cache of ~/.cache/labyrinth)
#   tools/ci-soak.sh build KVER          that kernel (cached: no-op), its
#                                        module, the harness
#   tools/ci-soak.sh harness             the harness alone (the merge job)
#   tools/ci-soak.sh shard KVER K/N OUT  this job's share of the soak:
#                                        share K of N of kernel KVER's
#                                        runs (vm soak --shard KVER:K/N),
#                                        into OUT
#                                        (soak.json, soak.html, junit.xml,
#                                        kcidb.json, runs/)
#   tools/ci-soak.sh merge OUT DIR...    every job's OUT into one soak OUT
#                                        (and its kcidb.json)
#
# Every job of one pipeline must see the same plan (soak merge refuses
# shards of different plans):
#   SOAK_KERNELS     the matrix (default "6.1 6.12 stock")
#   SOAK_SCENARIOS   default "scenarios/default.ini scenarios/panic-on-oom.ini"
#   SOAK_ITERATIONS  runs of each scenario on each kernel (default 10)
#   SOAK_ID          the soak's name, unique per pipeline (KCIDB ids use
#                    it; default "local")
#   SOAK_JOBS        VMs at once (default: labyrinth's, from CPUs and RAM)
#
# Exit status: the labyrinth command's (vm soak, soak merge: 0 all as
# expected, 1 an unexpected verdict, ...; see doc/labyrinth.1).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
lab=${LAB:-$top/build/labyrinth}
kernels=${SOAK_KERNELS:-6.1 6.12 stock}
read -r -a scenarios <<< "${SOAK_SCENARIOS:-scenarios/default.ini scenarios/panic-on-oom.ini}"
iterations=${SOAK_ITERATIONS:-10}
id=${SOAK_ID:-local}

die() { echo "ci-soak: $*" >&2; exit 2; }
usage() { sed -n '2,32p' "$0"; exit "${1:-2}"; }

# KCIDB JSON of a soak directory, whatever its runs came to (exit 2 of
# the soak: bad arguments, nothing written)
kcidb() {
	[ "$2" = 2 ] && return 0
	"$lab" report -q --format kcidb "$1" >/dev/null ||
		echo "ci-soak: no kcidb.json in $1" >&2
}

in_matrix() {
	case " $kernels " in *" $1 "*) return 0 ;; esac
	die "kernel '$1' is not in SOAK_KERNELS ($kernels)"
}

case "${1:-}" in
deps)
	[ $# -le 2 ] || usage
	[ $# = 1 ] || in_matrix "$2"
	KVERS=${2:-6.1} tools/install-deps.sh ;;
harness)
	[ $# = 1 ] || usage
	make harness ;;
key)
	[ $# = 2 ] || usage
	in_matrix "$2"
	KVER=$2 kernel/build-kernel.sh --print-key ;;
build)
	[ $# = 2 ] || usage
	in_matrix "$2"
	make kernel KVER="$2"
	make module KVER="$2"
	make harness ;;
shard)
	[ $# = 4 ] || usage
	in_matrix "$2"
	jobs=()
	[ -n "${SOAK_JOBS:-}" ] && jobs=(-j "$SOAK_JOBS")
	rc=0
	"$lab" vm soak --matrix "${kernels// /,}" --shard "$2:$3" --id "$id" \
		-n "$iterations" "${jobs[@]}" -o "$4" "${scenarios[@]}" || rc=$?
	kcidb "$4" "$rc"
	exit "$rc" ;;
merge)
	[ $# -ge 3 ] || usage
	out=$2
	shift 2
	rc=0
	"$lab" soak merge -o "$out" "$@" || rc=$?
	kcidb "$out" "$rc"
	exit "$rc" ;;
-h|--help) usage 0 ;;
*) usage ;;
esac
