#!/usr/bin/env bash
# Description: what labyrinth is for, end to end, as a driver author runs
# it. The test driver tests/drivers/lab_refill refills an RX-like ring from
# a hard-IRQ hrtimer with GFP_ATOMIC pages and uses them without a NULL
# check. Loaded with `labyrinth vm run --module`, scenarios/hold-exhausted.ini
# (drain from hard IRQ, hold the reserve exhausted 20 s, release) must end
# in the crash verdict: report.json's crash names lab_refill_ring and the
# module lab_refill, in hard IRQ, in the hold phase, within 60 s of VM
# time. The same driver with nullcheck=1 must survive the same scenario
# (its [target] check reads its debugfs alloc_failures > 0: the exhaustion
# reached it), unload, and do so every time: LAB_DRIVER_RUNS runs
# (default 5). A module built for another kernel is refused with exit 6
# and says which kernel it was built for. With expect = crash (a
# reproducer's) the unchecked driver's oops meets the expectation.
# LAB_KEEP=1 keeps the result directories.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

# No VM needed: a --module that is not a readable .ko is a usage error
# before any boot.
"$LAB" vm run --module /nonexistent/mydrv.ko scenarios/hold-exhausted.ini \
	2>/dev/null
check_eq "vm run --module: a missing .ko is a usage error before any boot" 2 $?
"$LAB" vm run --module 'mydrv.o debug=1' scenarios/hold-exhausted.ini \
	2>/dev/null
check_eq "vm run --module: not PATH.ko is a usage error before any boot" 2 $?

runs=${LAB_DRIVER_RUNS:-5}
names=("driver crash: unchecked refill oopses in hold, attributed")
for i in $(seq 1 "$runs"); do
	names+=("driver crash: checked refill survives a 20 s hold ($i/$runs)")
done
names+=("driver crash: a module built for another kernel is refused (exit 6)"
	"driver crash: expect = crash, the reproducer's, is met by the oops (exit 0)")
vm_require "${names[@]}"

bindir=$(dirname "$LAB")
ko=$bindir/test-drivers/lab_refill/lab_refill.ko
d=$(mktemp -d)
# LAB_KEEP=1 keeps the runs' result directories for a look
trap '[ -n "${LAB_KEEP:-}" ] && echo "# kept $d" || rm -rf "$d"' EXIT
if ! make -s test-drivers >/dev/null 2>&1 || [ ! -f "$ko" ] ||
   [ ! -f "$bindir/module/labyrinth.ko" ]; then
	not_ok "driver crash: lab_refill.ko or labyrinth.ko not built (make module test-drivers)"
	echo "1..$tap_n"
	exit 1
fi
variant=(--variant "${VARIANT:-default}")

# vm_run NAME ARGS...: labyrinth vm run into $d/NAME; sets rc and rep.
vm_run() {
	local name=$1
	shift
	mkdir -p "$d/$name"
	"$LAB" vm run -q "${variant[@]}" -o "$d/$name" "$@" \
		> "$d/$name.log" 2>&1
	rc=$?
	rep=$(find "$d/$name" -mindepth 2 -maxdepth 2 -name report.json | head -1)
}

vm_run crash --module "$ko" scenarios/hold-exhausted.ini
c() { jq -r "$1" "$rep" 2>/dev/null; }
t=$(c '.crash.kernel_time_s // 999')
if [ "$rc" = 1 ] && [ -n "$rep" ] &&
   [ "$(c .outcome.verdict)" = panic ] &&
   [ "$(c .crash.function)" = lab_refill_ring ] &&
   [ "$(c .crash.module)" = lab_refill ] &&
   [ "$(c .crash.context)" = hard-irq ] &&
   [ "$(c .crash.phase.kind)" = hold ] &&
   [ "$(c '.target.modules[0].name')" = lab_refill ] &&
   [[ "$(c .crash.headline)" =~ ^CRASH\ in\ lab_refill_ring\+0x[0-9a-f]+\ \[lab_refill\]\ \(NULL\ pointer\ dereference,\ hard\ IRQ\)\ [0-9.]+\ s\ into\ hold$ ]] &&
   awk -v t="$t" 'BEGIN { exit !(t < 60) }'; then
	ok "${names[0]}"
	diag "  $(c .crash.headline); at ${t}s kernel time, $(c .crash.since_first_atomic_failure_s) s after the first atomic failure (TCG)"
else
	not_ok "${names[0]} (exit $rc, crash at ${t}s)"
	jq -c '{verdict: .outcome.verdict, crash: (.crash | {headline, f: .function, m: .module, context, phase})}' "$rep" 2>&1 | sed 's/^/#   /'
	tail -20 "$d/crash.log" | sed 's/^/#   /'
fi

# the checked driver: survives, and the hold reached it
# shellcheck disable=SC2016 # $1, $2: awk's, in the guest
check='awk '\''$1 == "alloc_failures" { print; exit !($2 > 0) }'\'' /sys/kernel/debug/lab_refill/stats'
for i in $(seq 1 "$runs"); do
	vm_run "checked$i" --module "$ko nullcheck=1" \
		--set "target.check=$check" scenarios/hold-exhausted.ini
	fails=$(grep -h alloc_failures "$d/checked$i"/*/target-check.log 2>/dev/null | awk '{ print $2 }')
	hold=$(c '[.windows[] | select(.kind == "hold")][0] | .t1_s - .t0_s')
	if [ "$rc" = 0 ] && [ "$(c .outcome.verdict)" != panic ] &&
	   [ "$(c .target.check.ok)" = true ] &&
	   [ "$(c '.target.modules[0].unloaded')" = true ] &&
	   [ "${fails:-0}" -gt 0 ]; then
		ok "${names[$i]}"
		diag "  hold $(printf %.1f "$hold") s; lab_refill counted $fails allocation failures; reclaim took back $(c '.engines[0].reclaim_pages') pages in $(c '.engines[0].reclaim_calls') calls; recovery $(printf %.3f "$(c '[.windows[] | select(.kind == "release")][0].recovery_s')") s; $(c '[.windows[] | select(.kind == "hold")][0].alloc_failure_messages') allocation failure messages during the hold (TCG)"
	else
		not_ok "${names[$i]} (exit $rc, verdict $(c .outcome.verdict), alloc_failures '${fails:-}')"
		c '{reason: .outcome.reason, target: .target}' | sed 's/^/#   /'
		tail -20 "$d/checked$i.log" | sed 's/^/#   /'
	fi
done

# a module built for another kernel: the 6.12 build of lab_refill, if
# there is one, else labyrinth.ko's 6.12 build
other=$bindir/module-6.12/labyrinth.ko
if [ ! -f "$other" ]; then
	skip "${names[$((runs + 1))]}" "no 6.12 module built (make module KVER=6.12)"
elif vm_run wrongkernel --module "$other" scenarios/hold-exhausted.ini &&
     [ "$rc" = 6 ] && grep -q "built for kernel 6.12" "$d/wrongkernel.log"; then
	ok "${names[$((runs + 1))]}"
	diag "  $(grep -m1 'built for kernel' "$d/wrongkernel.log")"
else
	not_ok "${names[$((runs + 1))]} (exit $rc)"
	tail -10 "$d/wrongkernel.log" | sed 's/^/#   /'
fi

# the same crash as a reproducer expects it: met, exit 0
vm_run repro --module "$ko" --set scenario.expect=crash \
	--set scenario.vm_only=yes scenarios/hold-exhausted.ini
if [ "$rc" = 0 ] && [ "$(c .outcome.expect_met)" = true ] &&
   [ "$(c .crash.function)" = lab_refill_ring ]; then
	ok "${names[$((runs + 2))]}"
else
	not_ok "${names[$((runs + 2))]} (exit $rc, verdict $(c .outcome.verdict))"
	tail -10 "$d/repro.log" | sed 's/^/#   /'
fi

echo "1..$tap_n"
