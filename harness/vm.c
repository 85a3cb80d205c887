// SPDX-License-Identifier: GPL-2.0
/*
 * The QEMU runner, host side. Boots the test kernel the way virtme-ng does
 * (the host's / read-only over virtio-9p, no disk image), runs one command
 * in the guest through the guest init (vm_guest_init.c), streams its output,
 * watches the console, and turns what happened into a verdict that a CI
 * can trust: a panic or a hang is never a pass, and a splat while the
 * command ran fails the run even if the command itself exited 0.
 */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm_console.h"
#include "util.h"
#include "vm_crash.h"
#include "vm_hang.h"
#include "vm_kernel.h"
#include "vm_proto.h"

extern char **environ;

const char *const vm_accels[] = { "auto", "kvm", "tcg", "tcg-multi", NULL };

void vm_opts_init(struct vm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->variant = "default";
	o->mem_mb = 1024;
	o->cpus = 2;
	o->timeout_s = 600;
	o->accel = "auto";
}

int vm_opts_set(struct vm_opts *o, const char *who, const char *name,
		const char *arg)
{
	uint64_t v;

	if (!strcmp(name, "mem")) {
		if (parse_u64(arg, 128, 65536, &v)) {
			lab_err("%s: --mem %s: expected MiB from 128 to 65536",
				who, arg);
			return -1;
		}
		o->mem_mb = (unsigned int)v;
	} else if (!strcmp(name, "cpus")) {
		if (parse_u64(arg, 1, 64, &v)) {
			lab_err("%s: --cpus %s: expected 1 to 64", who, arg);
			return -1;
		}
		o->cpus = (unsigned int)v;
	} else if (!strcmp(name, "variant")) {
		if (strcmp(arg, "default") && strcmp(arg, "debug")) {
			lab_err("%s: --variant %s: expected default or debug",
				who, arg);
			return -1;
		}
		if (o->kver && vm_kernel_opts_check(o->kver, arg, who))
			return -1;
		o->variant = arg;
	} else if (!strcmp(name, "timeout")) {
		if (parse_duration_ms(arg, 1000, VM_TIMEOUT_MAX_S * 1000ULL,
				      &v)) {
			lab_err("%s: --timeout %s: expected a duration from 1s "
				"to 7d, e.g. 90s or 10m", who, arg);
			return -1;
		}
		o->timeout_s = (unsigned int)((v + 999) / 1000);
	} else if (!strcmp(name, "accel")) {
		size_t i;

		for (i = 0; vm_accels[i] && strcmp(arg, vm_accels[i]); i++)
			;
		if (!vm_accels[i]) {
			lab_err("%s: --accel %s: expected auto, kvm, tcg or "
				"tcg-multi", who, arg);
			return -1;
		}
		o->accel = arg;
	} else if (!strcmp(name, "kver")) {
		if (vm_kernel_opts_check(arg, o->variant, who))
			return -1;
		o->kver = arg;
	} else {
		lab_err("%s: internal: unknown VM option %s", who, name);
		return -1;
	}
	return 0;
}

int vm_opts_getopt(struct vm_opts *o, const char *who, int c, char *arg)
{
	switch (c) {
	case 'k':
		o->kernel = arg;
		return 0;
	case VM_OPT_VARIANT:
		return vm_opts_set(o, who, "variant", arg);
	case VM_OPT_KVER:
		return vm_opts_set(o, who, "kver", arg);
	case 'm':
		return vm_opts_set(o, who, "mem", arg);
	case 'c':
		return vm_opts_set(o, who, "cpus", arg);
	case 't':
		return vm_opts_set(o, who, "timeout", arg);
	case VM_OPT_ACCEL:
		return vm_opts_set(o, who, "accel", arg);
	}
	return 1;
}

const char *vm_verdict_name(enum vm_verdict v)
{
	static const char *const names[] = {
		[VM_PASS] = "pass",
		[VM_CMD_FAILED] = "command-failed",
		[VM_SPLAT] = "splat",
		[VM_PANIC] = "panic",
		[VM_TIMEOUT] = "timeout",
		[VM_INFRA] = "infrastructure-error",
		[VM_NO_STATUS] = "no-status",
	};

	return (unsigned int)v < ARRAY_SIZE(names) ? names[v] : "?";
}

void vm_result_free(struct vm_result *r)
{
	free(r->out_dir);
	free(r->console_log);
	r->out_dir = r->console_log = NULL;
}

/* ------------------------------------------------------------------ */
/* Accelerator choice                                                  */

/*
 * Run a 1-byte guest (HLT) through KVM in a child with a deadline. Under
 * broken nested virtualisation /dev/kvm opens and VMs are created, but
 * KVM_RUN never comes back: only running something tells.
 */
static int kvm_probe_child(void)
{
	struct kvm_userspace_memory_region mem = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_run *run;
	int kvm, vmfd, vcpu, runsz;
	unsigned char *guest;

	alarm(3);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0 || ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return 1;
	vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vmfd < 0)
		return 2;
	guest = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (guest == MAP_FAILED)
		return 3;
	guest[0] = 0xf4; /* hlt */
	mem.guest_phys_addr = 0x1000;
	mem.memory_size = 0x1000;
	mem.userspace_addr = (unsigned long)guest;
	if (ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &mem) < 0)
		return 4;
	vcpu = ioctl(vmfd, KVM_CREATE_VCPU, 0);
	runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || runsz <= 0)
		return 5;
	run = mmap(NULL, (size_t)runsz, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return 6;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return 7;
	regs.rip = 0x1000;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return 8;
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return 9;
	return run->exit_reason == KVM_EXIT_HLT ? 0 : 10;
}

static int cpu_has_virt_flags(void)
{
	char *buf;
	int found = 0;
	char *line, *save = NULL;

	if (read_file("/proc/cpuinfo", &buf, NULL))
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "flags", 5) &&
		    (strstr(line, " vmx") || strstr(line, " svm")))
			found = 1;
	free(buf);
	return found;
}

const char *vm_pick_accel(const char *want, char *why, size_t whylen)
{
	pid_t pid;
	int st = 0;
	double deadline;

	if (!strcmp(want, "tcg") || !strcmp(want, "tcg-multi")) {
		snprintf(why, whylen, "asked for");
		return !strcmp(want, "tcg") ? "tcg" : "tcg-multi";
	}
	if (!strcmp(want, "kvm")) {
		snprintf(why, whylen, "asked for");
		return "kvm";
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		snprintf(why, whylen, "/dev/kvm not usable: %s",
			 strerror(errno));
		return "tcg";
	}
	if (!cpu_has_virt_flags()) {
		snprintf(why, whylen,
			 "no vmx/svm flag in /proc/cpuinfo (nested virtualisation off)");
		return "tcg";
	}
	pid = fork();
	if (pid == 0)
		_exit(kvm_probe_child());
	if (pid < 0) {
		snprintf(why, whylen, "cannot fork the KVM probe");
		return "tcg";
	}
	deadline = now_mono() + 3.0;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_mono() > deadline) {
			kill(pid, SIGKILL);
			/* A vCPU stuck in the kernel may not even die: leave it. */
			snprintf(why, whylen,
				 "KVM probe guest did not run within 3 s (broken nested virtualisation)");
			return "tcg";
		}
		usleep(20 * 1000);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		snprintf(why, whylen, "probe guest ran");
		return "kvm";
	}
	snprintf(why, whylen, "KVM probe failed (step %d)",
		 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return "tcg";
}

/* ------------------------------------------------------------------ */
/* QEMU command line                                                   */

/* QEMU option values escape ',' as ',,'. */
static char *qemu_escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 1), *o = out;

	for (; *s; s++) {
		*o++ = *s;
		if (*s == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

static void add_9p(struct argv *a, const char *id, const char *path,
		   const char *tag, int readonly)
{
	char *p = qemu_escape(path);

	argv_add(a, "-fsdev");
	/*
	 * security_model=none: files are the host's, as they are; remap:
	 * the host's / spans several filesystems whose inode numbers would
	 * collide in the guest (and /proc there misbehaves without it).
	 */
	argv_addf(a, "local,id=%s,path=%s%s,security_model=none,multidevs=remap",
		  id, p, readonly ? ",readonly=on" : "");
	argv_add(a, "-device");
	argv_addf(a, "virtio-9p-pci,fsdev=%s,mount_tag=%s", id, tag);
	free(p);
}

static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/*
 * TCG is single-threaded (one host thread runs the vCPUs in turn) unless
 * tcg-multi is asked for. Multi-threaded TCG (QEMU 7.2, Debian 12) goes
 * on running stale translated code after the guest patches its own text
 * while another vCPU executes it: arming a kprobe on a function another
 * vCPU is calling crashed the guest at RIP 0 within about 8 s of arm/
 * disarm cycles (2 of 2 boots), toggling the function tracer on it left
 * a vCPU looping on an int3 that memory no longer held (RCU stall);
 * single-threaded TCG ran 3000 and 1000 of those cycles clean. kprobes
 * (scoped injection, bpftrace), ftrace and static keys all patch text,
 * so a crash verdict from multi-threaded TCG is not the kernel's.
 */
static const char *tcg_accel_arg(const char *accel)
{
	if (!strcmp(accel, "kvm"))
		return "kvm";
	return !strcmp(accel, "tcg-multi") ? "tcg,thread=multi" :
					     "tcg,thread=single";
}

static void build_qemu_argv(struct argv *a, const struct vm_opts *o,
			    const char *accel, const char *kernel,
			    const char *initrd, const char *init,
			    const char *dir, const struct vm_hang *hang)
{
	char *cmdline, *p, *q;
	size_t i;

	argv_add(a, getenv("LABYRINTH_QEMU") ? getenv("LABYRINTH_QEMU") :
						 "qemu-system-x86_64");
	argv_add(a, "-name");
	argv_add(a, "labyrinth");
	/* Only the devices asked for below: no NIC, VGA, floppy, monitor. */
	argv_add(a, "-nodefaults");
	argv_add(a, "-no-user-config");
	argv_add(a, "-display");
	argv_add(a, "none");
	argv_add(a, "-machine");
	argv_add(a, "pc");
	argv_add(a, "-accel");
	argv_add(a, tcg_accel_arg(accel));
	argv_add(a, "-cpu");
	argv_add(a, !strcmp(accel, "kvm") ? "host" : "max");
	argv_add(a, "-m");
	argv_addf(a, "%u", o->mem_mb);
	argv_add(a, "-smp");
	argv_addf(a, "%u", o->cpus);
	argv_add(a, "-kernel");
	argv_add(a, kernel);
	/* the stock kernel's 9p and virtio are modules: vm_kernel.h */
	if (initrd) {
		argv_add(a, "-initrd");
		argv_add(a, initrd);
	}

	/*
	 * console on ttyS0 only; root is the 9p share tagged /dev/root (that
	 * name is what init/do_mounts.c hands to the 9p mount); panic=-1
	 * reboots at once on panic, and -no-reboot turns any reboot into
	 * QEMU's exit, so a panic ends the run instead of hanging it;
	 * printk.devkmsg=on keeps our /dev/kmsg markers from being rate
	 * limited; loglevel=7 keeps WARNINGs (level 4) on the console;
	 * unknown_nmi_panic turns the hang probe's last resort, an NMI
	 * from the monitor, into a panic that prints where the CPU was
	 * (vm_hang.h). Nothing else sends this guest an NMI of unknown
	 * source.
	 */
	cmdline = xasprintf("console=ttyS0,115200 loglevel=7 printk.devkmsg=on "
			    "root=/dev/root rootfstype=9p "
			    "rootflags=trans=virtio,version=9p2000.L,msize=%d,cache=loose "
			    "ro init=%s panic=-1 8250.nr_uarts=2 "
			    "mitigations=off unknown_nmi_panic%s%s%s%s",
			    VM_9P_MSIZE, init,
			    o->panic_on_oops ? " oops=panic" : "",
			    o->panic_on_warn ? " panic_on_warn=1" : "",
			    o->append ? " " : "", o->append ? o->append : "");
	argv_add(a, "-append");
	argv_add(a, cmdline);
	free(cmdline);

	add_9p(a, "root", "/", "/dev/root", 1);
	p = xasprintf("%s/ctl", dir);
	add_9p(a, "ctl", p, VM_CTL_TAG, 0);
	free(p);
	for (i = 0; i < o->nshares; i++) {
		char *id = xasprintf("share%zu", i);
		char *tag = xasprintf("%s%zu", VM_SHARE_TAG, i);

		add_9p(a, id, o->shares[i], tag, 0);
		free(id);
		free(tag);
	}
	for (i = 0; o->devices && o->devices[i]; i++)
		argv_add(a, o->devices[i]);
	/* The kernel RNG seeds at once instead of waiting on jitter. */
	argv_add(a, "-device");
	argv_add(a, "virtio-rng-pci");
	/*
	 * ttyS0: kernel console, a telnet server socket nobody is connected
	 * to until the hang probe: its logfile is console.log, written all
	 * along, and an IAC BREAK sent to it is a serial break (sysrq).
	 * The human monitor serves the probe's NMI.
	 */
	p = qemu_escape(hang->con_path);
	q = qemu_escape(hang->log_path);
	argv_add(a, "-chardev");
	argv_addf(a, "socket,id=con,path=%s,server=on,wait=off,telnet=on,"
		  "logfile=%s", p, q);
	free(p);
	free(q);
	argv_add(a, "-serial");
	argv_add(a, "chardev:con");
	p = qemu_escape(hang->mon_path);
	argv_add(a, "-chardev");
	argv_addf(a, "socket,id=mon,path=%s,server=on,wait=off", p);
	free(p);
	argv_add(a, "-mon");
	argv_add(a, "chardev=mon,mode=readline");
	/* ttyS1: the command's stdout+stderr. */
	p = qemu_escape(dir);
	argv_add(a, "-chardev");
	argv_addf(a, "file,id=out,path=%s/output.log", p);
	argv_add(a, "-serial");
	argv_add(a, "chardev:out");
	free(p);
	argv_add(a, "-no-reboot");
}

static void print_shell_quoted(FILE *f, char *const *v)
{
	size_t i;

	for (i = 0; v[i]; i++) {
		const char *s = v[i];

		if (i)
			fputc(' ', f);
		if (*s && !strpbrk(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~")) {
			fputs(s, f);
			continue;
		}
		fputc('\'', f);
		for (; *s; s++) {
			if (*s == '\'')
				fputs("'\\''", f);
			else
				fputc(*s, f);
		}
		fputc('\'', f);
	}
	fputc('\n', f);
}

/* ------------------------------------------------------------------ */
/* Control directory                                                   */

/* One control file from a memstream's buffer (which it frees). */
static int ctl_file(const char *ctl, const char *name, char *buf, size_t len)
{
	char *path = xasprintf("%s/%s", ctl, name);
	int err = write_file(path, buf, len);

	free(path);
	free(buf);
	return err;
}

/* NUL-separated words, as the guest's split0() reads them. */
static int ctl_words(const char *ctl, const char *name, char *const *v)
{
	char *buf = NULL;
	size_t i, len = 0;
	FILE *m = open_memstream(&buf, &len);

	for (i = 0; v[i]; i++)
		fwrite(v[i], 1, strlen(v[i]) + 1, m);
	fclose(m);
	return ctl_file(ctl, name, buf, len);
}

static int write_ctl(const char *dir, const struct vm_opts *o,
		     char *const argv[])
{
	char *ctl = xasprintf("%s/ctl", dir), *cwd = getcwd(NULL, 0);
	char *buf = NULL;
	size_t i, len = 0;
	FILE *m;
	int err;

	err = mkdir_p(ctl, 0755);
	if (!err)
		err = ctl_words(ctl, VM_CTL_ARGV, argv);
	if (!err)
		err = ctl_words(ctl, VM_CTL_ENV, environ);
	if (!err)
		err = ctl_file(ctl, VM_CTL_CWD, xstrdup(cwd ? cwd : "/"),
			       strlen(cwd ? cwd : "/"));
	if (!err) {
		m = open_memstream(&buf, &len);
		for (i = 0; i < o->nshares; i++)
			fprintf(m, "%s%zu\t%s\n", VM_SHARE_TAG, i,
				o->shares[i]);
		fclose(m);
		err = ctl_file(ctl, VM_CTL_SHARES, buf, len);
	}
	if (!err) {
		/* the command's output lands on our stdout: it may draw a
		 * progress line only if people watch it (vm_proto.h) */
		buf = xasprintf("stdout %d\nstderr %d\n", isatty(1), isatty(2));
		err = ctl_file(ctl, VM_CTL_TTY, buf, strlen(buf));
	}
	free(cwd);
	free(ctl);
	return err;
}

/* ------------------------------------------------------------------ */
/* Running                                                             */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* Follow a growing file: hand new bytes to the callback. */
struct tail {
	int fd;
	char *path;
};

static void tail_open(struct tail *t)
{
	if (t->fd < 0)
		t->fd = open(t->path, O_RDONLY | O_CLOEXEC);
}

static size_t tail_read(struct tail *t, char *buf, size_t cap)
{
	ssize_t n;

	tail_open(t);
	if (t->fd < 0)
		return 0;
	n = read(t->fd, buf, cap);
	return n > 0 ? (size_t)n : 0;
}

/* Console lines arrive in pieces; classify only whole ones. */
struct line_feed {
	char *carry;
	size_t len;
};

static void feed_console(struct console_scan *s, struct line_feed *lf,
			 const char *buf, size_t n, int final)
{
	char *joined;
	size_t total, upto;
	char *last_nl;

	total = lf->len + n;
	joined = xmalloc(total + 1);
	if (lf->len)
		memcpy(joined, lf->carry, lf->len);
	memcpy(joined + lf->len, buf, n);
	joined[total] = '\0';
	last_nl = memrchr(joined, '\n', total);
	upto = final ? total : (last_nl ? (size_t)(last_nl - joined) + 1 : 0);
	if (upto)
		console_scan_buf(s, joined, upto);
	free(lf->carry);
	lf->len = total - upto;
	lf->carry = xmalloc(lf->len + 1);
	memcpy(lf->carry, joined + upto, lf->len);
	free(joined);
}

static int parse_status(const char *dir, int *cmd_status, char *err,
			size_t errlen)
{
	char *path = xasprintf("%s/ctl/%s", dir, VM_CTL_STATUS), *buf;
	int v, ret = -1;

	if (read_file(path, &buf, NULL)) {
		free(path);
		return -1;
	}
	free(path);
	if (sscanf(buf, "exit %d", &v) == 1) {
		*cmd_status = v;
		ret = 0;
	} else if (sscanf(buf, "signal %d", &v) == 1) {
		*cmd_status = 128 + v;
		ret = 0;
	} else if (!strncmp(buf, "error ", 6)) {
		snprintf(err, errlen, "guest init: %.*s",
			 (int)strcspn(buf + 6, "\n"), buf + 6);
		ret = -2;
	}
	free(buf);
	return ret;
}

static void write_verdict_json(const char *dir, const struct vm_result *r,
			       const struct console_scan *s, int timed_out,
			       const struct crash_report *crash,
			       const struct hang_report *hang)
{
	json_t *j = json_object(), *counts = json_object(), *cj = json_null();
	json_t *hj = json_null();
	char *path, *text;
	int k;

	for (k = CON_PANIC; k < CON_CMD_START; k++)
		if (s->count[k])
			json_object_set_new(counts, console_kind_name(k),
					    json_integer(s->count[k]));
	json_object_set_new(j, "verdict",
			    json_string(vm_verdict_name(r->verdict)));
	json_object_set_new(j, "exit_code", json_integer(r->exit_code));
	json_object_set_new(j, "command_status",
			    r->cmd_status >= 0 ? json_integer(r->cmd_status) :
						 json_null());
	json_object_set_new(j, "evidence", json_string(r->evidence));
	json_object_set_new(j, "evidence_line",
			    json_integer(r->evidence_line));
	json_object_set_new(j, "panic", r->panic[0] ? json_string(r->panic) :
			    json_null());
	json_object_set_new(j, "panic_line", r->panic_line ?
			    json_integer(r->panic_line) : json_null());
	if (crash) {
		cj = json_object();
		crash_json_fill(cj, crash, 0);
	}
	json_object_set_new(j, "crash", cj);
	if (hang) {
		hj = json_object();
		hang_json_fill(hj, hang);
	}
	json_object_set_new(j, "hang", hj);
	json_object_set_new(j, "console_log", json_string(r->console_log));
	json_object_set_new(j, "accel", json_string(r->accel));
	json_object_set_new(j, "boot_s", json_real(r->boot_s));
	json_object_set_new(j, "total_s", json_real(r->total_s));
	json_object_set_new(j, "timed_out", json_boolean(timed_out));
	json_object_set_new(j, "console_events", counts);
	text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	path = xasprintf("%s/verdict.json", dir);
	if (text && write_file_atomic(path, text, strlen(text)))
		lab_warn("cannot write %s", path);
	free(path);
	free(text);
	json_decref(j);
}

static unsigned int splat_count(const struct console_scan *s)
{
	unsigned int n = 0;
	int k;

	for (k = CON_PANIC; k < CON_KIND_MAX; k++)
		if (console_kind_is_splat(k))
			n += s->count[k];
	return n;
}

/* A splat's evidence is the crash parser's reading of it, when it has one. */
static void set_evidence(struct vm_result *r, const struct console_event *e,
			 const struct crash_report *crash)
{
	if (crash && crash->line == e->line)
		crash_evidence(crash, r->evidence, sizeof(r->evidence));
	else
		snprintf(r->evidence, sizeof(r->evidence), "%s", e->text);
	r->evidence_line = e->line;
}

/*
 * A timeout's evidence: the first splat before the probe if there was
 * one (a soft lockup report names where), and what the probe found.
 */
static void judge_timeout(struct vm_result *r, const struct vm_opts *o,
			  const struct console_scan *s,
			  const struct crash_report *crash,
			  const struct hang_report *hang)
{
	unsigned int probe = hang ? hang->line : 0;
	char found[400] = "";
	size_t n;

	r->verdict = VM_TIMEOUT;
	r->exit_code = VM_EXIT_TIMEOUT;
	if (hang)
		hang_summary(hang, found, sizeof(found));
	if (s->first_splat >= 0 &&
	    (!probe || s->ev[s->first_splat].line < probe)) {
		set_evidence(r, &s->ev[s->first_splat], crash);
		n = strlen(r->evidence);
		if (found[0])
			snprintf(r->evidence + n, sizeof(r->evidence) - n,
				 "; at the timeout: %s", found);
		return;
	}
	snprintf(r->evidence, sizeof(r->evidence),
		 "no result within %u s (%s)%s%s%s%s", o->timeout_s,
		 s->cmd_started ? "command was running" :
				  "guest never started the command",
		 hang ? "; " : "", hang ? hang->how : "",
		 hang ? ": " : "",
		 hang ? (found[0] ? found : "no answer") : "");
	r->evidence_line = probe;
}

/*
 * Decide, from everything seen, what the run was. The evidence is the
 * first splat, the one the rest usually follows from, not the panic it
 * ended in ("Fatal exception in interrupt" names no culprit): that is
 * kept in r->panic. A panic after the hang probe began is the probe's
 * (its NMI), not the guest's.
 */
static void judge(struct vm_result *r, const struct vm_opts *o,
		  const struct console_scan *s, int timed_out, int have_status,
		  int qemu_status, const char *guest_err, const char *dir,
		  const struct crash_report *crash,
		  const struct hang_report *hang)
{
	if (s->first_panic >= 0 &&
	    (!hang || s->ev[s->first_panic].line < hang->line)) {
		snprintf(r->panic, sizeof(r->panic), "%s",
			 s->ev[s->first_panic].text);
		r->panic_line = s->ev[s->first_panic].line;
		r->verdict = VM_PANIC;
		r->exit_code = VM_EXIT_PANIC;
		set_evidence(r, &s->ev[s->first_splat], crash);
		return;
	}
	if (timed_out) {
		judge_timeout(r, o, s, crash, hang);
		return;
	}
	if (!have_status) {
		if (guest_err && *guest_err) {
			r->verdict = VM_INFRA;
			r->exit_code = VM_EXIT_INFRA;
			snprintf(r->evidence, sizeof(r->evidence), "%s",
				 guest_err);
		} else if (!s->lines) {
			char *log = xasprintf("%s/qemu.log", dir), *buf = NULL;

			r->verdict = VM_INFRA;
			r->exit_code = VM_EXIT_INFRA;
			if (!read_file(log, &buf, NULL) && *buf)
				snprintf(r->evidence, sizeof(r->evidence),
					 "QEMU exited %d before the kernel said anything: %.*s",
					 qemu_status, (int)strcspn(buf, "\n"), buf);
			else
				snprintf(r->evidence, sizeof(r->evidence),
					 "QEMU exited %d before the kernel said anything",
					 qemu_status);
			free(log);
			free(buf);
		} else {
			r->verdict = VM_NO_STATUS;
			r->exit_code = VM_EXIT_NO_STATUS;
			if (s->first_splat >= 0)
				set_evidence(r, &s->ev[s->first_splat], crash);
			else
				snprintf(r->evidence, sizeof(r->evidence),
					 "the guest stopped without reporting the command's status (%s)",
					 s->cmd_started ? "command had started" :
							  "command never started: did the root filesystem mount?");
		}
		return;
	}
	if (s->first_splat >= 0 && !o->ignore_splats) {
		r->verdict = VM_SPLAT;
		r->exit_code = VM_EXIT_SPLAT;
		set_evidence(r, &s->ev[s->first_splat], crash);
		return;
	}
	r->exit_code = r->cmd_status;
	r->verdict = r->cmd_status ? VM_CMD_FAILED : VM_PASS;
	snprintf(r->evidence, sizeof(r->evidence), "command exited %d",
		 r->cmd_status);
}

/* One boot of QEMU: what vm_run() holds while it runs. */
struct vm_session {
	const struct vm_opts *o;
	struct vm_result *r;
	char *kernel, *initrd, *init, *dir;
	struct vm_hang hang;		/* asks a hung guest where it is */
	struct hang_report hr;
	struct crash_report crash;	/* the first splat, attributed */
	int have_crash;
	const char *accel;
	char why[160];			/* why this accelerator */
	bool temp_dir, dry_run;
	struct argv qa;
	struct console_scan scan;
	struct line_feed lf;
	struct tail con, out;
	struct progress prog;
	pid_t qemu;
	int qst, timed_out;
	double t0, cmd_t;
	char guest_err[256];
	char buf[65536];
};

/* The VM could not run: the verdict, and why. Returns -1. */
static int __attribute__((format(printf, 2, 3)))
vm_infra(struct vm_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->r->evidence, sizeof(s->r->evidence), fmt, ap);
	va_end(ap);
	s->r->verdict = VM_INFRA;
	s->r->exit_code = VM_EXIT_INFRA;
	return -1;
}

/* Where the logs go: the asked directory, or a temporary one. */
static int vm_log_dir(struct vm_session *s)
{
	const struct vm_opts *o = s->o;
	int err;

	if (o->out_dir) {
		err = mkdir_p(o->out_dir, 0755);
		if (err)
			return vm_infra(s, "cannot create output directory "
					"%s: %s", o->out_dir, strerror(-err));
		s->dir = realpath(o->out_dir, NULL);
	} else {
		const char *tmp = getenv("TMPDIR");
		char *tmpl = xasprintf("%s/labyrinth-vm.XXXXXX",
				       tmp && *tmp ? tmp : "/tmp");

		s->dir = mkdtemp(tmpl) ? tmpl : (free(tmpl), NULL);
		s->temp_dir = true;
	}
	if (!s->dir)
		return vm_infra(s, "cannot create a directory for the VM's "
				"logs: %s", strerror(errno));
	s->r->out_dir = xstrdup(s->dir);
	s->r->console_log = xasprintf("%s/console.log", s->dir);
	vm_hang_init(&s->hang, s->dir);
	return 0;
}

/* Everything QEMU needs, checked before it starts. */
static int vm_prepare(struct vm_session *s, char *const argv[])
{
	const struct vm_opts *o = s->o;
	size_t i;
	int err;

	if (vm_log_dir(s))
		return -1;
	build_qemu_argv(&s->qa, o, s->accel, s->kernel, s->initrd,
			s->init ? s->init : "/proc/self/exe", s->dir, &s->hang);
	if (o->show_command || o->dry_run) {
		printf("# accel: %s (%s)\n", s->accel, s->why);
		print_shell_quoted(stdout, s->qa.v);
		fflush(stdout);
	}
	if (o->dry_run) {
		s->dry_run = true;
		s->r->verdict = VM_PASS;
		s->r->exit_code = 0;
		snprintf(s->r->evidence, sizeof(s->r->evidence), "dry run");
		return -1;
	}
	if (access(s->kernel, R_OK) ||
	    (s->initrd && access(s->initrd, R_OK))) {
		vm_kernel_missing(o, s->kernel, s->initrd, s->r->evidence,
				  sizeof(s->r->evidence));
		s->r->verdict = VM_INFRA;
		s->r->exit_code = VM_EXIT_INFRA;
		return -1;
	}
	if (!s->init)
		return vm_infra(s, "cannot find this program's own path for "
				"init=");
	for (i = 0; i < o->nshares; i++) {
		struct stat st;

		if (stat(o->shares[i], &st) || !S_ISDIR(st.st_mode))
			return vm_infra(s, "shared directory %s does not exist "
					"(create it first)", o->shares[i]);
	}
	err = write_ctl(s->dir, o, argv);
	if (err)
		return vm_infra(s, "cannot write the control directory in %s: "
				"%s", s->dir, strerror(-err));
	s->con.path = xasprintf("%s/console.log", s->dir);
	s->out.path = xasprintf("%s/output.log", s->dir);
	/* QEMU creates them; make sure a stale one is never read. */
	unlink(s->con.path);
	unlink(s->out.path);
	return 0;
}

static int vm_spawn(struct vm_session *s)
{
	pid_t parent = getpid();

	s->t0 = now_mono();
	s->qemu = fork();
	if (s->qemu == 0) {
		char *log = xasprintf("%s/qemu.log", s->dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_RDONLY);

		/* Ctrl-C is ours to handle: QEMU gets a clean stop from us. */
		setpgid(0, 0);
		/* and it never outlives us, however we end (a soak's
		 * SIGKILL after its grace, the OOM killer): a VM nobody
		 * watches would hold a CPU until its own timeout, forever */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		dup2(null, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(s->qa.v[0], s->qa.v);
		fprintf(stderr, "cannot run %s: %s\n", s->qa.v[0],
			strerror(errno));
		_exit(127);
	}
	if (s->qemu < 0)
		return vm_infra(s, "fork failed: %s", strerror(errno));
	return 0;
}

/* The guest's output to our stdout, the console to the scanner. */
static void vm_pump(struct vm_session *s, int final)
{
	size_t n;

	while ((n = tail_read(&s->out, s->buf, sizeof(s->buf))) > 0) {
		progress_clear(&s->prog);
		fwrite(s->buf, 1, n, stdout);
		fflush(stdout);
	}
	while ((n = tail_read(&s->con, s->buf, sizeof(s->buf))) > 0)
		feed_console(&s->scan, &s->lf, s->buf, n, 0);
	if (final)
		feed_console(&s->scan, &s->lf, "", 0, 1);
}

/* Until QEMU exits, the deadline passes or we are told to stop. */
static void vm_watch(struct vm_session *s, const char *what)
{
	double deadline = s->t0 + s->o->timeout_s;
	int i;

	for (;;) {
		pid_t w = waitpid(s->qemu, &s->qst, WNOHANG);

		vm_pump(s, 0);
		if (s->scan.cmd_started && !s->cmd_t)
			s->cmd_t = now_mono();
		if (w == s->qemu)
			break;
		if (got_signal || now_mono() > deadline) {
			s->timed_out = !got_signal;
			/* First ask the guest where it is stuck (vm_hang.h). */
			if (s->timed_out &&
			    vm_hang_probe(&s->hang, now_mono())) {
				progress_update(&s->prog, "[vm %s] timeout: "
						"asking the guest for "
						"backtraces", s->accel);
				usleep(50 * 1000);
				continue;
			}
			kill(s->qemu, SIGTERM);
			for (i = 0; i < 40 && waitpid(s->qemu, &s->qst,
						      WNOHANG) == 0; i++)
				usleep(50 * 1000);
			if (i == 40) {
				kill(s->qemu, SIGKILL);
				waitpid(s->qemu, &s->qst, 0);
			}
			break;
		}
		if (s->scan.cmd_started)
			progress_update(&s->prog, "[vm %s] running %s | splats "
					"%u oom-kills %u", s->accel, what,
					splat_count(&s->scan),
					s->scan.count[CON_OOM_KILL]);
		else
			progress_update(&s->prog, "[vm %s] booting | console "
					"%u lines", s->accel, s->scan.lines);
		usleep(50 * 1000);
	}
	s->r->total_s = now_mono() - s->t0;
	s->r->boot_s = s->cmd_t ? s->cmd_t - s->t0 : 0;
	progress_clear(&s->prog);
	vm_pump(s, 1);
}

/* Boot, run, watch, judge: the part under our signal handlers. */
static void vm_boot(struct vm_session *s, char *const argv[])
{
	struct sigaction sa = { 0 }, old_int, old_term;
	struct vm_result *r = s->r;
	int have_status;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	got_signal = 0;
	progress_init(&s->prog);
	if (s->o->quiet)
		s->prog.enabled = 0;
	if (vm_spawn(s))
		goto restore;
	vm_watch(s, argv[0]);
	if (got_signal) {
		snprintf(r->evidence, sizeof(r->evidence),
			 "interrupted by signal %d", (int)got_signal);
		r->verdict = VM_INFRA;
		r->exit_code = 128 + got_signal;
		goto restore;
	}
	have_status = parse_status(s->dir, &r->cmd_status, s->guest_err,
				   sizeof(s->guest_err)) == 0;
	s->have_crash = vm_hang_read_console(&s->hang, r->console_log,
					     &s->crash, &s->hr);
	judge(r, s->o, &s->scan, s->timed_out, have_status,
	      WIFEXITED(s->qst) ? WEXITSTATUS(s->qst) :
	      128 + WTERMSIG(s->qst), s->guest_err, s->dir,
	      s->have_crash ? &s->crash : NULL,
	      vm_hang_started(&s->hang) ? &s->hr : NULL);
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

/* The verdict line (and verdict.json); the temporary logs after a pass. */
static void vm_report(struct vm_session *s)
{
	const struct vm_opts *o = s->o;
	struct vm_result *r = s->r;
	int k;

	if (s->dir && !s->dry_run)
		write_verdict_json(s->dir, r, &s->scan, s->timed_out,
				   s->have_crash ? &s->crash : NULL,
				   vm_hang_started(&s->hang) ? &s->hr : NULL);
	if (s->dry_run || (o->quiet && r->verdict == VM_PASS))
		goto cleanup;
	if (r->verdict == VM_PASS || r->verdict == VM_CMD_FAILED)
		fprintf(stderr, "labyrinth vm: %s: %s (%s, boot %.1fs, total "
			"%.1fs)\n", vm_verdict_name(r->verdict), r->evidence,
			r->accel, r->boot_s, r->total_s);
	else if (r->evidence_line)
		fprintf(stderr, "labyrinth vm: %s: %s\n  evidence: %s:%u\n",
			vm_verdict_name(r->verdict), r->evidence,
			r->console_log, r->evidence_line);
	else
		fprintf(stderr, "labyrinth vm: %s: %s\n  logs: %s\n",
			vm_verdict_name(r->verdict), r->evidence,
			s->dir ? s->dir : "(none)");
	if (r->panic_line && r->panic_line != r->evidence_line)
		fprintf(stderr, "  then: %s (line %u)\n", r->panic,
			r->panic_line);
	if (r->verdict == VM_SPLAT || r->verdict == VM_PANIC) {
		fprintf(stderr, "  console:");
		for (k = CON_PANIC; k < CON_CMD_START; k++)
			if (s->scan.count[k])
				fprintf(stderr, " %s=%u", console_kind_name(k),
					s->scan.count[k]);
		fputc('\n', stderr);
	}
cleanup:
	if (s->temp_dir && s->dir &&
	    (s->dry_run || (!o->keep && r->verdict == VM_PASS))) {
		remove_tree(s->dir);
		free(r->out_dir);
		free(r->console_log);
		r->out_dir = r->console_log = NULL;
	}
}

int vm_run(const struct vm_opts *o, char *const argv[], struct vm_result *r)
{
	struct vm_session *s = xcalloc(1, sizeof(*s));
	int ret;

	memset(r, 0, sizeof(*r));
	r->cmd_status = -1;
	s->o = o;
	s->r = r;
	s->con.fd = s->out.fd = -1;
	console_scan_init(&s->scan);
	vm_kernel_boot_files(o, &s->kernel, &s->initrd);
	s->init = self_exe();
	s->accel = vm_pick_accel(o->accel, s->why, sizeof(s->why));
	snprintf(r->accel, sizeof(r->accel), "%s", s->accel);
	if (vm_prepare(s, argv) == 0)
		vm_boot(s, argv);
	vm_report(s);
	if (s->con.fd >= 0)
		close(s->con.fd);
	if (s->out.fd >= 0)
		close(s->out.fd);
	free(s->con.path);
	free(s->out.path);
	free(s->lf.carry);
	argv_free(&s->qa);
	vm_hang_free(&s->hang);
	console_scan_free(&s->scan);
	free(s->kernel);
	free(s->initrd);
	free(s->init);
	free(s->dir);
	ret = r->exit_code;
	free(s);
	return ret;
}
