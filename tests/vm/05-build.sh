#!/usr/bin/env bash
# Description: `make` alone, in a fresh clone, builds the harness and the
# module (build/labyrinth, build/module/labyrinth.ko), as the README and
# the Makefile's header say. Needs the test kernel (cached, shared by
# every checkout) to build the module against: without it, a loud SKIP.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

name="make in a fresh clone builds build/labyrinth and build/module/labyrinth.ko"
if ! "$top/kernel/build-kernel.sh" --print-kdir >/dev/null 2>&1; then
	echo "*** build test cannot run: test kernel not built (run make kernel) ***" >&2
	skip "$name" "test kernel not built (run make kernel)"
	exit 0
fi
if ! git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	skip "$name" "not a git checkout: nothing to clone"
	exit 0
fi
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
git clone -q "$top" "$d/labyrinth"
if (cd "$d/labyrinth" && make) > "$d/make.log" 2>&1 &&
   [ -x "$d/labyrinth/build/labyrinth" ] &&
   [ -f "$d/labyrinth/build/module/labyrinth.ko" ]; then
	ok "$name"
	"$d/labyrinth/build/labyrinth" --version >/dev/null
	check_eq "the freshly built labyrinth runs" 0 $?
else
	not_ok "$name: $(tail -5 "$d/make.log" | tr '\n' ' ')"
	skip "the freshly built labyrinth runs" "the build failed"
fi
