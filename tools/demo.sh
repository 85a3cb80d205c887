#!/usr/bin/env bash
# `make demo`: boot the test kernel, run the default scenario in it, and
# leave the result directory: the terminal summary, then where the report
# is. Usage: tools/demo.sh [extra 'labyrinth vm run' options]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
lab=${LAB:-$top/build/labyrinth}

if [ ! -x "$lab" ]; then
	echo "demo: $lab is not built: run 'make'" >&2
	exit 3
fi
if [ ! -f build/module/labyrinth.ko ]; then
	echo "demo: build/module/labyrinth.ko is not built: run 'make module'" >&2
	exit 3
fi
echo "demo: running scenarios/default.ini in the labyrinth VM (TCG: about a minute)"
set +e
"$lab" vm run "$@" scenarios/default.ini | tee /tmp/labyrinth-demo.$$
rc=${PIPESTATUS[0]}
set -e
report=$(sed -n 's/^Report: //p' /tmp/labyrinth-demo.$$ | tail -1)
rm -f /tmp/labyrinth-demo.$$
if [ -n "$report" ]; then
	echo
	echo "Result directory: $(dirname "$report")"
	echo "Open the report:  $report"
fi
exit "$rc"
