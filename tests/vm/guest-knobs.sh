#!/usr/bin/env bash
# Runs INSIDE the VM (from tests/vm/30-scenarios.sh): are the knobs a run
# changes back to their old values after a normal exit, after SIGINT, and
# after SIGKILL + the next start (which must say it restored them)?
# Prints "PASS desc" / "FAIL desc" lines for the host to turn into TAP.
set -u
LAB=$1
work=$(mktemp -d)
knobs=(/proc/sys/vm/min_free_kbytes
	/sys/kernel/debug/fail_page_alloc/probability
	/sys/kernel/debug/fail_page_alloc/times
	/sys/kernel/debug/fail_page_alloc/min-order
	/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait
	/sys/kernel/debug/labyrinth/probability)

cat > "$work/knobs.ini" <<'INI'
; test scenario: changes sysctls and both kinds of fault attribute
[scenario]
duration = 30s
expect = survive
[kernel]
min_free_kbytes = 9000
[fail_page_alloc]
scope = system
probability = 1
times = 5
; order >= 3 only: nothing the guest needs to live fails
min_order = 3
ignore_gfp_wait = yes
[engine e]
context = hrtimer
rate = 100
policy = churn
hold = 10ms
max_pages = 1000
INI

snap() { local k; for k in "${knobs[@]}"; do printf '%s=%s\n' "$k" "$(cat "$k" 2>/dev/null)"; done; }
# the module's knob only exists once it is loaded: load it first so the
# "before" snapshot has it (labyrinth leaves a module it did not load)
insmod "$(dirname "$LAB")/module/labyrinth.ko" 2>/dev/null
before=$(snap)
check() { # desc
	local after; after=$(snap)
	if [ "$after" = "$before" ]; then echo "PASS $1"
	else echo "FAIL $1: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"; fi
}
changed() { [ "$(cat /proc/sys/vm/min_free_kbytes)" = 9000 ] &&
	[ "$(cat /sys/kernel/debug/fail_page_alloc/probability)" = 1 ]; }
wait_changed() { local _; for _ in $(seq 1 100); do changed && return 0; sleep 0.1; done; return 1; }

"$LAB" run -q --out "$work/r" --set scenario.duration=2s "$work/knobs.ini" >/dev/null 2>&1
rc=$?
[ $rc = 0 ] && echo "PASS a short run exits 0" || echo "FAIL a short run exits 0 (rc $rc)"
check "knobs restored after a normal exit"

"$LAB" run -q --out "$work/r" "$work/knobs.ini" >/dev/null 2>"$work/int.err" &
pid=$!
if wait_changed; then echo "PASS the run changed the knobs"; else echo "FAIL the run changed the knobs"; fi
kill -INT $pid
wait $pid
rc=$?
[ $rc = 1 ] && echo "PASS SIGINT: exit 1 (interrupted, report written)" || echo "FAIL SIGINT: exit 1 (got $rc: $(tail -2 "$work/int.err"))"
check "knobs restored after SIGINT"
n=$(ls "$work"/r/*/report.json 2>/dev/null | wc -l)
[ "$n" = 2 ] && echo "PASS both runs left a report.json" || echo "FAIL both runs left a report.json ($n)"

"$LAB" run -q --out "$work/r" "$work/knobs.ini" >/dev/null 2>&1 &
pid=$!
wait_changed
kill -KILL $pid
wait $pid 2>/dev/null
if changed; then echo "PASS after SIGKILL the knobs are still changed (state file needed)"
else echo "FAIL after SIGKILL the knobs are still changed"; fi
[ -f /run/labyrinth/knobs.json ] && echo "PASS the state file survived SIGKILL" || echo "FAIL the state file survived SIGKILL"
# engines of the killed run stop when its fd closes; the next start restores
"$LAB" run -q --out "$work/r" --set scenario.duration=1s "$work/knobs.ini" >/dev/null 2>"$work/next.err"
if grep -q "restored .* kernel knob.* earlier run" "$work/next.err"; then
	echo "PASS the next start says it restored the knobs"
else
	echo "FAIL the next start says it restored the knobs: $(cat "$work/next.err")"
fi
check "knobs restored after SIGKILL + next start"
[ ! -f /run/labyrinth/knobs.json ] && echo "PASS no state file left" || echo "FAIL no state file left"
# labyrinth inject: one command under injection, knobs back afterwards
before=$(snap)
"$LAB" inject --times 1 -- sh -c 'exit 0' >/dev/null 2>&1
rc=$?
[ $rc != 0 ] && echo "PASS inject: the command's first page allocation failed (rc $rc)" ||
	echo "FAIL inject: the command's first page allocation failed (rc 0)"
check "knobs restored after labyrinth inject"
"$LAB" inject --system --min-order 9 --times 1 -- true >/dev/null 2>&1
check "knobs restored after labyrinth inject --system"
rm -rf "$work"
