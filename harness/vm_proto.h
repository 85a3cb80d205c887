/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host side of `labyrinth vm` and the guest init agree on: the
 * control directory (a 9p share) and the files in it.
 */
#ifndef LABYRINTH_VM_PROTO_H
#define LABYRINTH_VM_PROTO_H

#define VM_CTL_TAG	"labctl"	/* 9p mount tag of the control dir */
#define VM_SHARE_TAG	"labshare"	/* + index: the shared directories */
#define VM_GUEST_CTL	"/run/labyrinth-vm"	/* where the guest mounts it */
#define VM_9P_MSIZE	512000

/* Written by the host, read by the guest. */
#define VM_CTL_ARGV	"argv"		/* NUL-separated command words */
#define VM_CTL_ENV	"env"		/* NUL-separated NAME=value */
#define VM_CTL_CWD	"cwd"		/* directory to run in */
#define VM_CTL_SHARES	"shares"	/* "tag\tpath\n" per share */
/*
 * "stdout N\nstderr N\n": is the host's stdout, stderr a terminal. The
 * command's stdout and stderr both reach the host's stdout; the guest
 * init gives the command a terminal only where the host's output is one
 * (its stderr: where the host's stdout and stderr both are), and a pipe
 * it relays otherwise. So a program in the guest draws progress lines
 * exactly when it would on the host, and logs get none.
 */
#define VM_CTL_TTY	"tty"
/* Written by the guest: "exit N", "signal N" or "error MESSAGE". */
#define VM_CTL_STATUS	"status"

#endif /* LABYRINTH_VM_PROTO_H */
