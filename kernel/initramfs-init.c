// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the initramfs that `labyrinth vm --kver stock` boots Debian's
 * stock kernel with (built statically by kernel/stock-kernel.sh).
 *
 * Debian builds 9p, virtio and virtio_pci as modules, so the kernel cannot
 * mount the host's root over 9p by itself the way the labyrinth test
 * kernels do. This init does the part of the boot the kernel would have
 * done, and nothing else:
 *   1. load /modules/NN-NAME.ko in name order (stock-kernel.sh numbered
 *      them in dependency order: virtio, virtio_pci, netfs, 9pnet, ...);
 *   2. mount root= (the 9p tag) with rootfstype= and rootflags= from the
 *      kernel command line, read-only unless "rw" is given: exactly what
 *      init/do_mounts.c does for the test kernels;
 *   3. empty the initramfs (its pages would otherwise stay allocated in a
 *      guest whose free pages the experiments count), move the new root
 *      over /, and exec init= (the runner's guest init, guest_init.c).
 * A failure is written to /dev/kmsg, so it lands in the host's
 * console.log, and the VM is stopped: the runner then reports that the
 * guest stopped without running the command, with this line as evidence.
 *
 * virtme-ng's virtme-mkinitramfs does the same with the host's busybox
 * and a shell script; a 200-line static C program needs no busybox on the
 * host and loads modules with the same finit_module(2) insmod uses.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MODULE_DIR	"/modules"
#define NEW_ROOT	"/root"
#define ARG_MAX_LEN	1024

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int fd, n;

	n = snprintf(buf, sizeof(buf), "<5>labyrinth-initramfs: ");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
		fputs(buf + 3, stderr);
	if (fd >= 0)
		close(fd);
}

/* Stop the VM: QEMU runs with -no-reboot, so a reboot ends it. */
static void __attribute__((noreturn)) give_up(void)
{
	say("cannot continue: stopping the VM");
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

/*
 * The next word of the kernel command line at *p (advanced past it), or
 * 0 at the end. Values have no quotes or spaces in what the runner passes.
 */
static size_t next_word(const char **p, const char **word)
{
	size_t len;

	*p += strspn(*p, " \n");
	len = strcspn(*p, " \n");
	*word = *p;
	*p += len;
	return len;
}

/* The value of the last NAME=VALUE word into out ("" if absent). */
static void cmdline_get(const char *cmdline, const char *name, char *out,
			size_t outlen)
{
	size_t n = strlen(name), len;
	const char *w;

	out[0] = '\0';
	while ((len = next_word(&cmdline, &w))) {
		if (len <= n || strncmp(w, name, n) || w[n] != '=')
			continue;
		len -= n + 1;
		if (len >= outlen)
			len = outlen - 1;
		memcpy(out, w + n + 1, len);
		out[len] = '\0';
	}
}

static int cmdline_has(const char *cmdline, const char *word)
{
	size_t len;
	const char *w;

	while ((len = next_word(&cmdline, &w)))
		if (len == strlen(word) && !strncmp(w, word, len))
			return 1;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Load every module, in name order; return how many failed. */
static int load_modules(void)
{
	struct dirent **ents;
	int n, i, failed = 0, loaded = 0;

	n = scandir(MODULE_DIR, &ents, NULL, by_name);
	if (n < 0) {
		say("no %s: %s", MODULE_DIR, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		char path[300];
		int fd;

		if (ents[i]->d_name[0] == '.')
			goto next;
		snprintf(path, sizeof(path), "%s/%s", MODULE_DIR,
			 ents[i]->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) &&
			       errno != EEXIST)) {
			say("loading %s failed: %s", path, strerror(errno));
			failed++;
		} else {
			loaded++;
		}
		if (fd >= 0)
			close(fd);
		/* the page cache of the initramfs goes back to the guest */
		unlink(path);
next:
		free(ents[i]);
	}
	free(ents);
	say("loaded %d modules%s", loaded, failed ? " (some failed)" : "");
	return failed;
}

int main(void)
{
	char cmdline[4096], root[ARG_MAX_LEN], fstype[64], flags[ARG_MAX_LEN];
	char init[ARG_MAX_LEN];
	unsigned long mflags = MS_RDONLY;
	ssize_t len;
	int fd;

	mkdir("/proc", 0555);
	mkdir("/dev", 0755);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) ||
	    mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755")) {
		say("mounting /proc or /dev failed: %s", strerror(errno));
		give_up();
	}
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	len = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (len <= 0) {
		say("cannot read /proc/cmdline");
		give_up();
	}
	cmdline[len] = '\0';
	cmdline_get(cmdline, "root", root, sizeof(root));
	cmdline_get(cmdline, "rootfstype", fstype, sizeof(fstype));
	cmdline_get(cmdline, "rootflags", flags, sizeof(flags));
	cmdline_get(cmdline, "init", init, sizeof(init));
	if (cmdline_has(cmdline, "rw"))
		mflags = 0;
	if (!root[0] || !fstype[0] || !init[0]) {
		say("the kernel command line needs root=, rootfstype= and init= (got: %s)",
		    cmdline);
		give_up();
	}

	load_modules();
	mkdir(NEW_ROOT, 0755);
	if (mount(root, NEW_ROOT, fstype, mflags, flags[0] ? flags : NULL)) {
		say("mounting root=%s (%s, %s) failed: %s: is the module for %s in the initramfs?",
		    root, fstype, flags, strerror(errno), fstype);
		give_up();
	}

	/*
	 * The guest init mounts /proc and /dev on the new root itself. What
	 * is left of the initramfs (this program) is freed once nothing
	 * refers to it: unlink it now, the exec below drops the mapping.
	 */
	umount2("/proc", MNT_DETACH);
	umount2("/dev", MNT_DETACH);
	unlink("/init");
	rmdir(MODULE_DIR);
	if (chdir(NEW_ROOT) || mount(".", "/", NULL, MS_MOVE, NULL) ||
	    chroot(".") || chdir("/")) {
		say("switching to the new root failed: %s", strerror(errno));
		give_up();
	}
	execl(init, init, (char *)NULL);
	say("cannot run init=%s: %s", init, strerror(errno));
	give_up();
}
