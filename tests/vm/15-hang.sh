#!/usr/bin/env bash
# Description: a hang always leaves evidence. When --timeout fires, the
# runner asks the guest where it is stuck (sysrq l and w over the serial
# console; an NMI from the QEMU monitor when no CPU answers) before it
# kills QEMU. Each deliberate hang (LKDTM, pinned to a CPU) must end in
# the timeout verdict (202, never the panic the NMI provokes), with CPU
# backtraces or blocked tasks in console.log and the function the guest
# was stuck in named by the verdict's evidence.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

vm_require "hang: hard lockup on CPU 1, sysrq l" \
	"hang: hard lockup on the only CPU, NMI" \
	"hang: soft lockup on CPU 1" "hang: hung task, sysrq w"

lkdtm=/sys/kernel/debug/provoke-crash/DIRECT
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

# hang NAME DIR EXPECT_PROBE EVIDENCE_RE CONSOLE_RE... -- VM_ARGS...
# One hang: timeout verdict, the probe that answered, what the evidence
# and console.log must say. On failure the verdict and the console's
# tail go to the TAP diagnostics.
hang() {
	local name=$1 out=$2 probe=$3 ev_re=$4 rc ev why=""
	shift 4
	local res=()
	while [ "$1" != -- ]; do res+=("$1"); shift; done
	shift
	vm --out "$out" "$@" 2>/dev/null
	rc=$?
	ev=$(jq -r .evidence "$out/verdict.json" 2>/dev/null)
	[ "$rc" = 202 ] || why="exit $rc, not 202"
	[ -z "$why" ] && [ "$(jq -r .hang.probe "$out/verdict.json")" != "$probe" ] &&
		why="probe '$(jq -r .hang.probe "$out/verdict.json")', not '$probe'"
	[ -z "$why" ] && ! [[ "$ev" =~ $ev_re ]] && why="evidence '$ev' does not match /$ev_re/"
	for re in "${res[@]}"; do
		[ -z "$why" ] && ! grep -Eq "$re" "$out/console.log" && why="console.log has no /$re/"
	done
	if [ -z "$why" ]; then
		ok "hang: $name"
		diag "  evidence: $ev"
	else
		not_ok "hang: $name: $why"
		jq -c '{verdict, evidence, hang}' "$out/verdict.json" 2>&1 | sed 's/^/#   /'
		tail -40 "$out/console.log" 2>&1 | sed 's/^/#   /'
	fi
}

# Interrupts off on CPU 1; CPU 0 takes the serial interrupt, runs sysrq l
# and its NMI reaches CPU 1 anyway.
hang "hard lockup on CPU 1, sysrq l" "$d/hard" "sysrq l, w" \
	'^no result within 15 s .*: CPU 1 in lkdtm_HARDLOCKUP\+0x[0-9a-f]+/0x[0-9a-f]+ \(sh, pid [0-9]+\)' \
	'NMI backtrace for cpu 1' 'RIP: 0010:lkdtm_HARDLOCKUP' -- \
	--timeout 15s -- taskset -c 1 sh -c "echo HARDLOCKUP > $lkdtm"

# The only CPU spins with interrupts off: nothing takes the serial
# interrupt, the NMI's panic shows where it was. Still a timeout.
hang "hard lockup on the only CPU, NMI" "$d/nmi" "sysrq l unanswered, then NMI" \
	'CPU 0 in lkdtm_HARDLOCKUP\+0x[0-9a-f]+/0x[0-9a-f]+ \(sh, pid [0-9]+\)' \
	'Kernel panic - not syncing: NMI: Not continuing' \
	'RIP: 0010:lkdtm_HARDLOCKUP' -- \
	--cpus 1 --timeout 15s -- sh -c "echo HARDLOCKUP > $lkdtm"

# Preemption off on CPU 1 with interrupts on: the kernel's own soft
# lockup report (watchdog_thresh=5: after 10 s) is the evidence, and
# sysrq l shows the CPU still there at the timeout.
hang "soft lockup on CPU 1" "$d/soft" "sysrq l, w" \
	'soft lockup - CPU#1 stuck for [0-9]+s! \[sh:[0-9]+\] \(in lkdtm_SOFTLOCKUP\+0x[0-9a-f]+/0x[0-9a-f]+, task\); at the timeout: CPU 1 in lkdtm_SOFTLOCKUP' \
	'BUG: soft lockup - CPU#1' 'NMI backtrace for cpu 1' -- \
	--append watchdog_thresh=5 --timeout 25s -- \
	taskset -c 1 sh -c "echo SOFTLOCKUP > $lkdtm"

# A task in D state forever: the hung task detector reports it
# (timeout lowered to 5 s) and sysrq w lists it with its stack (LKDTM
# tail-calls schedule(), so the stack shows its caller, direct_entry).
hang "hung task, sysrq w" "$d/hung" "sysrq l, w" \
	'^INFO: task sh:[0-9]+ blocked for more than 5 seconds\. \(in (lkdtm_HUNG_TASK|direct_entry)[.a-z]*\+0x[0-9a-f]+/0x[0-9a-f]+, task\); at the timeout: .*blocked: sh \(pid [0-9]+\) in (lkdtm_HUNG_TASK|direct_entry)' \
	'sysrq: Show Blocked State' 'task:sh +state:D' -- \
	--append sysctl.kernel.hung_task_timeout_secs=5 --timeout 20s -- \
	sh -c "echo HUNG_TASK > $lkdtm"

echo "1..$tap_n"
[ "$tap_failed" = 0 ]
