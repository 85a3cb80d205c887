#!/usr/bin/env bash
# Description: real drivers no one here wrote. scenarios/nic-e1000-rx.ini
# and nic-virtio-rx.ini each give the guest two NICs of their model on one
# QEMU hub (the receiver in its own network namespace) and a bounded UDP
# flood, while a hard-IRQ drain holds the reserve exhausted for 2 s
# (held pages yielding to direct reclaim). Each must exit 0 and its report must say: the driver
# (e1000, virtio_net) and its version, traffic flowed, the exhaustion
# (the drain or the hold, whichever it was) reached the driver (the kernel
# reported an allocation failure in its code, or a counter rose above
# twice its rate before),
# links and traffic recovered. The numbers go to the TAP diagnostics.
# On the stock kernel (if fetched) the same e1000 scenario runs with
# Debian's own e1000.ko. `vm run --nic` refuses a bad model before a VM
# boots. The hold was 2000 of the engine's own failures without yielding
# to reclaim before: on the stock kernel that ended in "System is
# deadlocked on memory" in 3 runs of 12.
set -u
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 1

models=(e1000 virtio)
names=("nic: --nic rejects an unknown model before booting")
for m in "${models[@]}"; do names+=("nic: $m reached and recovered"); done
names+=("nic: stock kernel, Debian's e1000 reached and recovered")
vm_require "${names[@]}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$LAB" vm run --nic rtl8139 --out "$tmp/bad" scenarios/default.ini 2>&1)
rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q -- '--nic rtl8139: expected e1000 or virtio-net' &&
   [ ! -d "$tmp/bad" ]; then
	ok "nic: --nic rejects an unknown model before booting"
else
	not_ok "nic: --nic rejects an unknown model before booting (rc $rc): $out"
fi

# run_nic NAME DRIVER SCENARIO [vm run options]
run_nic() {
	local name=$1 drv=$2 scen=$3 rep rc
	shift 3
	"$LAB" vm run --quiet --out "$tmp/$name" "$@" "$scen" > "$tmp/$name.out" 2>&1
	rc=$?
	rep=/nonexistent
	for f in "$tmp/$name"/*/report.json; do rep=$f; done
	if [ $rc = 0 ] &&
	   [ "$(jq -r .driver_under_test.driver "$rep")" = "$drv" ] &&
	   [ "$(jq -r .driver_under_test.check.passed "$rep")" = true ] &&
	   [ "$(jq -r '[.driver_under_test.windows[] | select(.kind != "release") | .reached] | any' "$rep")" = true ] &&
	   [ "$(jq -r .driver_under_test.flood.received "$rep")" -gt 0 ]; then
		ok "nic: $name reached and recovered"
	else
		not_ok "nic: $name reached and recovered (exit $rc)"
		tail -n 25 "$tmp/$name.out" | sed 's/^/#   /'
	fi
	[ -f "$rep" ] || return 0
	jq -r '.driver_under_test | "  \(.driver) \(.driver_version): \(.check.reason)",
		"  flood: sent \(.flood.sent), received \(.flood.received) (\(.flood.rate)/s x \(.flood.size) B)",
		(.windows[] | "  \(.kind) \(.t0_s*1000|round/1000)-\(.t1_s*1000|round/1000) s: sent \(.sent) received \(.received); receiver driver_failures +\(.receiver.driver_failures) (expected \(.receiver.expected.driver_failures)), rx_dropped +\(.receiver.rx_dropped) (expected \(.receiver.expected.rx_dropped)); kernel allocation failure reports in the driver \(.alloc_failure_reports)"),
		(.interfaces[] as $i | $i.failure_stats[] | "  \($i.role) \(.): \($i.ethtool_before[.]) -> \($i.ethtool_after[.])")' \
		"$rep" 2>/dev/null | while read -r l; do diag "$l"; done
	diag "  $(jq -r '"guest \(.system.mem_total_kb/1024|round) MiB, \(.system.cpus) vCPUs, kernel \(.system.kernel_release) (TCG)"' "$rep")"
}

run_nic e1000 e1000 scenarios/nic-e1000-rx.ini
run_nic virtio virtio_net scenarios/nic-virtio-rx.ini

if KVER=stock kernel/build-kernel.sh --print-release >/dev/null 2>&1 &&
   [ -f "$(dirname "$LAB")/module-stock/labyrinth.ko" ]; then
	run_nic "stock kernel, Debian's e1000" e1000 scenarios/nic-e1000-rx.ini --kver stock
else
	skip "nic: stock kernel, Debian's e1000 reached and recovered" \
		"the stock kernel or build/module-stock is not built (make kernel module KVER=stock)"
fi

echo "1..$tap_n"
[ "$tap_failed" = 0 ]
