#!/usr/bin/env bash
# Description: every shipped scenario runs in the VM and meets its
# expect=, and its report's plot and thresholds agree (the deepest dip is
# never shallower than the first atomic failure, and the series has no
# gap longer than 3 intervals that the report does not list as loss);
# `vm run` into logs writes no carriage return; the panic scenario ends
# in the panic verdict with a last sample; deterministic injection
# injects exactly what it says; knobs are back after a normal exit,
# after SIGINT and after SIGKILL + next start.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

# LABYRINTH_SCENARIOS="default panic-on-oom knobs" runs only those (a
# long suite in pieces, under a shared lock; "knobs" is the knob restore
# test); the checks that need what was not run SKIP, saying so.
picked() {
	case " ${LABYRINTH_SCENARIOS:-$1} " in *" $1 "*) return 0 ;; esac
	return 1
}
scenarios=()
for f in scenarios/*.ini; do
	f=${f##*/}
	picked "${f%.ini}" && scenarios+=("${f%.ini}")
done
names=()
for s in "${scenarios[@]}"; do
	names+=("scenario $s meets its expect" "scenario $s: plot and thresholds agree")
done
names+=("vm run into logs: no carriage return"
	"panic scenario: panic verdict and a last sample"
	"inject-deterministic: exactly 50 injected failures"
	"drain: first atomic failure below the min watermark"
	"knobs restored (normal, SIGINT, SIGKILL + next start)")

# No VM needed for these.
"$LAB" check scenarios/*.ini >/dev/null
check_eq "labyrinth check accepts every shipped scenario" 0 $?
"$LAB" vm run --set scenario.nope=1 scenarios/default.ini 2>/dev/null
check_eq "vm run: a bad --set is a usage error before any boot (2)" 2 $?

vm_require "${names[@]}"

# The plot and the thresholds come from one series: the deepest dip is
# never shallower than a first failure below min, and every gap longer
# than 3 sample intervals is listed in series.loss (unless more gaps
# than the list holds were found).
agree() {
	local s=$1 rep=$2 why
	why=$(jq -r '
	  .thresholds as $t | .series as $s | ($s.interval_ms / 1000) as $iv |
	  ($s.loss.gaps // []) as $g |
	  [range(1; $s.t_s | length) |
	   select(($s.t_s[.] - $s.t_s[. - 1]) > 3 * $iv) |
	   {a: $s.t_s[. - 1], b: $s.t_s[.]} |
	   select(. as $x | $g | any(.t0_s <= $x.a + 1e-4 and
				   .t1_s >= $x.b - 1e-4) | not)] as $unlisted |
	  if ($s.loss == null) then "no series.loss block (not a version 2 report)"
	  elif ($t.first_atomic_failure != null and
		$t.first_atomic_failure.free_pages < $t.first_atomic_failure.min and
		($t.deepest_dip == null or
		 $t.deepest_dip.free_pages > $t.first_atomic_failure.free_pages))
	  then "deepest dip \($t.deepest_dip.free_pages) above the failure at \($t.first_atomic_failure.free_pages) free"
	  elif (($unlisted | length) > 0 and ($g | length) < 64)
	  then "gaps not reported as loss: \($unlisted[0:3])"
	  else "" end' "$rep" 2>&1)
	if [ -n "$rep" ] && [ -z "$why" ]; then
		ok "scenario $s: plot and thresholds agree"
	else
		not_ok "scenario $s: plot and thresholds agree: ${why:-no report}"
	fi
}

out=$(mktemp -d)
# A failing run keeps its result directories (console log, report): the
# evidence of an intermittent kernel splat must survive the test.
trap '[ "$tap_failed" = 0 ] && rm -rf "$out" || echo "# kept for inspection: $out"' EXIT
for s in "${scenarios[@]}"; do
	extra=()
	# the soak is ten minutes as shipped; its behaviour shows in 30 s
	[ "$s" = churn-soak ] && extra=(--set scenario.duration=30s)
	# not -q: what a user sees, into files (no progress lines there)
	"$LAB" vm run --out "$out/$s" "${extra[@]}" "scenarios/$s.ini" \
		> "$out/$s.log" 2> "$out/$s.err"
	rc=$?
	cat "$out/$s.err" >> "$out/$s.log"
	rep=$(ls "$out/$s"/*/report.json 2>/dev/null | head -1)
	verdict=$(jq -r .outcome.verdict "$rep" 2>/dev/null)
	met=$(jq -r .outcome.expect_met "$rep" 2>/dev/null)
	if [ $rc = 0 ] && [ "$met" = true ]; then
		ok "scenario $s meets its expect ($verdict)"
	else
		not_ok "scenario $s meets its expect (rc $rc, verdict $verdict: $(jq -r .outcome.reason "$rep" 2>/dev/null | cut -c1-200); log $(tail -3 "$out/$s.log" | tr '\n' ' '))"
		# the kernel's own account, if it splatted: first report, 40 lines
		con=$(ls "$out/$s"/*/vm/console.log 2>/dev/null | head -1)
		[ -n "$con" ] && grep -m1 -A40 -E 'BUG:|Oops:|WARNING:|general protection|Kernel panic' "$con" |
			while IFS= read -r l; do diag "console: $l"; done
	fi
	[ -n "$rep" ] && diag "$s: $(jq -c '{v: .outcome.verdict, first_fail: (.thresholds.first_atomic_failure | if . then {t_s, free_pages, min, free_over_min} else null end), oom: (.thresholds.first_oom_kill | if . then {t_s, victim_comm} else null end), panic: (.thresholds.panic | if . then {t_s, last: .last_sample.free_pages} else null end), dip: (.thresholds.deepest_dip | if . then .below_min_pages else null end), samples: .sampler.samples, missing: .series.loss.missing_samples, cpu_pct: .sampler.cpu_percent}' "$rep")"
	agree "$s" "$rep"
done

if grep -l $'\r' "$out"/*.log >/dev/null 2>&1; then
	not_ok "vm run into logs: no carriage return ($(grep -l $'\r' "$out"/*.log | tr '\n' ' '))"
else
	ok "vm run into logs: no carriage return"
fi

rep=$(ls "$out"/panic-on-oom/*/report.json 2>/dev/null | head -1)
if ! picked panic-on-oom; then
	skip "panic scenario: panic verdict and a last sample" "not in LABYRINTH_SCENARIOS"
elif [ "$(jq -r .outcome.verdict "$rep" 2>/dev/null)" = panic ] &&
   [ "$(jq -r '.thresholds.panic.last_sample.free_pages | type' "$rep")" = number ] &&
   [ "$(jq -r .vm.verdict "$rep")" = panic ]; then
	ok "panic scenario: panic verdict and a last sample"
else
	not_ok "panic scenario: panic verdict and a last sample ($(jq -c .thresholds.panic "$rep" 2>&1))"
fi

rep=$(ls "$out"/inject-deterministic/*/report.json 2>/dev/null | head -1)
if ! picked inject-deterministic; then
	skip "inject-deterministic: exactly 50 injected failures" "not in LABYRINTH_SCENARIOS"
else
	check_eq "inject-deterministic: exactly 50 injected failures" 50 \
		"$(jq '[.engines[].failures.injected_private] | add' "$rep" 2>/dev/null)"
fi

rep=$(ls "$out"/default/*/report.json 2>/dev/null | head -1)
if ! picked default; then
	skip "drain: first atomic failure below the min watermark" "not in LABYRINTH_SCENARIOS"
elif jq -e '.thresholds.first_atomic_failure.free_pages < .thresholds.first_atomic_failure.min' "$rep" >/dev/null 2>&1; then
	ok "drain: first atomic failure below the min watermark"
else
	not_ok "drain: first atomic failure below the min watermark ($(jq -c .thresholds.first_atomic_failure "$rep" 2>&1))"
fi

if ! picked knobs; then
	skip "knobs restored (normal, SIGINT, SIGKILL + next start)" "not in LABYRINTH_SCENARIOS (add 'knobs')"
	[ "$tap_failed" = 0 ]
	exit
fi
res=$(vm --timeout 300s -- bash tests/vm/guest-knobs.sh "$LAB" 2>&1)
rc=$?
npass=$(echo "$res" | grep -c '^PASS')
while IFS= read -r line; do
	case "$line" in
	PASS*) diag "knobs: ${line#PASS }" ;;
	FAIL*) diag "knobs: $line" ;;
	esac
done <<< "$res"
if [ $rc = 0 ] && ! echo "$res" | grep -q '^FAIL' && [ "$npass" -ge 10 ]; then
	ok "knobs restored (normal, SIGINT, SIGKILL + next start)"
else
	not_ok "knobs restored (normal, SIGINT, SIGKILL + next start): rc $rc, $npass passed; $(echo "$res" | grep '^FAIL' | head -3 | tr '\n' ' ')"
fi
[ "$tap_failed" = 0 ]
