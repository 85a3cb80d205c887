#!/usr/bin/env bash
# Run every labyrinth test and merge their TAP into one stream.
#
#   tests/run-tests.sh [--unit-only | --vm-only] [FILTER]
#
# Sources, in order:
#   build/tests/test_*          Check unit tests (plain build)
#   build/asan/tests/test_*     the same under ASan/UBSan
#   tests/vm/NN-*.sh            VM tests: each boots the test kernel through
#                               `labyrinth vm` and prints TAP
# FILTER (a substring) runs only the sources whose name contains it.
#
# A source that dies without saying "not ok" still counts as a failure.
# A test that needs the VM and cannot get one is a SKIP, said loudly, never
# a pass. The last line is "N passed, N failed, N skipped" for CI; the whole
# stream is also kept in build/test-results.tap.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 2
mode=all filter=""
for a in "$@"; do
	case "$a" in
	--unit-only) mode=unit ;;
	--vm-only) mode=vm ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) filter=$a ;;
	esac
done

mkdir -p build
out=build/test-results.tap
: > "$out"
pass=0 fail=0 skip=0 n=0
failed_names=()

emit() { echo "$1" | tee -a "$out"; }

# Read one source's TAP on stdin, renumber it, count it.
collect() {
	local src=$1 line saw_fail=0 rest desc
	while IFS= read -r line; do
		case "$line" in
		"not ok"*)
			n=$((n + 1)); fail=$((fail + 1)); saw_fail=1
			rest=${line#not ok}; rest=${rest# }; desc=${rest#[0-9]*[ ]}
			[ "$desc" = "$rest" ] && [[ "$rest" =~ ^[0-9]+$ ]] && desc=""
			failed_names+=("$src: $desc")
			emit "not ok $n - $src: ${desc#- }" ;;
		"ok"*)
			n=$((n + 1))
			rest=${line#ok}; rest=${rest# }; desc=${rest#[0-9]*[ ]}
			if [[ "$line" =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
				skip=$((skip + 1))
				emit "ok $n - $src: ${desc#- }"
				echo "*** SKIPPED: $src: ${desc#- }" >&2
			else
				pass=$((pass + 1))
				emit "ok $n - $src: ${desc#- }"
			fi ;;
		1..*) ;;
		"") ;;
		*) emit "# $line" ;;
		esac
	done
	return $saw_fail
}

run_source() {
	local name=$1; shift
	local tmp rc
	case "$name" in *"$filter"*) ;; *) return ;; esac
	emit "# --- $name"
	tmp=$(mktemp)
	"$@" > "$tmp" 2>&1
	rc=$?
	collect "$name" < "$tmp"
	local saw_fail=$?
	rm -f "$tmp"
	if [ "$rc" != 0 ] && [ "$saw_fail" = 0 ]; then
		n=$((n + 1)); fail=$((fail + 1))
		failed_names+=("$name: exited $rc without reporting a failing test")
		emit "not ok $n - $name: exited with status $rc without a 'not ok' (crash?)"
	fi
}

if [ "$mode" != vm ]; then
	for flavour in build build/asan; do
		for t in "$flavour"/tests/test_*; do
			[ -x "$t" ] || continue
			case "$t" in *.d|*.o) continue ;; esac
			label=${t#build/}
			ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
			UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
			LABYRINTH_TOP=$top run_source "$label" "$t"
		done
	done
fi

if [ "$mode" != unit ]; then
	for t in tests/vm/[0-9]*.sh; do
		[ -f "$t" ] || continue
		LABYRINTH_TOP=$top run_source "${t#tests/}" bash "$t"
	done
fi

emit "1..$n"
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "# Failed:" | tee -a "$out"
	for f in "${failed_names[@]}"; do echo "#   $f" | tee -a "$out"; done
fi
if [ "$skip" -gt 0 ]; then
	echo "# *** $skip test(s) SKIPPED: see the '*** SKIPPED' lines above; a skip is not a pass ***" | tee -a "$out"
fi
echo "$pass passed, $fail failed, $skip skipped" | tee -a "$out"
[ "$fail" = 0 ]
