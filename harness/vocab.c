// SPDX-License-Identifier: GPL-2.0
/*
 * The vocabulary tables. A new value is one row here (and, for an ABI
 * enum, the module's support for it); the parser, `check --keys`, the
 * report and its validator pick it up from the row.
 */
#include "vocab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"
#include "uapi/labyrinth.h"
#include "util.h"

#define VOCAB(id, desc, rows) \
	const struct vocab id = { .what = desc, .w = rows, \
				  .n = ARRAY_SIZE(rows) }

static const struct vocab_word context_w[] = {
	{ LAB_CTX_HRTIMER, "hrtimer", { NULL },
	  "hard IRQ: a pinned hrtimer's callback" },
	{ LAB_CTX_IRQ_WORK, "irq_work", { NULL },
	  "hard IRQ: irq_work raised by a timer (self-IPI)" },
	{ LAB_CTX_SOFTIRQ, "softirq", { "tasklet" },
	  "softirq: the HRTIMER softirq (a soft hrtimer)" },
	{ LAB_CTX_KTHREAD_ATOMIC, "kthread-atomic", { "process" },
	  "task context: a SCHED_FIFO kthread holding a spinlock, IRQs off" },
};
VOCAB(vocab_context, "context", context_w);

static const struct vocab_word policy_w[] = {
	{ LAB_POLICY_DRAIN, "drain", { NULL },
	  "hold every page until the engine stops" },
	{ LAB_POLICY_CHURN, "churn", { NULL },
	  "hold each page for hold=, then free it" },
	{ LAB_POLICY_LEAK_FRACTION, "leak-fraction", { NULL },
	  "churn, but keep leak= of the pages until stop" },
};
VOCAB(vocab_policy, "policy", policy_w);

static const struct vocab_word shred_w[] = {
	{ LAB_SHRED_CRYPTO, "crypto", { NULL }, "the kernel CRNG" },
	{ LAB_SHRED_FAST, "fast", { "prng" }, "a per-CPU xorshift PRNG" },
	{ LAB_SHRED_ZERO, "zero", { NULL }, "zeroes" },
	{ LAB_SHRED_NONE, "none", { NULL }, "not overwritten" },
};
VOCAB(vocab_shred, "shred", shred_w);

static const struct vocab_word stop_w[] = {
	{ LAB_STOP_NONE, "running", { NULL }, "still running" },
	{ LAB_STOP_IOCTL, "stopped", { NULL }, "stopped by LAB_IOC_STOP" },
	{ LAB_STOP_FAILURES, "failure-limit", { NULL },
	  "stop_after_failures reached" },
	{ LAB_STOP_HELD_CAP, "held-cap", { NULL }, "held_cap reached" },
	{ LAB_STOP_WATCHDOG, "watchdog", { NULL }, "its watchdog fired" },
	{ LAB_STOP_CLOSE, "fd-closed", { NULL }, "its fd was closed" },
	{ LAB_STOP_UNLOAD, "module-unload", { NULL }, "the module unloaded" },
	{ LAB_STOP_EXHAUSTED, "exhausted", { NULL },
	  "its exhaust time after the first genuine failure ran out" },
};
VOCAB(vocab_stop_reason, "stop reason", stop_w);

static const struct vocab_word gfp_w[] = {
	{ 0, "atomic", { NULL }, "GFP_ATOMIC: may dip below min" },
	{ LAB_GFP_NOWAIT, "nowait", { NULL }, "GFP_NOWAIT: stops at min" },
};
VOCAB(vocab_gfp, "gfp", gfp_w);

static const struct vocab_word verdict_w[] = {
	{ V_ATOMIC_FAILURE, "atomic-failure", { NULL },
	  "a genuine atomic allocation failure" },
	{ V_OOM, "oom", { NULL }, "the OOM killer fired" },
	{ V_PANIC, "panic", { NULL }, "the kernel panicked (VM only)" },
	{ V_SURVIVE, "survive", { NULL }, "none of the above" },
	{ V_SPLAT, "splat", { NULL }, "a kernel splat" },
	{ V_TIMEOUT, "timeout", { NULL }, "hung, or past the VM's timeout" },
	{ V_ERROR, "error", { NULL }, "the run could not do its work" },
	{ V_SKIPPED, "skipped", { NULL }, "not run here, for a reason" },
};
VOCAB(vocab_verdict, "verdict", verdict_w);

/* What a scenario may expect: the first verdicts, and crash. */
static const struct vocab_word expect_w[] = {
	{ SC_EXPECT_ATOMIC_FAILURE, "atomic-failure", { NULL },
	  "a genuine atomic allocation failure" },
	{ SC_EXPECT_OOM, "oom", { NULL }, "the OOM killer fired" },
	{ SC_EXPECT_PANIC, "panic", { NULL }, "the kernel panicked (VM only)" },
	{ SC_EXPECT_SURVIVE, "survive", { NULL }, "none of the above" },
	{ SC_EXPECT_CRASH, "crash", { NULL },
	  "a reproducer: an oops, BUG, splat or panic (verdict splat or "
	  "panic; VM only)" },
};
VOCAB(vocab_expect, "expect", expect_w);

static const struct vocab_word scope_w[] = {
	{ SC_SCOPE_NONE, "none", { NULL }, "not armed" },
	{ SC_SCOPE_LABYRINTH, "labyrinth", { NULL },
	  "the module's private fault attribute: its own allocations" },
	{ SC_SCOPE_SYSTEM, "system", { NULL },
	  "the kernel's global attribute: every allocation" },
	{ SC_SCOPE_MODULE, "module", { NULL },
	  "BPF override(): allocations with module NAME on the stack" },
	{ SC_SCOPE_FUNCTION, "function", { NULL },
	  "BPF override(): allocations under SYMBOL (chain of one)" },
	{ SC_SCOPE_CHAIN, "chain", { NULL },
	  "BPF override(): allocations under f2 called under f1 (f1=>f2)" },
};
VOCAB(vocab_scope, "scope", scope_w);

static const struct vocab_word yield_w[] = {
	{ SC_YIELD_AUTO, "auto", { NULL },
	  "yes for an engine with an exhaust phase, else no" },
	{ SC_YIELD_YES, "yes", { NULL },
	  "direct reclaim may take held pages back (the engine re-takes "
	  "them): the machine lives while the reserve stays exhausted" },
	{ SC_YIELD_NO, "no", { NULL },
	  "nothing held comes back before the engine stops: total "
	  "exhaustion (the OOM killer, then a panic, if it lasts)" },
};
VOCAB(vocab_yield, "yield_to_reclaim", yield_w);

static const struct vocab_word msg_w[] = {
	{ MSG_ALLOC_FAILURE, "alloc-failure", { NULL },
	  "page allocation failure (warn_alloc)" },
	{ MSG_OOM, "oom", { NULL }, "OOM killer" },
	{ MSG_WARNING, "warning", { NULL }, "WARNING" },
	{ MSG_BUG, "bug", { NULL }, "BUG" },
	{ MSG_OOPS, "oops", { NULL }, "oops" },
	{ MSG_PANIC, "panic", { NULL }, "kernel panic" },
	{ MSG_LOCKDEP, "lockdep", { NULL }, "lockdep report" },
	{ MSG_KASAN, "kasan", { NULL }, "KASAN report" },
	{ MSG_HUNG_TASK, "hung-task", { NULL }, "hung task" },
	{ MSG_OTHER, "other", { NULL }, "another splat or message" },
};
VOCAB(vocab_msg_kind, "message kind", msg_w);

static const struct vocab_word nic_model_w[] = {
	{ SC_NIC_E1000, "e1000", { NULL },
	  "Intel 82540EM (QEMU e1000), driver e1000" },
	{ SC_NIC_VIRTIO, "virtio-net", { NULL },
	  "virtio-net-pci, driver virtio_net" },
};
VOCAB(vocab_nic_model, "NIC model", nic_model_w);

const char *vocab_name(const struct vocab *v, uint32_t value)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->w[i].value == value)
			return v->w[i].name;
	return NULL;
}

const char *vocab_str(const struct vocab *v, uint32_t value)
{
	const char *s = vocab_name(v, value);

	return s ? s : "?";
}

int vocab_parse(const struct vocab *v, const char *s, uint32_t *out)
{
	size_t i, k;

	for (i = 0; i < v->n; i++) {
		if (!strcmp(v->w[i].name, s)) {
			*out = v->w[i].value;
			return 0;
		}
		for (k = 0; k < VOCAB_OLD_MAX && v->w[i].old[k]; k++)
			if (!strcmp(v->w[i].old[k], s)) {
				*out = v->w[i].value;
				return 1;
			}
	}
	return -EINVAL;
}

void vocab_list(const struct vocab *v, char *buf, size_t len)
{
	size_t i, n = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < v->n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      v->w[i].name);
}

const char *vocab_gfp_string(uint32_t gfp, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s",
		 gfp & LAB_GFP_NOWAIT ? "GFP_NOWAIT" : "GFP_ATOMIC",
		 gfp & LAB_GFP_NOWARN ? "|__GFP_NOWARN" : "",
		 gfp & LAB_GFP_MEMALLOC ? "|__GFP_MEMALLOC" : "");
	return buf;
}
