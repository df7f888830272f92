/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SipHash keyed pseudo-random function (internal).
 *
 * Theory of operation: SipHash-c-d keeps four 64-bit lanes seeded from a
 * 128-bit key.  The message is consumed in little-endian 64-bit words, each
 * mixed in with c "SipRounds"; the final word also carries the message
 * length.  After d more rounds the four lanes are folded to a 64-bit tag.
 * frost uses SipHash-1-3 for hash tables (fast, flood resistant with a
 * secret key); SipHash-2-4 is provided to check against reference vectors.
 */
#ifndef __FROST_SIPHASH_H
#define __FROST_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct __frost_sipkey - 128-bit SipHash key
 * @k0: first 64 bits (little-endian bytes 0..7 of the key)
 * @k1: second 64 bits (little-endian bytes 8..15 of the key)
 */
struct __frost_sipkey {
	uint64_t k0, k1;
};

uint64_t __frost_siphash13(const struct __frost_sipkey *key, const void *data,
			   size_t len);
uint64_t __frost_siphash13_u64(const struct __frost_sipkey *key, uint64_t v);
uint64_t __frost_siphash24(const struct __frost_sipkey *key, const void *data,
			   size_t len);

/*
 * The per-process hash key, drawn from getrandom() before main()
 * (lib/types/hash.c), and the two hashes every table uses.
 */
extern struct __frost_sipkey __frost_hash_key;

static inline uint64_t __frost_hash_bytes(const void *p, size_t len)
{
	return __frost_siphash13(&__frost_hash_key, p, len);
}

static inline uint64_t __frost_hash_u64(uint64_t v)
{
	return __frost_siphash13_u64(&__frost_hash_key, v);
}

#endif /* __FROST_SIPHASH_H */
