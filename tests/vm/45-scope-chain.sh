#!/usr/bin/env bash
# Description: scoped injection by call chain, from the kernel's own
# unwound stack, in hard IRQ and in task context, in one VM boot:
#  - labyrinth's hrtimer engine (hard IRQ): a chain that is on its stack
#    injects exactly `times` failures, at labyrinth's own injection point,
#    which the module counts as injected (not genuine); the same chain
#    written in the wrong order injects none;
#  - tests/drivers/lab_refill's hrtimer refill (hard IRQ, another module):
#    a matching chain fails its allocations and its own failure counter
#    sees exactly those; a chain it is not under injects none;
#  - a pipe write (task context): vfs_write=>pipe_write injects, with the
#    sites counted per function+offset; pipe_write=>vfs_write does not.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

names=("scope chain: hard IRQ engine, matching chain injects times, counted as injected"
       "scope chain: hard IRQ engine, reversed chain injects nothing"
       "scope chain: lab_refill hrtimer refill, matching chain reaches the driver"
       "scope chain: lab_refill, a chain it is not under injects nothing"
       "scope chain: task context pipe_write, matching chain injects per site"
       "scope chain: task context, reversed chain injects nothing")
vm_require "${names[@]}"

bindir=$(dirname "$LAB")
ko=$bindir/test-drivers/lab_refill/lab_refill.ko
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
if ! make -s test-drivers >/dev/null 2>&1 || [ ! -f "$ko" ]; then
	for n in "${names[@]}"; do not_ok "$n (lab_refill.ko not built: make test-drivers)"; done
	echo "1..$tap_n"
	exit 1
fi

# scen NAME SCOPE EXTRA: a 3 s scenario with one scoped section
scen() {
	cat > "$d/$1.ini" <<EOT
[scenario]
description = scope chain test $1
duration = 3s
expect = survive
stop_on = none
$3

[fail_page_alloc]
scope = $2
probability = 100
times = 20
EOT
}
engine='[engine irq]
context = hrtimer
rate = 2000
policy = churn
hold = 10ms'
scen irq-match "chain:__hrtimer_run_queues=>lab_timer_fn" "$engine
[fail_page_alloc]
gfp_filter = atomic
max_order = 0"
# the same chain in the wrong order: lab_timer_fn is the inner one
scen irq-reversed "chain:lab_timer_fn=>__hrtimer_run_queues" "$engine"
scen refill-match "chain:lab_refill_tick=>lab_refill_ring" ""
scen refill-other "chain:lab_refill_ring=>lab_refill_tick" ""
scen task-match "chain:vfs_write=>pipe_write" ""
scen task-reversed "chain:pipe_write=>vfs_write" ""
# an [fail_page_alloc] section may appear once: fold the extra keys in
for f in "$d"/irq-match.ini; do
	awk '/^\[fail_page_alloc\]/ && seen++ { next } { print }' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
done

mkdir -p "$d/runs"
vm --share "$d" --out "$d/vm" --timeout 400s -- sh -c "
	run() { '$LAB' run -q -o \"$d/runs/\$1\" \"$d/\$1.ini\" >/dev/null 2>\"$d/\$1.err\"; echo \"\$1 rc \$?\"; }
	run irq-match; run irq-reversed
	insmod '$ko' nullcheck=1 || exit 90
	run refill-match
	cp /sys/kernel/debug/lab_refill/stats '$d/refill-match.stats'
	run refill-other
	cp /sys/kernel/debug/lab_refill/stats '$d/refill-other.stats'
	rmmod lab_refill || exit 91
	( while :; do head -c 65536 /dev/zero 2>/dev/null; done | cat > /dev/null ) & p=\$!
	run task-match; run task-reversed
	kill \$p" > "$d/out" 2>&1
rc=$?
diag "  guest: $(tr '\n' ' ' < "$d/out")"
for f in "$d"/*.err; do
	[ -s "$f" ] && diag "  $(basename "$f"): $(tail -3 "$f" | tr '\n' ' ')"
done

rep() { ls "$d/runs/$1"/*/report.json 2>/dev/null | head -1; }
# scoped NAME JQ: the scoped object of the run's page-allocation injector
scoped() {
	jq -r ".injection.injectors[] | select(.name == \"fail_page_alloc\") | .scoped | $2" "$(rep "$1")" 2>/dev/null
}

inj=$(scoped irq-match .injected)
kern=$(jq -r '[.engines[].failures.injected_kernel] | add' "$(rep irq-match)" 2>/dev/null)
gen=$(jq -r '[.engines[].failures.genuine] | add' "$(rep irq-match)" 2>/dev/null)
site=$(scoped irq-match '.sites[0].site')
if [ "$inj" = 20 ] && [ "$kern" = 20 ] && [ "$gen" = 0 ] &&
   [[ "$site" == *"[labyrinth]" ]]; then
	ok "${names[0]}"
	diag "  20 injected at $site, module: injected_kernel $kern, genuine $gen"
else
	not_ok "${names[0]} (rc $rc: injected '$inj', injected_kernel '$kern', genuine '$gen', site '$site')"
fi

inj=$(scoped irq-reversed .injected)
m=$(scoped irq-reversed '.hooks[] | select(.hook == "labyrinth_should_fail_alloc_page") | .calls')
if [ "$inj" = 0 ] && [ "${m:-0}" -gt 0 ]; then
	ok "${names[1]}"
	diag "  0 injected in $m calls of the module's injection point"
else
	not_ok "${names[1]} (injected '$inj', calls '$m')"
fi

inj=$(scoped refill-match .injected)
site=$(scoped refill-match '.sites[0].site')
fails=$(awk '$1 == "alloc_failures" { print $2 }' "$d/refill-match.stats" 2>/dev/null)
if [ "$inj" = 20 ] && [ "$fails" = 20 ] && [[ "$site" == lab_refill_ring+0x*" [lab_refill]" ]]; then
	ok "${names[2]}"
	diag "  20 injected at $site; lab_refill counted $fails failures"
else
	not_ok "${names[2]} (injected '$inj', driver failures '$fails', site '$site')"
fi

inj=$(scoped refill-other .injected)
fails=$(awk '$1 == "alloc_failures" { print $2 }' "$d/refill-other.stats" 2>/dev/null)
calls=$(scoped refill-other '.hooks[0].calls')
if [ "$inj" = 0 ] && [ "$fails" = 20 ] && [ "${calls:-0}" -gt 0 ]; then
	ok "${names[3]}"
else
	not_ok "${names[3]} (injected '$inj', driver failures '$fails' (20 from before), calls '$calls')"
fi

inj=$(scoped task-match .injected)
site=$(scoped task-match '.sites[0].site')
if [ "$inj" = 20 ] && [[ "$site" == pipe_write+0x* ]]; then
	ok "${names[4]}"
	diag "  sites: $(scoped task-match '[.sites[] | "\(.site) \(.injected)"] | join(", ")')"
else
	not_ok "${names[4]} (injected '$inj', site '$site')"
fi

inj=$(scoped task-reversed .injected)
calls=$(scoped task-reversed '.hooks[0].calls')
if [ "$inj" = 0 ] && [ "${calls:-0}" -gt 0 ]; then
	ok "${names[5]}"
else
	not_ok "${names[5]} (injected '$inj', calls '$calls')"
fi

echo "1..$tap_n"
[ "$tap_failed" = 0 ]
