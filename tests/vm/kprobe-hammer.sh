#!/bin/sh
# kprobe-hammer.sh FN N (in the guest): arm and disarm a kprobe on FN N
# times through tracefs while a pipe writer keeps FN hot on another vCPU.
# Every cycle patches FN's text under a running caller, as scoped
# injection and bpftrace do. Prints the cycles done.
fn=$1 n=$2 i=0
t=/sys/kernel/tracing
[ -d $t/events ] || mount -t tracefs none $t || exit 2
( while :; do head -c 65536 /dev/zero 2>/dev/null; done | cat > /dev/null ) &
writer=$!
while [ $i -lt "$n" ]; do
	echo "p:labhammer $fn" > $t/kprobe_events || break
	echo 1 > $t/events/kprobes/labhammer/enable
	echo 0 > $t/events/kprobes/labhammer/enable
	echo > $t/kprobe_events
	i=$((i + 1))
done
kill $writer
echo "$i arm/disarm cycles"
[ "$i" = "$n" ]
