#!/usr/bin/env bash
# Description: soaks, and the CI definitions that run them.
# Without a VM:
#   - .github/workflows/soak.yml and .gitlab-ci.yml parse (python3-yaml),
#     and every command they run is a tools/ci-soak.sh subcommand that
#     this test runs too (deps, key, build, harness, shard, merge);
#   - `tools/ci-soak.sh key K` is kernel/build-kernel.sh --print-key;
#   - a kernel x shard matrix of `tools/ci-soak.sh shard` jobs (fake VM
#     runner) merged by `tools/ci-soak.sh merge`: soak.json validates
#     against reports/schema/soak.schema.json and kcidb.json against
#     KernelCI's KCIDB schema (reports/schema/kcidb/, python3-jsonschema);
#     a broken one does not.
# In the VM (each a few runs of a few seconds, TCG):
#   - the short soak: 2 scenarios x 3 runs, -j 2, one run forced to panic
#     (tests/fixtures/soak/force-panic runs panic-on-oom in its place):
#     the soak completes, the aggregate counts the panic, exit 1;
#   - Ctrl-C while VMs run: no QEMU left, the aggregate written, then
#     --resume completes the soak;
#   - the stock kernel in the matrix: its fault-injection scenario counted
#     as SKIP with the reason, the default scenario run.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

tmp=$(mktemp -d)
trap '[ "$tap_failed" = 0 ] && rm -rf "$tmp" || echo "# kept for inspection: $tmp"' EXIT
fake=$top/tests/fixtures/soak/fake-vm-run
soak_schema=reports/schema/soak.schema.json
kcidb_schema=reports/schema/kcidb/kcidb.v5.3.schema.json

# ---- the CI definitions ----------------------------------------------------

# Every command line of both files, one per line (GitHub's run:, GitLab's
# script:), with ${{ ... }} and $VAR left as they are.
ci_commands() {
	"$py" - <<'PY'
import yaml
gh = yaml.safe_load(open(".github/workflows/soak.yml"))
gl = yaml.safe_load(open(".gitlab-ci.yml"))
for job in gh["jobs"].values():
    for step in job["steps"]:
        if "run" in step:
            for line in step["run"].splitlines():
                print(line)
for name, job in gl.items():
    if isinstance(job, dict):
        for key in ("before_script", "script", "after_script"):
            for line in job.get(key, []):
                print(line)
PY
}

if ! "$py" -c 'import yaml' 2>/dev/null; then
	skip "CI definitions parse" "python3-yaml is not installed (make deps)"
	skip "CI definitions run only tools/ci-soak.sh" "python3-yaml is not installed"
else
	cmds=$(ci_commands 2>&1)
	rc=$?
	check_eq "CI definitions parse (.github/workflows/soak.yml, .gitlab-ci.yml)" 0 $rc "$cmds"
	# what the test below runs, each as CI runs it
	ran_subs="deps key build harness shard merge"
	bad=""
	while IFS= read -r line; do
		sub=$(echo "$line" | sed -n 's/.*tools\/ci-soak\.sh \([a-z]*\).*/\1/p')
		case " $ran_subs " in
		*" $sub "*) [ -n "$sub" ] || bad="$bad | $line" ;;
		*) bad="$bad | $line" ;;
		esac
	done <<< "$cmds"
	check_eq "CI definitions run only tools/ci-soak.sh subcommands this test runs" "" "$bad"
fi

for k in 6.1 6.12 stock; do
	want=$(KVER=$k kernel/build-kernel.sh --print-key 2>/dev/null)
	got=$(tools/ci-soak.sh key "$k" 2>&1)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "ci-soak key $k is the kernel's cache key ($got)"
	elif [ -z "$want" ]; then
		skip "ci-soak key $k" "kernel/build-kernel.sh --print-key failed for $k (its source or apt lists are missing)"
	else
		not_ok "ci-soak key $k: '$got', build-kernel.sh says '$want'"
	fi
done

# deps and build as CI runs them: no-ops here after make test's own
out=$(tools/ci-soak.sh deps 6.1 2>&1 && tools/ci-soak.sh build 6.1 2>&1 &&
      tools/ci-soak.sh harness 2>&1)
check_eq "ci-soak deps, build and harness for 6.1" 0 $? "$(echo "$out" | tail -n 3)"

# A kernel x shard matrix, as the CI definitions run it, with the fake
# runner (no VM: what each run comes to is a function of its index).
export SOAK_KERNELS="6.1 stock" SOAK_ITERATIONS=3 SOAK_ID=test-70
export SOAK_SCENARIOS="scenarios/default.ini scenarios/inject-probability.ini"
rcs=""
for k in 6.1 stock; do
	for s in 1 2; do
		LABYRINTH_SOAK_RUNNER=$fake tools/ci-soak.sh shard "$k" "$s/2" \
			"$tmp/ci/soak-$k-$s" > "$tmp/ci-$k-$s.log" 2>&1
		rcs="$rcs $?"
	done
done
check_eq "ci-soak shard: four jobs of kernel x shard" " 0 0 0 0" "$rcs"
tools/ci-soak.sh merge "$tmp/ci/soak" "$tmp"/ci/soak-* > "$tmp/merge.log" 2>&1
check_eq "ci-soak merge: the four shards into one soak" 0 $? "$(tail -n 3 "$tmp/merge.log")"
got=$(jget "$tmp/ci/soak/soak.json" '(d["totals"]["done"], d["totals"]["skipped"], d["totals"]["complete"])')
check_eq "merged: 12 runs, 3 skipped (injection on stock), complete" "(12, 3, True)" "$got"
unset SOAK_KERNELS SOAK_ITERATIONS SOAK_ID SOAK_SCENARIOS

if ! "$py" -c 'import jsonschema' 2>/dev/null; then
	for t in "soak.json validates against its schema" \
		 "kcidb.json validates against the KCIDB schema" \
		 "a broken soak.json and kcidb.json do not validate"; do
		skip "$t" "python3-jsonschema is not installed (make deps)"
	done
else
	out=$("$py" tests/validate-json.py "$soak_schema" "$tmp/ci/soak/soak.json" \
		"$tmp"/ci/soak-6.1-1/soak.json 2>&1)
	check_eq "soak.json validates against its schema" 0 $? "$out"
	out=$("$py" tests/validate-json.py "$kcidb_schema" "$tmp/ci/soak/kcidb.json" \
		"$tmp"/ci/soak-stock-2/kcidb.json 2>&1)
	check_eq "kcidb.json validates against the KCIDB schema (v5.3)" 0 $? "$out"
	sed 's/"status": "SKIP"/"status": "SKIPPED"/' "$tmp/ci/soak/kcidb.json" > "$tmp/bad-kcidb.json"
	sed 's/"verdict": "skipped"/"verdict": "skipped-ish"/' "$tmp/ci/soak/soak.json" > "$tmp/bad-soak.json"
	"$py" tests/validate-json.py "$kcidb_schema" "$tmp/bad-kcidb.json" > /dev/null 2>&1
	r1=$?
	"$py" tests/validate-json.py "$soak_schema" "$tmp/bad-soak.json" > /dev/null 2>&1
	check_eq "a broken soak.json and kcidb.json do not validate" "1 1" "$r1 $?"
fi

# ---- in the VM -------------------------------------------------------------

vm_tests=("short soak: one run forced to panic, the soak completes and counts it, exit 1"
	  "Ctrl-C during a soak: no QEMU left, aggregate written"
	  "--resume completes the interrupted soak"
	  "stock in the matrix: injection SKIP with the reason, default runs")
vm_require "${vm_tests[@]}"

# 2 scenarios x 3 runs at -j 2; run 2 (default's second) panics
LABYRINTH_SOAK_RUNNER=$top/tests/fixtures/soak/force-panic FORCE_PANIC_INDEX=2 \
SOAK_KERNELS=6.1 SOAK_ITERATIONS=3 SOAK_JOBS=2 \
SOAK_SCENARIOS="scenarios/default.ini scenarios/panic-on-oom.ini" \
	tools/ci-soak.sh shard 6.1 1/1 "$tmp/panic" > "$tmp/panic.log" 2>&1
rc=$?
got=$(jget "$tmp/panic/soak.json" '[(c["scenario"], c["verdicts"]["atomic-failure"], c["verdicts"]["panic"], c["unexpected"]) for c in d["cells"]] + [d["totals"]["done"], d["totals"]["complete"]]')
want="[('default', 2, 1, 1), ('panic-on-oom', 0, 3, 0), 6, True]"
if [ $rc = 1 ] && [ "$got" = "$want" ]; then
	ok "${vm_tests[0]}"
else
	not_ok "${vm_tests[0]} (exit $rc, cells $got, expected $want)"
	tail -n 25 "$tmp/panic.log" | sed 's/^/#   /'
fi
diag "$(grep -h '"wall_s"' "$tmp"/panic/runs/*/soak-run.json | tr -d ' ,' | tr '\n' ' ') (TCG)"

# Ctrl-C while two VMs run: the soak stops them, writes the aggregate
interrupt_in_flight "$tmp/int" "$LAB" vm soak -q -n 2 -j 2 -o "$tmp/int" \
	scenarios/default.ini
seen=$int_seen rc=$int_rc left=$int_left
intr=$(jget "$tmp/int/soak.json" 'd["sessions"][0]["interrupted"]')
if [ "$seen" -ge 1 ] && [ $rc = 1 ] && [ "$left" = 0 ] && [ "$intr" = True ]; then
	ok "${vm_tests[1]} ($seen QEMU stopped)"
else
	not_ok "${vm_tests[1]} (QEMUs before $seen, after $left, exit $rc, interrupted $intr)"
	pkill -f "qemu-system.*$tmp/int" 2>/dev/null
	tail -n 10 "$tmp/int.log" | sed 's/^/#   /'
fi
"$LAB" vm soak -q --resume "$tmp/int" > "$tmp/resume.log" 2>&1
rc=$?
got=$(jget "$tmp/int/soak.json" '(d["totals"]["done"], d["totals"]["complete"], len(d["sessions"]))')
if [ $rc = 0 ] && [ "$got" = "(2, True, 2)" ]; then
	ok "${vm_tests[2]} $got"
else
	not_ok "${vm_tests[2]} (exit $rc, done/complete/sessions $got)"
	tail -n 10 "$tmp/resume.log" | sed 's/^/#   /'
fi

if ! KVER=stock kernel/build-kernel.sh --print-release >/dev/null 2>&1 ||
   [ ! -f build/module-stock/labyrinth.ko ]; then
	skip "${vm_tests[3]}" "the stock kernel or build/module-stock is not built (make kernel module KVER=stock)"
else
	"$LAB" vm soak -q -n 1 -j 2 --matrix 6.1,stock -o "$tmp/stock" \
		scenarios/default.ini scenarios/inject-probability.ini > "$tmp/stock.log" 2>&1
	rc=$?
	got=$(jget "$tmp/stock/soak.json" '[(c["scenario"], c["kernel"], c["verdicts"]["skipped"], c["expect_met"], "CONFIG_" in (c["skip_reason"] or "")) for c in d["cells"]]')
	want="[('default', '6.1', 0, 1, False), ('default', 'stock', 0, 1, False), ('inject-probability', '6.1', 0, 1, False), ('inject-probability', 'stock', 1, 0, True)]"
	if [ $rc = 0 ] && [ "$got" = "$want" ]; then
		ok "${vm_tests[3]}"
	else
		not_ok "${vm_tests[3]} (exit $rc: $got)"
		tail -n 15 "$tmp/stock.log" | sed 's/^/#   /'
	fi
fi
exit 0
