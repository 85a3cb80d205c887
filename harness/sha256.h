/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4), for hashing a scenario's text into its report so
 * two runs of "the same scenario" can be told apart when the file changed.
 * Small enough that pulling in libcrypto for it is not worth a dependency.
 */
#ifndef LABYRINTH_SHA256_H
#define LABYRINTH_SHA256_H

#include <stddef.h>

/* hex gets 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif /* LABYRINTH_SHA256_H */
