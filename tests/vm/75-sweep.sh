#!/usr/bin/env bash
# Description: threshold searches (labyrinth vm sweep).
# Without a VM (tests/fixtures/soak/fake-vm-run as the runner, a run's
# verdict set by the swept value):
#   - sweep.json validates against reports/schema/sweep.schema.json
#     (python3-jsonschema), a broken one does not; the reproducer passes
#     `labyrinth check`.
# In the VM (TCG, 1 GiB / 2 vCPUs, a few runs of a few seconds):
#   - a real bisection of engine.held_cap in the default scenario (the
#     hard-IRQ drain to the first genuine GFP_ATOMIC failure, which 6.1
#     reaches at about 230k pages held in this guest): a cap of 50000
#     pages stops the drain first (the run survives), 240000 does not
#     (atomic failure), and the boundary lies between the largest cap
#     that survived and the smallest that failed, inside 40000 pages;
#     the reproducer passes `labyrinth check` and sweep.json validates;
#   - Ctrl-C while a value's VMs run: no QEMU left, sweep.json written
#     and marked interrupted, exit 1.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

tmp=$(mktemp -d)
trap '[ "$tap_failed" = 0 ] && rm -rf "$tmp" || echo "# kept for inspection: $tmp"' EXIT
schema=reports/schema/sweep.schema.json
have_jsonschema() { "$py" -c 'import jsonschema' 2>/dev/null; }

# ---- without a VM -------------------------------------------------------------

LABYRINTH_SOAK_RUNNER=$top/tests/fixtures/soak/fake-vm-run \
FAKE_SWEEP_KEY=engine.rate FAKE_SWEEP_FROM=3000 FAKE_SWEEP_UPTO=5000 \
	"$LAB" vm sweep -q scenarios/default.ini --vary engine.rate=1000..7000 \
	--step 1000 -o "$tmp/fake" > "$tmp/fake.log" 2>&1
check_eq "fake sweep: a hump of failures found at 3000, not monotone" \
	"0 3000.0 False" "$? $(jget "$tmp/fake/sweep.json" 'd["result"]["smallest_failing"], d["result"]["monotone"]' | tr -d '(),')" \
	"$(tail -n 3 "$tmp/fake.log")"
out=$("$LAB" check "$tmp/fake/reproducer.ini" 2>&1)
check_eq "fake sweep: the reproducer passes labyrinth check" 0 $? "$out"
if ! have_jsonschema; then
	skip "fake sweep.json validates against its schema" "python3-jsonschema is not installed (make deps)"
	skip "a broken sweep.json does not validate" "python3-jsonschema is not installed (make deps)"
else
	out=$("$py" tests/validate-json.py "$schema" "$tmp/fake/sweep.json" 2>&1)
	check_eq "fake sweep.json validates against its schema" 0 $? "$out"
	sed 's/"until": "[a-z-]*"/"until": "later"/' "$tmp/fake/sweep.json" > "$tmp/bad.json"
	"$py" tests/validate-json.py "$schema" "$tmp/bad.json" > /dev/null 2>&1
	check_eq "a broken sweep.json does not validate" 1 $?
fi

# ---- in the VM ------------------------------------------------------------------

vm_tests=("real sweep of engine.held_cap: survive at 50000, atomic failure at 240000, boundary within 40000"
	  "the real sweep's reproducer passes labyrinth check, sweep.json validates"
	  "Ctrl-C during a sweep: no QEMU left, sweep.json written, interrupted")
vm_require "${vm_tests[@]}"

# stop_on engines: a drain stopped by its cap ends the run at once
t0=$(date +%s)
"$LAB" vm sweep scenarios/default.ini --until atomic-failure \
	--vary engine.held_cap=50000..240000 --resolution 40000 \
	--set scenario.stop_on=atomic-failure,engines -o "$tmp/real" \
	> "$tmp/real.log" 2>&1
rc=$?
t1=$(date +%s)
got=$(jget "$tmp/real/sweep.json" '(d["result"]["found"], d["points"][0]["value"], d["points"][0]["hits"], d["points"][1]["value"], d["points"][1]["hits"], 0 < d["result"]["smallest_failing"] - d["result"]["largest_passing"] <= 40000)')
want="('boundary', 50000.0, 0, 240000.0, 1, True)"
if [ $rc = 0 ] && [ "$got" = "$want" ]; then
	ok "${vm_tests[0]}"
else
	not_ok "${vm_tests[0]} (exit $rc: $got, expected $want)"
	tail -n 20 "$tmp/real.log" | sed 's/^/#   /'
fi
diag "$(grep -E '^ +[0-9]+ ' "$tmp/real.log" | tr -s ' ' | tr '\n' ';')"
diag "$(grep -E 'smallest failing' "$tmp/real.log") ($((t1 - t0)) s, TCG)"
out=$("$LAB" check "$tmp/real/reproducer.ini" 2>&1)
r1=$?
if have_jsonschema; then
	out="$out $("$py" tests/validate-json.py "$schema" "$tmp/real/sweep.json" 2>&1)"
	r2=$?
else
	r2=0
	diag "python3-jsonschema missing: sweep.json checked by labyrinth only"
fi
check_eq "${vm_tests[1]}" "0 0" "$r1 $r2" "$out"

# Ctrl-C while two VMs of a value run
interrupt_in_flight "$tmp/int" "$LAB" vm sweep -q scenarios/default.ini \
	--vary engine.rate=20000..40000 -r 2 -j 2 -o "$tmp/int"
seen=$int_seen rc=$int_rc left=$int_left
intr=$(jget "$tmp/int/sweep.json" '(d["interrupted"], d["result"]["found"])')
if [ "$seen" -ge 1 ] && [ $rc = 1 ] && [ "$left" = 0 ] && [ "$intr" = "(True, 'incomplete')" ]; then
	ok "${vm_tests[2]} ($seen QEMU stopped)"
else
	not_ok "${vm_tests[2]} (QEMUs before $seen, after $left, exit $rc, interrupted/found $intr)"
	pkill -f "qemu-system.*$tmp/int" 2>/dev/null
	tail -n 10 "$tmp/int.log" | sed 's/^/#   /'
fi
exit 0
