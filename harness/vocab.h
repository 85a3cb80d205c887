/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words labyrinth speaks: one table per enum, one name per concept.
 * The scenario parser, `labyrinth check`, labdev, the report writer and
 * the report validator all read these tables, and a unit test holds
 * reports/schema/report.schema.json to them, so a context is "softirq"
 * everywhere it appears.
 *
 * Tables for ABI enums (include/uapi/labyrinth.h) use the ABI's values,
 * so a parsed scenario carries what the module takes, with no mapping in
 * between. Earlier spellings stay accepted ("tasklet" for softirq) and
 * vocab_parse() says when one was used, so `check` can say which name to
 * write instead.
 */
#ifndef LABYRINTH_VOCAB_H
#define LABYRINTH_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#define VOCAB_OLD_MAX 2

/* What a run came to (report.json outcome.verdict). */
enum verdict {
	V_ATOMIC_FAILURE,	/* a genuine atomic allocation failure */
	V_OOM,			/* the OOM killer fired */
	V_PANIC,		/* the kernel panicked */
	V_SURVIVE,		/* none of the above: a clean run */
	V_SPLAT,		/* oops, BUG, WARNING, KASAN, lockdep, ... */
	V_TIMEOUT,		/* hung, or slower than the VM's timeout */
	V_ERROR,		/* the run could not do what it set out to */
	V_SKIPPED,		/* not run here, for a stated reason */
	V_MAX,
};

/* The kinds of report.json's kernel_messages[]. */
enum msg_kind {
	MSG_ALLOC_FAILURE,
	MSG_OOM,
	MSG_WARNING,
	MSG_BUG,
	MSG_OOPS,
	MSG_PANIC,
	MSG_LOCKDEP,
	MSG_KASAN,
	MSG_HUNG_TASK,
	MSG_OTHER,
	MSG_KIND_MAX,
};

struct vocab_word {
	uint32_t value;
	const char *name;			/* the one name */
	const char *old[VOCAB_OLD_MAX];		/* earlier spellings */
	const char *help;
};

struct vocab {
	const char *what;		/* "context", for messages */
	const struct vocab_word *w;
	size_t n;
};

/* ABI enums: values are LAB_CTX_*, LAB_POLICY_*, LAB_SHRED_*, ... */
extern const struct vocab vocab_context;	/* enum lab_context */
extern const struct vocab vocab_policy;		/* enum lab_policy */
extern const struct vocab vocab_shred;		/* enum lab_shred */
extern const struct vocab vocab_stop_reason;	/* enum lab_stop_reason */
extern const struct vocab vocab_gfp;		/* 0 or LAB_GFP_NOWAIT */

/* labyrinth's own: values are enum verdict / enum sc_scope / ... */
extern const struct vocab vocab_verdict;
/* the verdicts a scenario may ask for */
extern const struct vocab vocab_expect;
extern const struct vocab vocab_scope;
extern const struct vocab vocab_msg_kind;	/* kernel_messages[].kind */
extern const struct vocab vocab_yield;		/* enum sc_yield */
extern const struct vocab vocab_nic_model;	/* enum sc_nic_model */

/* The name of a value; NULL when the table has no such value. */
const char *vocab_name(const struct vocab *v, uint32_t value);
/* As vocab_name, with "?" for an unknown value (for printing). */
const char *vocab_str(const struct vocab *v, uint32_t value);
/*
 * Look a word up. Returns 0 (the name), 1 (an earlier spelling: *out is
 * still set, vocab_name(v, *out) is what to write now) or -EINVAL.
 */
int vocab_parse(const struct vocab *v, const char *s, uint32_t *out);
/* "hrtimer, irq_work, softirq, kthread-atomic" into buf. */
void vocab_list(const struct vocab *v, char *buf, size_t len);

/* "GFP_ATOMIC|__GFP_NOWARN" for LAB_GFP_* bits, into buf. */
const char *vocab_gfp_string(uint32_t gfp, char *buf, size_t len);

#endif /* LABYRINTH_VOCAB_H */
