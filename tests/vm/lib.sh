# shellcheck shell=bash
# Helpers for the VM tests (tests/vm/NN-*.sh). Each test script sources
# this, calls vm_require (which turns every planned test into a loud SKIP
# when there is no VM to be had) and reports with ok/not_ok in TAP.

top=${LABYRINTH_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB=${LAB:-$top/build/labyrinth}
tap_n=0
# shellcheck disable=SC2034 # read by the scripts that source this
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
# shellcheck disable=SC2034
not_ok() { tap_n=$((tap_n + 1)); tap_failed=1; echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
diag() { echo "# $*"; }

# check NAME EXPECTED ACTUAL [DETAIL]
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected $2, got $3${4:+; $4})"; fi
}

# vm_require TEST_NAME...: if no VM can be booted here, SKIP each named
# test with the reason and exit 0 (a skip, said loudly, is not a failure).
vm_require() {
	local why=""
	if [ ! -x "$LAB" ]; then
		why="$LAB not built (run make)"
	elif ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
		why="qemu-system-x86_64 not installed (run make deps)"
	elif [ -z "${LABYRINTH_KERNEL:-}" ] && ! "$top/kernel/build-kernel.sh" --print-image >/dev/null 2>&1; then
		why="test kernel not built (run make kernel)"
	fi
	if [ -n "$why" ]; then
		echo "*** VM tests cannot run: $why ***" >&2
		local t
		for t in "$@"; do skip "$t" "no VM: $why"; done
		exit 0
	fi
}

# Python for JSON checks (the Debian one first: python3-jsonschema lives
# there); jget FILE EXPR prints the value of a Python expression on the
# file's data d (jq-less JSON reads).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
jget() { "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>&1; }

# Run the runner with the test defaults; extra options before '--'.
vm() { "$LAB" vm --quiet "$@"; }

# smp_accel: the accelerator for a test whose vCPUs must really run in
# parallel (per-CPU shares of time, races between CPUs): KVM where `auto`
# picks it, else multi-threaded TCG. Single-threaded TCG runs the vCPUs in
# turn on one host thread while guest time runs at wall speed, so every
# timer-driven rate costs a vCPU twice the instructions. Such a test must
# not patch text another vCPU is executing (harness/vm.c, tcg_accel_arg).
smp_accel() {
	if "$LAB" vm --dry-run -- true 2>/dev/null | grep -q '^# accel: kvm'; then
		echo auto
	else
		echo tcg-multi
	fi
}

# QEMUs whose command line names $1 (a result directory).
qemus_of() { pgrep -f "qemu-system.*$1" 2>/dev/null | wc -l; }

# interrupt_in_flight DIR CMD...: run CMD (which boots VMs into DIR) in
# the background, output to DIR.log; once one of its QEMUs runs, wait a
# second and send SIGINT. Sets int_seen (QEMUs then), int_rc (CMD's exit
# status) and int_left (QEMUs half a second after it exited).
# shellcheck disable=SC2034 # int_*: the caller reads them
interrupt_in_flight() {
	local dir=$1 pid
	shift
	"$@" > "$dir.log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		[ "$(qemus_of "$dir")" -ge 1 ] && break
		sleep 0.1
	done
	int_seen=$(qemus_of "$dir")
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	int_rc=$?
	sleep 0.5
	int_left=$(qemus_of "$dir")
}
