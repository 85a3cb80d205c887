#!/usr/bin/env bash
# Description: labyrinth.ko in the VM. Three boots of the test kernel:
#   1. insmod, run the Check suite build/vmtests/test_module (ABI rules,
#      drains from every context, churn, caps, ownership and the module's
#      selftests, shredding, injection, time series, the heaviest engine
#      against a userspace loop, close during spam), then a short run of
#      the ABI fuzzer build/vmtests/test_module_fuzz (seed printed), rmmod;
#   2. build/vmtests/test_module_unload: rmmod while detached engines
#      spam on every CPU in every context, MemFree back afterwards;
#   3. build/vmtests/test_module_soak: 300 engine start/stop cycles under
#      system-scope fail_page_alloc, injected counts exact.
# VARIANT=debug runs all three on the debug kernel (make module
# VARIANT=debug first). LAB_FUZZ_ITERATIONS (default 20000) sizes the
# fuzz run; a long one is a soak of its own (see test_module_fuzz.c).
# Each Check result is relayed as one TAP line; the "# drain ..." lines
# are the measured thresholds. A boot that panics, splats, hangs or dies
# without reporting is a failure of its own.
# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bindir=$(dirname "$LAB")
ko=$bindir/module/labyrinth.ko
suites=(test_module test_module_unload test_module_fuzz test_module_soak)

vm_require "module: test_module suite" "module: rmmod during spam suite" \
	"module: start/stop soak under fail_page_alloc"

cd "$top" || exit 2
accel=$(smp_accel)

# run_suite NAME VM_COMMAND...: boot, relay the suite's TAP, judge the VM.
run_suite() {
	local name=$1 out rc line desc got=0 failed=0
	shift
	out=$(mktemp)
	# The kernel the module was built against (make exports VARIANT).
	# The suites measure per-CPU shares and race CPUs against each other:
	# parallel vCPUs. Their one kprobe (the inject-hook case) is armed on
	# a function nothing calls until bpftrace has attached.
	vm --variant "${VARIANT:-default}" --accel "$accel" --timeout 1500 \
		-- "$@" > "$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			got=$((got + 1))
			desc=${line#*ok }
			desc=${desc#[0-9]* - }
			desc=${desc#tests/vm/}
			if [ "${line#not ok}" != "$line" ]; then
				not_ok "$name: $desc"
				failed=1
			else
				ok "$name: ${desc%: Passed}"
			fi ;;
		"# "*) echo "$line" ;;
		esac
	done < "$out"
	if [ "$got" = 0 ] || { [ "$rc" != 0 ] && [ "$failed" = 0 ]; }; then
		not_ok "$name: VM run ended with status $rc without a failing test (panic/splat/timeout?)"
		sed -n '1,200p' "$out" | sed 's/^/#   /'
	elif [ "$rc" -ge 200 ]; then
		not_ok "$name: VM verdict $rc (splat/panic/timeout) after the tests"
		grep -m5 -i 'splat\|panic\|timeout\|labyrinth vm' "$out" | sed 's/^/#   /'
	fi
	rm -f "$out"
}

missing=""
[ -f "$ko" ] || missing="$ko (make module)"
for s in "${suites[@]}"; do
	[ -x "$bindir/vmtests/$s" ] || missing="$missing $bindir/vmtests/$s (make tests-bin)"
done
if [ -n "$missing" ]; then
	not_ok "module: not built: $missing"
	echo "1..$tap_n"
	exit 1
fi

# Boot 1: the main suite and the fuzzer with the module loaded; rmmod
# must work after. (The single-quoted scripts expand in the guest's bash.)
# shellcheck disable=SC2016
run_suite module bash -c '
	insmod "$1" || { echo "not ok 1 - insmod $1 failed"; exit 1; }
	"$2"; rc=$?
	"$3" --iterations "$4" || rc=1
	if rmmod labyrinth; then
		echo "ok 999 - rmmod after the suite"
	else
		echo "not ok 999 - rmmod after the suite"; rc=1
	fi
	exit $rc' insmod-run "$ko" "$bindir/vmtests/test_module" \
	"$bindir/vmtests/test_module_fuzz" "${LAB_FUZZ_ITERATIONS:-20000}"

# Boot 2: the tests load and unload the module themselves.
run_suite unload env LABYRINTH_MODULE="$ko" "$bindir/vmtests/test_module_unload"

# Boot 3: the start/stop soak under fail_page_alloc, on a fresh kernel
# (nothing else has touched fail_page_alloc's countdown).
# shellcheck disable=SC2016
run_suite soak bash -c '
	insmod "$1" || { echo "not ok 1 - insmod $1 failed"; exit 1; }
	"$2"; rc=$?
	rmmod labyrinth || rc=1
	exit $rc' insmod-run "$ko" "$bindir/vmtests/test_module_soak"

echo "1..$tap_n"
exit $tap_failed
