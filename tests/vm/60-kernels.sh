#!/usr/bin/env bash
# Description: the kernel matrix, `--kver 6.1 | 6.12 | stock`. For each
# kernel that is in the cache (otherwise each of its tests is a loud SKIP
# naming the make command that builds it):
#   - it boots, and `uname -r` in the guest is its release;
#   - labdev finds the labyrinth.ko built for it (vermagic = uname -r),
#     loads it, GET_VERSION answers, the features and the GFP_ATOMIC and
#     GFP_NOWAIT values are the ones the kernel table promises
#     (build/vmtests/test_kver);
#   - e1000 and virtio_net load by path, dependencies first (modprobe
#     --show-depends on its modules directory), with both NICs on one QEMU
#     hub, and both links come up;
#   - 6.12 and stock run the default scenario to its expected outcome, and
#     its report names the kernel it ran on;
#   - on stock, a scenario that needs fault injection is a SKIP (exit 4)
#     that names the missing CONFIG option, decided before a VM boots.
# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$top" || exit 2

kvers=(6.1 6.12 stock)
tests=(boots module nics)
all=()
for k in "${kvers[@]}"; do all+=("${tests[@]/#/$k: }"); done
vm_require "${all[@]}" "6.12: default scenario" "stock: default scenario" \
	"stock: fault-injection scenario refused"

bindir=$(dirname "$LAB")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Two NICs on one hub (what `vm run --nic` will give a driver under test):
# the runner has no device option of its own yet, so wrap QEMU.
cat > "$tmp/qemu-nics" <<'EOF'
#!/bin/sh
exec qemu-system-x86_64 "$@" \
	-netdev hubport,id=n0,hubid=0 -device e1000,netdev=n0,mac=52:54:00:12:34:01 \
	-netdev hubport,id=n1,hubid=0 -device virtio-net-pci,netdev=n1,mac=52:54:00:12:34:02
EOF
chmod +x "$tmp/qemu-nics"

# The guest side: insmod each path not loaded yet (the stock initramfs
# already loaded virtio), then bring each driver's interface up, wait for
# its carrier, and take it down again. Loading and link only: IPv6 is off
# so that no packet crosses the hub. (With it on, the stock kernel's MLD
# reports once spun virtio_net's start_xmit into an RCU stall while the
# e1000 on the same CPU could not drain the hub: see kernel/KERNELS.md.)
# shellcheck disable=SC2016 # expanded in the guest
nic_script='
for f in /proc/sys/net/ipv6/conf/default/disable_ipv6 /proc/sys/net/ipv6/conf/all/disable_ipv6; do
	[ -w "$f" ] && echo 1 > "$f"
done
for p in "$@"; do
	m=$(basename "$p"); m=${m%%.ko*}; m=$(echo "$m" | tr - _)
	[ -d "/sys/module/$m" ] || insmod "$p" || { echo "insmod $p failed"; exit 1; }
done
for drv in e1000 virtio_net; do
	dev=""
	for n in /sys/class/net/*; do
		d=$(readlink "$n/device/driver" 2>/dev/null) || continue
		[ "${d##*/}" = "$drv" ] && dev=${n##*/}
	done
	[ -n "$dev" ] || { echo "$drv: no interface"; exit 1; }
	ip link set "$dev" up || exit 1
	for _ in $(seq 50); do
		[ "$(cat "/sys/class/net/$dev/carrier" 2>/dev/null)" = 1 ] && break
		sleep 0.2
	done
	echo "$drv $dev carrier=$(cat "/sys/class/net/$dev/carrier" 2>/dev/null)"
	ip link set "$dev" down
done'

for k in "${kvers[@]}"; do
	variant=default
	[ "$k" = stock ] || variant=${VARIANT:-default}
	why=""
	rel=$(KVER=$k VARIANT=$variant "$top/kernel/build-kernel.sh" --print-release 2>/dev/null) ||
		why="the $k kernel is not built (make kernel KVER=$k)"
	if [ -n "$why" ]; then
		echo "*** $why ***" >&2
		for t in "${tests[@]}"; do skip "$k: $t" "$why"; done
		continue
	fi
	kv=(--kver "$k" --variant "$variant")

	t0=$(date +%s.%N)
	got=$(vm "${kv[@]}" --timeout 120s -- uname -r 2>&1)
	rc=$?
	t1=$(date +%s.%N)
	if [ $rc = 0 ] && [ "$got" = "$rel" ]; then
		ok "$k: boots, uname -r is $rel"
	else
		not_ok "$k: boots (rc $rc, expected $rel): $got"
	fi
	diag "$k: boot to command and back: $(echo "$t1 - $t0" | bc) s wall (TCG)"

	ko=$bindir/module$([ "$k" = 6.1 ] || echo "-$k")/labyrinth.ko
	if [ ! -f "$ko" ] || [ ! -x "$bindir/vmtests/test_kver" ]; then
		skip "$k: module" "$ko or $bindir/vmtests/test_kver not built (make module tests-bin KVER=$k)"
	else
		got=$(vm "${kv[@]}" --timeout 300s -- env LABYRINTH_EXPECT_KVER="$k" \
			"$bindir/vmtests/test_kver" 2>&1)
		rc=$?
		echo "$got" | grep '^# ' || true
		if [ $rc = 0 ] && [ "$(echo "$got" | grep -c '^ok ')" = 4 ]; then
			ok "$k: labdev loads the labyrinth.ko built for it; GET_VERSION, features and GFP values as the table says"
		else
			not_ok "$k: module (rc $rc)"
			printf "%s\n" "$got" | sed 's/^/#   /'
		fi
	fi

	moddir=$(KVER=$k VARIANT=$variant "$top/kernel/build-kernel.sh" --print-modules-dir)
	paths=()
	for m in e1000 virtio_net; do
		while read -r what path; do
			[ "$what" = insmod ] && paths+=("$path")
		done < <(modprobe -d "${moddir%/lib/modules/*}" -S "$rel" --show-depends "$m")
	done
	got=$(LABYRINTH_QEMU=$tmp/qemu-nics vm "${kv[@]}" --timeout 120s -- \
		sh -c "$nic_script" nics "${paths[@]}" 2>&1)
	rc=$?
	if [ $rc = 0 ] && echo "$got" | grep -q '^e1000 .* carrier=1$' &&
	   echo "$got" | grep -q '^virtio_net .* carrier=1$'; then
		ok "$k: e1000 and virtio_net load from $moddir, links up"
	else
		not_ok "$k: e1000 and virtio_net (rc $rc, ${#paths[@]} modules): $got"
	fi
done

# The default scenario on the kernels other than 6.1 (30-scenarios.sh
# runs it there), and what stock must refuse.
for k in 6.12 stock; do
	if ! KVER=$k "$top/kernel/build-kernel.sh" --print-release >/dev/null 2>&1 ||
	   [ ! -f "$bindir/module-$k/labyrinth.ko" ]; then
		skip "$k: default scenario" "the $k kernel or build/module-$k is not built (make kernel module KVER=$k)"
		continue
	fi
	rel=$(KVER=$k "$top/kernel/build-kernel.sh" --print-release)
	"$LAB" vm run --kver "$k" --quiet --out "$tmp/runs-$k" scenarios/default.ini > "$tmp/out" 2>&1
	rc=$?
	report=/nonexistent
	for f in "$tmp/runs-$k"/*/report.json; do report=$f; done
	if [ $rc = 0 ] && grep -q "\"kernel_release\": \"$rel\"" "$report" 2>/dev/null; then
		ok "$k: the default scenario meets its expectation, report says $rel"
	else
		not_ok "$k: default scenario (rc $rc)"
		sed 's/^/#   /' "$tmp/out" | tail -n 20
	fi
done

if KVER=stock "$top/kernel/build-kernel.sh" --print-config >/dev/null 2>&1; then
	"$LAB" vm run --kver stock --quiet --out "$tmp/refused" \
		scenarios/inject-probability.ini > "$tmp/out" 2>&1
	rc=$?
	if [ $rc = 4 ] && grep -q 'needs CONFIG_[A-Z_]*, which the stock kernel lacks' "$tmp/out" &&
	   [ ! -d "$tmp/refused" ]; then
		ok "stock: a fault-injection scenario is skipped (4), naming $(grep -o 'CONFIG_[A-Z_]*' "$tmp/out" | head -n 1)"
	else
		not_ok "stock: a fault-injection scenario must be a SKIP (rc $rc): $(cat "$tmp/out")"
	fi
else
	skip "stock: fault-injection scenario refused" "the stock kernel is not fetched (make kernel KVER=stock)"
fi

[ "$tap_failed" = 0 ]
