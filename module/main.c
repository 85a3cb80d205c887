// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth: /dev/labyrinth, its ioctls and its time series.
 *
 * The ioctl dispatch follows drivers/iommu/iommufd/main.c: one table row
 * per command with the struct's size and its first version's last field,
 * copy_struct_from_user() for the size rules, and the struct copied back
 * up to the size userspace knows.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/xarray.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/bitmap.h>

#include "lab.h"

u64 lab_load_ns;

/* A page of LAB_IOC_PAGE_*; kept until close so freed ids are known. */
struct lab_fd_page {
	struct page *page;
	u64 owner;
	u64 handle;
	bool freed;
};

struct lab_fd {
	struct file *file;
	struct mutex lock;		/* pages, series buffer lifetime */
	struct xarray pages;		/* page_id -> struct lab_fd_page */

	/* time series: written by the sampling timer (softirq) */
	spinlock_t ring_lock;
	struct lab_sample *ring;
	u32 cap, head, count;
	u64 seq, lost;
	u64 interval_ns;
	bool sampling;
	struct hrtimer timer;
	wait_queue_head_t wq;
};

struct lab_ucmd {
	struct lab_fd *fd;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/* ---- time series ------------------------------------------------------- */

static enum hrtimer_restart lab_sample_fn(struct hrtimer *t)
{
	struct lab_fd *f = container_of(t, struct lab_fd, timer);
	struct lab_sample s = { .size = sizeof(s) };
	unsigned long flags;

	s.time_ns = ktime_get_ns();
	lab_alloc_sum(&s);
	lab_reclaim_totals(&s.reclaim_pages, &s.reclaim_calls);
	spin_lock_irqsave(&f->ring_lock, flags);
	s.seq = f->seq++;
	if (f->count == f->cap) {
		f->lost++;
	} else {
		s.lost = f->lost;
		f->lost = 0;
		f->ring[(f->head + f->count) % f->cap] = s;
		f->count++;
	}
	spin_unlock_irqrestore(&f->ring_lock, flags);
	wake_up_interruptible(&f->wq);
	hrtimer_forward_now(t, ns_to_ktime(f->interval_ns));
	return HRTIMER_RESTART;
}

static void lab_series_stop(struct lab_fd *f)
{
	if (f->sampling) {
		hrtimer_cancel(&f->timer);
		WRITE_ONCE(f->sampling, false);
		/* A blocked reader gets the rest, then end of file. */
		wake_up_interruptible(&f->wq);
	}
}

static int lab_ioctl_series(struct lab_ucmd *ucmd)
{
	struct lab_series *cmd = ucmd->cmd;
	struct lab_fd *f = ucmd->fd;
	struct lab_sample *ring = NULL, *old;
	u32 cap = cmd->capacity;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->interval_ms && (cmd->interval_ms < LAB_SERIES_INTERVAL_MIN_MS ||
				 cmd->interval_ms > LAB_SERIES_INTERVAL_MAX_MS))
		return -ERANGE;
	if (!cap)
		cap = LAB_SERIES_CAPACITY_DEFAULT;
	if (cap > LAB_SERIES_CAPACITY_MAX)
		return -ERANGE;
	cmd->sample_size = sizeof(struct lab_sample);
	/* The ring is allocated before the lock: nothing sleeps in it. */
	if (cmd->interval_ms) {
		ring = vmalloc_array(cap, sizeof(*ring));
		if (!ring)
			return -ENOMEM;
	}

	mutex_lock(&f->lock);
	lab_series_stop(f);
	if (!ring) {
		mutex_unlock(&f->lock);
		return 0;
	}
	spin_lock_irq(&f->ring_lock);
	old = f->ring;
	f->ring = ring;
	f->cap = cap;
	f->head = 0;
	f->count = 0;
	f->seq = 0;
	f->lost = 0;
	f->interval_ns = (u64)cmd->interval_ms * NSEC_PER_MSEC;
	spin_unlock_irq(&f->ring_lock);
	WRITE_ONCE(f->sampling, true);
	hrtimer_start(&f->timer, 0, HRTIMER_MODE_REL_SOFT);
	mutex_unlock(&f->lock);
	vfree(old);
	return 0;
}

#define LAB_READ_BATCH	32

/*
 * Up to LAB_READ_BATCH samples out of the ring into @tmp, under f->lock
 * (the ring's lifetime) and ring_lock (the sampling timer). Returns the
 * count, or -EINVAL before the first LAB_IOC_SERIES. *sampling: whether
 * more may come.
 */
static ssize_t lab_read_batch(struct lab_fd *f, struct lab_sample *tmp,
			      size_t want, bool *sampling)
{
	size_t n, i;

	mutex_lock(&f->lock);
	if (!f->ring) {
		mutex_unlock(&f->lock);
		return -EINVAL;
	}
	spin_lock_irq(&f->ring_lock);
	n = min3(want, (size_t)f->count, (size_t)LAB_READ_BATCH);
	for (i = 0; i < n; i++) {
		tmp[i] = f->ring[f->head];
		f->head = (f->head + 1) % f->cap;
		f->count--;
	}
	spin_unlock_irq(&f->ring_lock);
	*sampling = READ_ONCE(f->sampling);
	mutex_unlock(&f->lock);
	return n;
}

static ssize_t lab_read(struct file *file, char __user *buf, size_t len,
			loff_t *ppos)
{
	struct lab_fd *f = file->private_data;
	size_t want = len / sizeof(struct lab_sample);
	struct lab_sample *tmp;
	bool sampling;
	ssize_t done = 0, n;
	int ret = 0;

	if (!want)
		return -EINVAL;
	tmp = kmalloc_array(LAB_READ_BATCH, sizeof(*tmp), GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	while (want) {
		n = lab_read_batch(f, tmp, want, &sampling);
		if (n < 0) {
			ret = n;
			break;
		}
		if (!n) {
			/* Sampling off and all read: end of file. */
			if (done || !sampling)
				break;
			if (file->f_flags & O_NONBLOCK) {
				ret = -EAGAIN;
				break;
			}
			ret = wait_event_interruptible(f->wq,
						       READ_ONCE(f->count) ||
						       !READ_ONCE(f->sampling));
			if (ret)
				break;
			continue;
		}
		/* No lock held: a fault here blocks nobody else. */
		if (copy_to_user(buf + done, tmp, n * sizeof(*tmp))) {
			ret = -EFAULT;
			break;
		}
		done += n * sizeof(*tmp);
		want -= n;
	}
	kfree(tmp);
	return done ? done : ret;
}

static __poll_t lab_poll(struct file *file, poll_table *pt)
{
	struct lab_fd *f = file->private_data;

	poll_wait(file, &f->wq, pt);
	if (READ_ONCE(f->count))
		return EPOLLIN | EPOLLRDNORM;
	/* Nothing more will come until LAB_IOC_SERIES starts sampling. */
	return READ_ONCE(f->sampling) ? 0 : EPOLLHUP;
}

/* ---- ioctls ------------------------------------------------------------ */

static int lab_ioctl_version(struct lab_ucmd *ucmd)
{
	struct lab_version *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	cmd->abi_major = LAB_ABI_MAJOR;
	cmd->abi_minor = LAB_ABI_MINOR;
	cmd->features = lab_features();
	cmd->nr_cpu_ids = nr_cpu_ids;
	cmd->max_engines = LAB_MAX_ENGINES;
	cmd->page_size = PAGE_SIZE;
	cmd->hist_buckets = LAB_HIST_BUCKETS;
	cmd->max_order = LAB_ORDER_MAX;
	cmd->default_held_cap = lab_default_held_cap();
	cmd->max_held_cap = totalram_pages();
	cmd->total_ram_pages = totalram_pages();
	cmd->tick_pages_max = LAB_TICK_PAGES_MAX;
	cmd->__reserved2 = 0;
	cmd->tick_ns_max = LAB_TICK_NS_MAX;
	return 0;
}

static int lab_ioctl_start(struct lab_ucmd *ucmd)
{
	return lab_engine_start(ucmd->fd->file, ucmd->cmd);
}

/* START's result could not be written back: nobody knows the engine. */
static void lab_undo_start(struct lab_ucmd *ucmd)
{
	struct lab_start *cmd = ucmd->cmd;

	lab_engine_abort(cmd->engine_id);
}

static int lab_ioctl_stop(struct lab_ucmd *ucmd)
{
	return lab_engine_stop_ioctl(ucmd->cmd);
}

static int lab_ioctl_stats(struct lab_ucmd *ucmd)
{
	return lab_engine_stats(ucmd->cmd);
}

static int lab_ioctl_page_alloc(struct lab_ucmd *ucmd)
{
	struct lab_page_alloc *cmd = ucmd->cmd;
	struct lab_fd *f = ucmd->fd;
	struct lab_fd_page *fp;
	enum lab_page_fail why;
	struct page *page;
	u64 handle;
	u32 id;
	int ret;

	if (cmd->flags & ~LAB_PAGE_ALLOC_F_ALL || cmd->__reserved ||
	    cmd->gfp & ~LAB_GFP_ALL)
		return -EOPNOTSUPP;
	if (!lab_owner_valid(cmd->owner) || cmd->order > LAB_ORDER_MAX)
		return -ERANGE;
	if ((cmd->gfp & LAB_GFP_MEMALLOC) &&
	    !(cmd->flags & LAB_PAGE_F_ALLOW_MEMALLOC))
		return -EPERM;
	fp = kzalloc(sizeof(*fp), GFP_KERNEL);
	if (!fp)
		return -ENOMEM;
	cmd->page_id = 0;
	page = lab_alloc(cmd->owner, cmd->gfp, cmd->order, &handle, &why);
	cmd->result = why;
	cmd->handle = handle;
	if (!page) {
		kfree(fp);
		return 0;
	}
	fp->page = page;
	fp->owner = cmd->owner;
	fp->handle = handle;
	mutex_lock(&f->lock);
	ret = xa_alloc(&f->pages, &id, fp, xa_limit_31b, GFP_KERNEL);
	mutex_unlock(&f->lock);
	if (ret) {
		lab_free(cmd->owner, page, handle, LAB_SHRED_NONE);
		kfree(fp);
		return ret;
	}
	cmd->page_id = id;
	return 0;
}

/* LAB_PAGE_FREE_F_FOREIGN: a page the allocator never handed out. */
static int lab_page_free_foreign(struct lab_page_free *cmd)
{
	struct page *page = alloc_page(GFP_KERNEL);
	int ret;

	if (!page)
		return -ENOMEM;
	ret = lab_free(cmd->owner, page, cmd->flags & LAB_PAGE_FREE_F_HANDLE ?
		       cmd->handle : lab_unissued_handle(page), cmd->shred);
	/* Refused, as it must be: the page is still ours to free. */
	if (ret)
		__free_page(page);
	return ret;
}

static int lab_ioctl_page_free(struct lab_ucmd *ucmd)
{
	struct lab_page_free *cmd = ucmd->cmd;
	struct lab_fd *f = ucmd->fd;
	struct lab_fd_page *fp;
	int ret;

	if (cmd->flags & ~LAB_PAGE_FREE_F_ALL || cmd->__reserved ||
	    cmd->shred >= LAB_SHRED_COUNT)
		return -EOPNOTSUPP;
	if (!lab_owner_valid(cmd->owner))
		return -ERANGE;
	if (cmd->flags & LAB_PAGE_FREE_F_FOREIGN)
		return lab_page_free_foreign(cmd);
	if (cmd->page_id > U32_MAX)
		return -ENOENT;
	mutex_lock(&f->lock);
	fp = xa_load(&f->pages, cmd->page_id);
	if (!fp) {
		ret = -ENOENT;
	} else if (fp->freed) {
		/*
		 * Freed already: the page may be anyone's by now, so it is
		 * not even looked at. Counted like the allocator's own.
		 */
		lab_count_refusal(-EALREADY, cmd->owner);
		ret = -EALREADY;
	} else {
		ret = lab_free(cmd->owner, fp->page,
			       cmd->flags & LAB_PAGE_FREE_F_HANDLE ?
			       cmd->handle : fp->handle, cmd->shred);
		if (!ret)
			fp->freed = true;
	}
	mutex_unlock(&f->lock);
	return ret;
}

static int lab_ioctl_shred_verify(struct lab_ucmd *ucmd)
{
	struct lab_shred_verify *cmd = ucmd->cmd;
	DECLARE_BITMAP(seen, 256);
	struct page *page;
	u64 handle;
	u8 *p;
	u32 i;

	if (cmd->flags || cmd->shred >= LAB_SHRED_COUNT)
		return -EOPNOTSUPP;
	if (cmd->pattern > 255)
		return -ERANGE;
	page = lab_alloc(LAB_OWNER_VERIFY, 0, 0, &handle, NULL);
	if (!page)
		return -ENOMEM;
	p = page_address(page);
	memset(p, cmd->pattern, PAGE_SIZE);
	lab_shred(page, 0, cmd->shred);
	bitmap_zero(seen, 256);
	cmd->page_size = PAGE_SIZE;
	cmd->unchanged_bytes = 0;
	cmd->zero_bytes = 0;
	for (i = 0; i < PAGE_SIZE; i++) {
		cmd->unchanged_bytes += p[i] == cmd->pattern;
		cmd->zero_bytes += !p[i];
		__set_bit(p[i], seen);
	}
	cmd->distinct_bytes = bitmap_weight(seen, 256);
	lab_free(LAB_OWNER_VERIFY, page, handle, LAB_SHRED_NONE);
	return 0;
}

/*
 * Raw and labyrinth alloc+free pairs, interleaved chunk by chunk with
 * IRQs off so that all four variants run in the same context and share
 * whatever the machine does meanwhile. No clock is read inside a chunk
 * (it would dilute the ratio); instead each variant's chunk is sized from
 * its previous one to fit in LAB_TICK_NS_MAX, the engines' budget.
 */
struct lab_bench_var {
	u64 done, total_ns, best_pair_ps, pair_ns, irqs_off_max;
	u32 n;
};

/* The variants: raw, labyrinth with shred none/fast/crypto, random. */
#define LAB_BENCH_NVAR		5
#define LAB_BENCH_RANDOM	4

/*
 * get_random_bytes() may be called with IRQs off (the crypto shred does
 * so from every engine context): the crng takes its per-CPU state under
 * local_lock_irqsave() and never sleeps.
 */
static u64 lab_bench_chunk(int variant, u32 n, void *buf, u64 *failures)
{
	static const u32 shred[] = { 0, LAB_SHRED_NONE, LAB_SHRED_FAST,
				     LAB_SHRED_CRYPTO };
	unsigned long flags;
	struct page *page;
	u64 t0, t, handle;
	u32 i;

	lab_atomic_begin(flags);
	t0 = ktime_get_ns();
	if (variant == LAB_BENCH_RANDOM) {
		for (i = 0; i < n; i++)
			get_random_bytes(buf, PAGE_SIZE);
	} else if (!variant) {
		for (i = 0; i < n; i++) {
			page = alloc_page(GFP_ATOMIC);
			if (page)
				__free_page(page);
			else
				(*failures)++;
		}
	} else {
		for (i = 0; i < n; i++) {
			page = lab_alloc(LAB_OWNER_BENCH, 0, 0, &handle, NULL);
			if (page)
				lab_free(LAB_OWNER_BENCH, page, handle,
					 shred[variant]);
			else
				(*failures)++;
		}
	}
	t = ktime_get_ns() - t0;
	lab_atomic_end(flags);
	return t;
}

/* One chunk of one variant; sizes its next chunk. */
static void lab_bench_step(struct lab_bench_var *v, int variant, u32 chunk,
			   u64 iterations, void *buf, u64 *failures)
{
	u32 n = min_t(u64, v->n, iterations - v->done);
	u64 t = lab_bench_chunk(variant, n, buf, failures);

	v->total_ns += t;
	v->done += n;
	v->irqs_off_max = max(v->irqs_off_max, t);
	/* Per pair in ps, so that short chunks still compare. */
	v->best_pair_ps = min(v->best_pair_ps, div64_u64(t * 1000, n));
	v->pair_ns = max_t(u64, div64_u64(t, n), 1);
	v->n = clamp_t(u64, div64_u64(LAB_TICK_NS_MAX, v->pair_ns), 1, chunk);
}

/* Every variant to the end, chunk by chunk in turn. */
static int lab_bench_run(struct lab_bench_var *var, u32 chunk, u64 iterations,
			 void *buf, u64 *failures)
{
	bool more = true;
	int v;

	for (v = 0; v < LAB_BENCH_NVAR; v++) {
		var[v].best_pair_ps = U64_MAX;
		/* The first chunk is small: its time sizes the next. */
		var[v].n = min(chunk, 8U);
	}
	while (more) {
		more = false;
		for (v = 0; v < LAB_BENCH_NVAR; v++) {
			if (var[v].done >= iterations)
				continue;
			lab_bench_step(&var[v], v, chunk, iterations, buf,
				       failures);
			more |= var[v].done < iterations;
		}
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static int lab_ioctl_bench(struct lab_ucmd *ucmd)
{
	struct lab_bench *cmd = ucmd->cmd;
	struct lab_bench_var var[LAB_BENCH_NVAR] = {};
	u32 chunk = cmd->chunk ? cmd->chunk : 64;
	u64 failures = 0, irqs_off = 0;
	unsigned long buf;
	int v, ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!cmd->iterations || cmd->iterations > LAB_BENCH_ITERS_MAX ||
	    chunk > LAB_BENCH_CHUNK_MAX)
		return -ERANGE;
	/* the random variant's target: a page of our own, not an engine's */
	buf = __get_free_page(GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cmd->kernel_inject_armed = lab_inject_armed();
	ret = lab_bench_run(var, chunk, cmd->iterations, (void *)buf,
			    &failures);
	free_page(buf);
	if (ret)
		return ret;
	cmd->raw_ns = var[0].total_ns;
	cmd->shred_none_ns = var[1].total_ns;
	cmd->shred_fast_ns = var[2].total_ns;
	cmd->shred_crypto_ns = var[3].total_ns;
	cmd->random_ns = var[LAB_BENCH_RANDOM].total_ns;
	cmd->raw_min_chunk_ns = div64_u64(var[0].best_pair_ps * chunk, 1000);
	cmd->shred_none_min_chunk_ns =
		div64_u64(var[1].best_pair_ps * chunk, 1000);
	cmd->shred_fast_min_chunk_ns =
		div64_u64(var[2].best_pair_ps * chunk, 1000);
	cmd->shred_crypto_min_chunk_ns =
		div64_u64(var[3].best_pair_ps * chunk, 1000);
	cmd->random_min_chunk_ns =
		div64_u64(var[LAB_BENCH_RANDOM].best_pair_ps * chunk, 1000);
	for (v = 0; v < LAB_BENCH_NVAR; v++)
		irqs_off = max(irqs_off, var[v].irqs_off_max);
	cmd->irqs_off_max_ns = irqs_off;
	cmd->failures = failures;
	cmd->cpu = raw_smp_processor_id();
	cmd->kernel_inject_armed |= lab_inject_armed();
	return 0;
}

static int lab_ioctl_selftest(struct lab_ucmd *ucmd)
{
	return lab_selftest_run(ucmd->cmd);
}

union lab_ucmd_buffer {
	struct lab_version version;
	struct lab_start start;
	struct lab_stop stop;
	struct lab_stats stats;
	struct lab_series series;
	struct lab_page_alloc page_alloc;
	struct lab_page_free page_free;
	struct lab_shred_verify shred_verify;
	struct lab_bench bench;
	struct lab_selftest selftest;
};

struct lab_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct lab_ucmd *ucmd);
	/* After a successful execute whose result could not be copied
	 * back: undo what nobody will ever learn about.
	 */
	void (*undo)(struct lab_ucmd *ucmd);
};

/* _last: the last field of the struct's first version in this ABI major */
#define IOCTL_OP(_ioctl, _fn, _struct, _last, _undo)			\
	[_IOC_NR(_ioctl) - LAB_CMD_BASE] = {				\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union lab_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
		.undo = _undo,						\
	}

static const struct lab_ioctl_op lab_ioctl_ops[] = {
	/* 1.0's size, in every major version: see struct lab_version. */
	IOCTL_OP(LAB_IOC_GET_VERSION, lab_ioctl_version, struct lab_version,
		 total_ram_pages, NULL),
	IOCTL_OP(LAB_IOC_START, lab_ioctl_start, struct lab_start, nr_cpus,
		 lab_undo_start),
	IOCTL_OP(LAB_IOC_STOP, lab_ioctl_stop, struct lab_stop, freed_pages,
		 NULL),
	IOCTL_OP(LAB_IOC_STATS, lab_ioctl_stats, struct lab_stats,
		 total.tick_work_max, NULL),
	IOCTL_OP(LAB_IOC_SERIES, lab_ioctl_series, struct lab_series,
		 __reserved, NULL),
	IOCTL_OP(LAB_IOC_PAGE_ALLOC, lab_ioctl_page_alloc,
		 struct lab_page_alloc, handle, NULL),
	IOCTL_OP(LAB_IOC_PAGE_FREE, lab_ioctl_page_free, struct lab_page_free,
		 handle, NULL),
	IOCTL_OP(LAB_IOC_SHRED_VERIFY, lab_ioctl_shred_verify,
		 struct lab_shred_verify, distinct_bytes, NULL),
	IOCTL_OP(LAB_IOC_BENCH, lab_ioctl_bench, struct lab_bench,
		 irqs_off_max_ns, NULL),
	IOCTL_OP(LAB_IOC_SELFTEST, lab_ioctl_selftest, struct lab_selftest,
		 message, NULL),
};

static long lab_fops_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	const struct lab_ioctl_op *op;
	union lab_ucmd_buffer buf;
	struct lab_ucmd ucmd = {};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (nr < LAB_CMD_BASE || nr - LAB_CMD_BASE >= ARRAY_SIZE(lab_ioctl_ops))
		return -ENOTTY;
	op = &lab_ioctl_ops[nr - LAB_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOTTY;
	ucmd.fd = file->private_data;
	ucmd.ubuffer = (void __user *)arg;
	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (ret)
		return ret;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	if (ucmd.user_size > PAGE_SIZE)
		return -E2BIG;
	ucmd.cmd = &buf;
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;
	ret = op->execute(&ucmd);
	if (ret)
		return ret;
	if (copy_to_user(ucmd.ubuffer, ucmd.cmd,
			 min_t(size_t, ucmd.user_size, op->size))) {
		if (op->undo)
			op->undo(&ucmd);
		return -EFAULT;
	}
	return 0;
}

/* ---- open / release ---------------------------------------------------- */

static int lab_open(struct inode *inode, struct file *file)
{
	struct lab_fd *f;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->file = file;
	mutex_init(&f->lock);
	xa_init_flags(&f->pages, XA_FLAGS_ALLOC1);
	spin_lock_init(&f->ring_lock);
	init_waitqueue_head(&f->wq);
	hrtimer_init(&f->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	f->timer.function = lab_sample_fn;
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int lab_release(struct inode *inode, struct file *file)
{
	struct lab_fd *f = file->private_data;
	struct lab_fd_page *fp;
	unsigned long id;

	lab_engines_release_file(file);
	lab_series_stop(f);
	xa_for_each(&f->pages, id, fp) {
		if (!fp->freed)
			lab_free(fp->owner, fp->page, fp->handle,
				 LAB_SHRED_CRYPTO);
		kfree(fp);
	}
	xa_destroy(&f->pages);
	vfree(f->ring);
	kfree(f);
	return 0;
}

static const struct file_operations lab_fops = {
	.owner = THIS_MODULE,
	.open = lab_open,
	.release = lab_release,
	.read = lab_read,
	.poll = lab_poll,
	.unlocked_ioctl = lab_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	/* nonseekable_open(); no .llseek (no_llseek is gone in 6.12) */
};

static struct miscdevice lab_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "labyrinth",
	.fops = &lab_fops,
	.mode = 0600,
};

static int __init lab_init(void)
{
	int ret;

	lab_load_ns = ktime_get_ns();
	ret = lab_alloc_init();
	if (ret)
		return ret;
	ret = lab_engines_init();
	if (ret)
		goto err_alloc;
	ret = lab_reclaim_init();
	if (ret)
		goto err_engines;
	ret = misc_register(&lab_misc);
	if (ret)
		goto err_reclaim;
	return 0;

err_reclaim:
	lab_reclaim_exit();
err_engines:
	lab_engines_exit();
err_alloc:
	lab_alloc_exit();
	return ret;
}

static void __exit lab_exit(void)
{
	misc_deregister(&lab_misc);
	/* Detached engines may still be spamming: stop them, free all. */
	lab_engines_exit();
	/* every engine is off the shrinker's list now */
	lab_reclaim_exit();
	lab_alloc_exit();
}

module_init(lab_init);
module_exit(lab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("labyrinth: exclusive atomic page allocator and IRQ spam engines for reserve exhaustion tests");
MODULE_AUTHOR("labyrinth project");
