#!/usr/bin/env bash
# Description: the QEMU runner end to end: exit statuses pass through, a
# panic, a splat and a hang each get their own verdict, shares and cwd
# work, and what labyrinth needs inside the guest is there (fault
# injection debugfs, bpftrace with override(), stress-ng).
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

# What needs a booted guest (listed so a missing VM skips each by name).
vm_tests=(true false exit-7 panic panic-verdict-json timeout share cwd
	fail_page_alloc bpftrace bpftrace-override stress-ng warning-splat
	oom-not-splat tty-log tty-terminal kprobe-hot)

# These need no VM at all.
out=$("$LAB" vm --dry-run -- true 2>&1)
if echo "$out" | grep -q -- '-no-reboot' && echo "$out" | grep -q 'panic=-1' &&
   echo "$out" | grep -q 'multidevs=remap'; then
	ok "dry-run prints the QEMU command line (panic=-1, -no-reboot, 9p remap)"
else
	not_ok "dry-run prints the QEMU command line: $out"
fi
# TCG is single-threaded unless asked: multi-threaded TCG runs stale code
# after the guest patches its text (harness/vm.c, tcg_accel_arg)
if "$LAB" vm --dry-run --accel tcg -- true 2>&1 | grep -q 'tcg,thread=single' &&
   "$LAB" vm --dry-run --accel tcg-multi -- true 2>&1 | grep -q 'tcg,thread=multi'; then
	ok "--accel tcg is single-threaded TCG, tcg-multi multi-threaded"
else
	not_ok "--accel tcg / tcg-multi: $("$LAB" vm --dry-run --accel tcg -- true 2>&1 | grep -o 'tcg[^ ]*')"
fi
"$LAB" vm -q --kernel /nonexistent/bzImage -- true 2>/dev/null
check_eq "a missing kernel is an infrastructure error (203)" 203 $?
"$LAB" vm --mem lots -- true 2>/dev/null
check_eq "a bad option is a usage error (205)" 205 $?

vm_require "${vm_tests[@]}"

t0=$(date +%s.%N)
vm -- true
rc=$?
t1=$(date +%s.%N)
check_eq "'-- true' exits 0" 0 $rc
diag "boot to command and back: $(echo "$t1 - $t0" | bc) s wall"

vm -- false 2>/dev/null
check_eq "'-- false' exits 1" 1 $?

vm -- sh -c 'exit 7' 2>/dev/null
check_eq "'-- sh -c \"exit 7\"' exits 7" 7 $?

d=$(mktemp -d)
vm --out "$d" -- sh -c 'echo c > /proc/sysrq-trigger' 2>/dev/null
check_eq "sysrq crash gives the panic verdict (201)" 201 $?
if grep -q '"verdict": "panic"' "$d/verdict.json" 2>/dev/null &&
   grep -q 'sysrq triggered crash' "$d/verdict.json"; then
	ok "verdict.json names the panic and its evidence"
else
	not_ok "verdict.json names the panic: $(cat "$d/verdict.json" 2>&1)"
fi
rm -rf "$d"

vm --timeout 6s -- sleep 600 2>/dev/null
check_eq "a command past --timeout gives the timeout verdict (202)" 202 $?

d=$(mktemp -d)
vm --share "$d" -- sh -c "echo from-guest > '$d/out'"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$d/out" 2>/dev/null)" = from-guest ]; then
	ok "a guest write into a shared directory reaches the host"
else
	not_ok "shared directory (rc $rc, content '$(cat "$d/out" 2>&1)')"
fi
rm -rf "$d"

got=$(vm -- pwd)
check_eq "the command runs in the host's working directory" "$top" "$got"

vm -- test -w /sys/kernel/debug/fail_page_alloc/probability
check_eq "/sys/kernel/debug/fail_page_alloc exists in the guest" 0 $?

got=$(vm --timeout 120s -- bpftrace -e 'BEGIN { printf("bt-ok\n"); exit(); }' 2>&1)
rc=$?
if [ $rc = 0 ] && echo "$got" | grep -q bt-ok; then
	ok "bpftrace runs in the guest"
else
	not_ok "bpftrace runs in the guest (rc $rc): $got"
fi

# override() needs CONFIG_BPF_KPROBE_OVERRIDE and an ALLOW_ERROR_INJECTION
# target. Scope it the way labyrinth scopes injection: only slab
# allocations made inside do_mkdirat fail (a comm filter alone would also
# fail the exec of mkdir itself).
got=$(vm --timeout 120s -- sh -c '
	bpftrace --unsafe -e "kprobe:do_mkdirat { @in[tid] = 1; } kretprobe:do_mkdirat { delete(@in[tid]); } kprobe:should_failslab /@in[tid]/ { override(-12); }" >/tmp/bt.log 2>&1 &
	bt=$!
	for i in $(seq 100); do grep -q Attaching /tmp/bt.log && break; sleep 0.2; done
	sleep 1
	if mkdir /tmp/victim 2>/tmp/mkdir.err; then echo "mkdir-succeeded"; else cat /tmp/mkdir.err; fi
	kill -TERM $bt; wait $bt
	mkdir /tmp/after && echo "after-ok"' 2>&1)
if echo "$got" | grep -q "Cannot allocate memory" && echo "$got" | grep -q after-ok; then
	ok "bpftrace override() on should_failslab fails exactly the scoped allocations"
else
	not_ok "bpftrace override(): $got"
fi

got=$(vm -- stress-ng --version 2>&1)
case "$got" in
"stress-ng, version"*) ok "stress-ng runs in the guest" ;;
*) not_ok "stress-ng runs in the guest: $got" ;;
esac

# The guest's stdout and stderr are terminals only where the host's are:
# a program that draws progress on a terminal draws none into a log.
draw='for f in 1 2; do [ -t $f ] && printf "tty$f\r" >&$f; done; echo done'
d=$(mktemp -d)
vm -- sh -c "$draw" > "$d/out" 2> "$d/err"
rc=$?
if [ $rc = 0 ] && grep -q done "$d/out" && ! grep -q $'\r' "$d/out" "$d/err"; then
	ok "no carriage return reaches a log (guest sees no terminal)"
else
	not_ok "carriage returns in the log (rc $rc): $(cat -A "$d/out" "$d/err" | head -5)"
fi
if command -v script >/dev/null; then
	# the other way round: on a terminal, both are terminals
	script -qec "$LAB vm --quiet -- sh -c '$draw'" /dev/null > "$d/pty" 2>&1
	if grep -q 'tty1' "$d/pty" && grep -q 'tty2' "$d/pty"; then
		ok "on a host terminal the guest's stdout and stderr are terminals"
	else
		not_ok "guest on a host terminal: $(cat -A "$d/pty" | head -5)"
	fi
else
	skip "tty-terminal" "no script(1) to give the runner a terminal"
fi
rm -rf "$d"

vm -- sh -c 'echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT' 2>/dev/null
check_eq "a WARNING while the command ran fails the run (200) though it exited 0" 200 $?

vm --mem 256 --timeout 120s -- stress-ng --temp-path /tmp --bigheap 1 --oomable -t 10 >/dev/null 2>&1
check_eq "an OOM kill is an observation, not a splat (exit 0)" 0 $?

# Text patched under a running caller: 300 kprobe arm/disarm cycles on
# should_fail_alloc_page while a pipe writer allocates. Multi-threaded TCG
# crashed the guest in 1 of 2 such boots (README, "labyrinth vm").
out=$(vm --timeout 300s -- "$top/tests/vm/kprobe-hammer.sh" should_fail_alloc_page 300 2>&1)
check_eq "a kprobe armed and disarmed 300 times on a hot function: no crash ($out)" 0 $?

[ "$tap_failed" = 0 ]
