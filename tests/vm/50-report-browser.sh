#!/usr/bin/env bash
# Description: report.html in a real browser. `labyrinth report` renders
# the recorded fixture; headless Chromium (Debian's `chromium`) loads it
# from file:// with the network unused, and we check that: the page's
# self-check ran and found every plot laid out with a size; the screenshot
# is not blank (many distinct colours, not one flat page); and the browser
# logged no console message at all (the page logs none). A negative
# control page with a deliberate console error proves the console check
# can fail. No Chromium: every test SKIPs, loudly.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

tests=("labyrinth report renders the fixture" "page self-check ok in Chromium"
	"four inline SVG plots in the DOM" "screenshot is not blank"
	"no console errors" "console check catches an error (control)")

skip_all() {
	echo "*** report browser test cannot run: $1 ***" >&2
	local t
	for t in "${tests[@]}"; do skip "$t" "$1"; done
	exit 0
}
[ -x "$LAB" ] || skip_all "$LAB not built (run make)"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || skip_all "chromium not installed (apt-get install chromium, or make deps)"

work=$(mktemp -d /tmp/labyrinth-browser.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/run"
cp tests/fixtures/reports/good/report.json "$work/run/"

if "$LAB" report -q "$work/run" 2>"$work/report.err" && [ -s "$work/run/report.html" ]; then
	ok "${tests[0]}"
else
	not_ok "${tests[0]}: $(cat "$work/report.err")"
fi

# One fresh profile per launch; no sandbox as root; nothing from the net.
browse() {
	local prof
	prof=$(mktemp -d "$work/profile.XXXXXX")
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --disable-extensions \
		--user-data-dir="$prof" --hide-scrollbars \
		--enable-logging=stderr --v=0 "$@"
}

# --dump-dom prints the DOM after the scripts ran.
browse --virtual-time-budget=2000 --dump-dom "file://$work/run/report.html" \
	>"$work/dom.html" 2>"$work/dom.log"
sc=$(grep -o 'data-selfcheck="[^"]*"' "$work/dom.html" | head -1)
check_eq "${tests[1]}" 'data-selfcheck="ok"' "$sc" "(browser log: $work/dom.log)"
nsvg=$(grep -o '<svg [^>]*class="plot"' "$work/dom.html" | wc -l)
check_eq "${tests[2]}" 4 "$nsvg"

browse --window-size=1280,2400 --screenshot="$work/shot.png" \
	"file://$work/run/report.html" >"$work/shot.log" 2>&1
# Decode the PNG (stdlib only) and count colours: a blank or failed
# render is one or two flat colours; the report has plots and text.
colours=$(python3 - "$work/shot.png" <<'PY' 2>&1
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if typ == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
        bpp = 3 if ctype == 2 else 4
    elif typ == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
seen = set()
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pr) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2):
            seen.add(bytes(line[x:x + 3]))
    prev = line
print(len(seen))
PY
)
if [[ "$colours" =~ ^[0-9]+$ ]] && [ "$colours" -ge 50 ]; then
	ok "${tests[3]} ($colours colours)"
else
	not_ok "${tests[3]}: $colours (log: $work/shot.log)"
fi

# Chromium logs page console output as "INFO:CONSOLE:N]" lines (older
# releases: "CONSOLE(N)").
console_lines() { grep -E 'CONSOLE[:(]|Uncaught' "$1" || true; }
errs=$(console_lines "$work/dom.log"; console_lines "$work/shot.log")
if [ -z "$errs" ]; then
	ok "${tests[4]}"
else
	not_ok "${tests[4]}: $errs"
fi

printf '<!DOCTYPE html><html><body><script>console.error("labyrinth-control-error"); undefined_fn();</script></body></html>\n' >"$work/control.html"
browse --virtual-time-budget=1000 --dump-dom "file://$work/control.html" \
	>/dev/null 2>"$work/control.log"
if console_lines "$work/control.log" | grep -q 'labyrinth-control-error'; then
	ok "${tests[5]}"
else
	not_ok "${tests[5]}: the control page's console.error was not seen"
fi
[ "$tap_failed" = 0 ]
