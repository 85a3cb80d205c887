/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernels `labyrinth vm --kver` boots, in one table: the 6.1 and 6.12
 * test kernels built from Debian's source packages
 * (kernel/build-kernel.sh) and Debian's stock generic kernel
 * (kernel/stock-kernel.sh), where each one's files are, and what differs
 * between them that a report must name: GFP flag values, where
 * fail_page_alloc lives, and the watermark rules an atomic allocation
 * gets. kernel/KERNELS.md cites the source lines behind every fact here.
 */
#ifndef LABYRINTH_VM_KERNEL_H
#define LABYRINTH_VM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

struct scenario;
struct vm_opts;

#define VM_KVER_DEFAULT "6.1"

/* What the allocator does with one kind of request, in one kernel. */
struct vm_gfp_rule {
	const char *gfp;		/* "GFP_ATOMIC" */
	unsigned int value;		/* its bits in this kernel */
	const char *flags;		/* "__GFP_HIGH|__GFP_KSWAPD_RECLAIM" */
	const char *alloc_flags;	/* what gfp_to_alloc_flags() makes of
					 * it for an order-0 request */
	double min_fraction;		/* free pages it may take the zone
					 * down to, as a fraction of min; 0:
					 * no watermark at all */
};

enum vm_gfp_kind {
	VM_GFP_ATOMIC,
	VM_GFP_NOWAIT,
	VM_GFP_MEMALLOC,	/* GFP_ATOMIC | __GFP_MEMALLOC */
	VM_GFP_KINDS,
};

/* One __GFP_ flag of a kernel (include/linux/gfp_types.h). */
struct vm_gfp_flag {
	const char *name;		/* "__GFP_HIGH" */
	unsigned int value;
};

/* The page allocator's reserve rules of one source tree. */
struct vm_reserve_rules {
	const char *id;			/* short name for reports */
	const char *source;		/* upstream version of mm/ */
	const char *summary;		/* one line for a report */
	struct vm_gfp_rule gfp[VM_GFP_KINDS];
	const char *highatomic;		/* who may take MIGRATE_HIGHATOMIC */
	const char *pcp;		/* how far past one watermark check a
					 * per-CPU list refill takes a zone */
	const struct vm_gfp_flag *flags;	/* its __GFP_ flags */
	size_t nflags;
};

struct vm_kernel {
	const char *name;		/* --kver */
	const char *what;		/* one line for --help and reports */
	const char *package;		/* where it comes from */
	bool has_debug;			/* VARIANT=debug exists */
	bool has_initrd;		/* boots through our initramfs */
	const struct vm_reserve_rules *rules;
	const char *fail_page_alloc;	/* where it lives, its debugfs */
};

/*
 * The value of a GFP name ("GFP_ATOMIC") as the running kernel itself
 * defines it, from the flag table in a tracepoint format (e.g.
 * /sys/kernel/tracing/events/kmem/mm_page_alloc/format): works on any
 * kernel, in the table or not. 0, or -1 if the name is not there or its
 * expression is not understood.
 */
#define VM_GFP_FORMAT "/sys/kernel/tracing/events/kmem/mm_page_alloc/format"
int vm_kernel_gfp_from_format(const char *format, const char *name,
			      unsigned long *value);

/*
 * A __GFP_ flag's value in a kernel: 0, -ENOENT (this kernel has no such
 * flag). vm_kernel_gfp_flag_known: does any kernel of the table have it?
 */
int vm_kernel_gfp_flag(const struct vm_reserve_rules *r, const char *name,
		       unsigned long *value);
bool vm_kernel_gfp_flag_known(const char *name);

/*
 * --kver KVER with --variant VARIANT: 0, or -1 after an error naming WHO
 * (the command). The stock kernel has no debug variant.
 */
int vm_kernel_opts_check(const char *kver, const char *variant,
			 const char *who);

/*
 * The kernel image and initramfs (NULL: none) a VM with these options
 * boots, malloc'd: --kernel PATH, else --kver's cached kernel, else
 * $LABYRINTH_KERNEL, else the 6.1 test kernel.
 */
void vm_kernel_boot_files(const struct vm_opts *o, char **image,
			  char **initrd);
/* Why those files cannot be booted, and how to get them, into buf. */
void vm_kernel_missing(const struct vm_opts *o, const char *image,
		       const char *initrd, char *buf, size_t len);

/* Kernel config options the runner and the module care about. */
enum vm_kernel_feature {
	VMK_FAULT_INJECTION,		/* the module's private attribute */
	VMK_FAIL_PAGE_ALLOC,
	VMK_FAILSLAB,
	VMK_FAULT_INJECTION_DEBUG_FS,
	VMK_BPF_KPROBE_OVERRIDE,	/* scope = module:/function: */
	VMK_KPROBES,
	VMK_KRETPROBES,			/* counting fail_page_alloc's failures */
	VMK_KASAN,
	VMK_PROVE_LOCKING,
	VMK_LKDTM,
	VMK_FEATURES,
};

/* "CONFIG_FAIL_PAGE_ALLOC" */
const char *vm_kernel_feature_config(enum vm_kernel_feature f);

const struct vm_kernel *vm_kernel_find(const char *name);
/* Every row, for listing. */
const struct vm_kernel *vm_kernel_table(size_t *n);
/* "6.1, 6.12 or stock", for error messages and --help */
const char *vm_kernel_names(void);
/*
 * The row for a running kernel's `uname -r`: the stock kernel is
 * "6.1.0-N-amd64", the test kernels "6.1.X" and "6.12.X"; NULL for any
 * other kernel (then no rule set is assumed).
 */
const struct vm_kernel *vm_kernel_for_release(const char *release);

/*
 * Files of the cached kernel (kernel/build-kernel.sh makes the same names
 * in every kernel directory): "bzImage", "initrd", "config", "kdir",
 * "moddir", "release". Returns a malloc'd path under
 * $LABYRINTH_CACHE/kernel/current-NAME-VARIANT/, or NULL for an initrd of
 * a kernel that needs none. Does not check that it exists.
 */
char *vm_kernel_path(const struct vm_kernel *k, const char *variant,
		     const char *file);

/*
 * Is CONFIG_X of that kernel y or m? 1 yes, 0 no, -1 its config cannot be
 * read (not built yet).
 */
int vm_kernel_has(const struct vm_kernel *k, const char *variant,
		  enum vm_kernel_feature f);

/*
 * The first kernel option the scenario needs that this kernel lacks, with
 * what needs it, in why (e.g. "[fail_page_alloc] scope = system needs
 * CONFIG_FAIL_PAGE_ALLOC"); NULL when it has them all or its config cannot
 * be read (the guest then decides).
 */
const char *vm_kernel_scenario_lacks(const struct vm_kernel *k,
				     const char *variant,
				     const struct scenario *sc, char *why,
				     size_t whylen);

/*
 * For `vm run`: does the scenario need what the --kver kernel lacks? Then
 * say so (naming the CONFIG option) and return 1: the run is a SKIP, not
 * a pass. 0 when it can run, or when the kernel is one the table does not
 * know (--kernel, $LABYRINTH_KERNEL): the guest decides then.
 */
int vm_kernel_skip_scenario(const struct vm_opts *o,
			    const struct scenario *sc);

/*
 * Where the labyrinth.ko built for the running kernel is, looking next to
 * the binary in exe_dir the way labdev does ("module-KVER/labyrinth.ko"
 * for 6.12 and stock; "module/" for 6.1 is labdev's own), accepting only a
 * module whose vermagic names this `uname -r`. NULL when there is none.
 */
char *vm_kernel_module_for_running(const char *exe_dir);
/* "make module KVER=6.12" for the running kernel, or "make module". */
const char *vm_kernel_module_hint(void);

/* The vermagic's first word (the release) of a .ko into out; 0 or -1. */
int vm_kernel_module_release(const char *ko, char *out, size_t outlen);

/*
 * The paths to insmod, in order, to load MODULE (e.g. "virtio_net") from
 * the kernel's modules directory: its dependencies from modules.dep first.
 * Returns the count and a malloc'd, NULL-terminated vector in *paths
 * (free with vm_kernel_free_paths), or -1 with err set.
 */
int vm_kernel_module_load_order(const char *moddir, const char *module,
				char ***paths, char *err, size_t errlen);
void vm_kernel_free_paths(char **paths);

/*
 * The same for the kernel a VM with these options boots (its cached
 * modules directory): what `vm run --nic` loads in the guest. -1 with err
 * for --kernel/$LABYRINTH_KERNEL (no modules directory known) or a
 * module the kernel does not have.
 */
int vm_kernel_driver_paths(const struct vm_opts *o, const char *module,
			   char ***paths, char *err, size_t errlen);

#endif /* LABYRINTH_VM_KERNEL_H */
