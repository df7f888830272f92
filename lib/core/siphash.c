// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * SipHash-1-3 and SipHash-2-4.
 *
 * Theory of operation: one static inline core, sip_core(), is parametrised
 * by the number of compression rounds (c) and finalisation rounds (d); the
 * compiler specialises it for the constant (1,3) and (2,4) callers.  Input
 * words are read with memcpy() and converted from little-endian, so there is
 * no unaligned access and the result is the same on every host.  The tail
 * (0..7 bytes) is packed into the last word, whose top byte is len mod 256.
 * __frost_siphash13_u64() is the same computation unrolled for exactly one
 * 8-byte word, so it equals __frost_siphash13() over the LE bytes of v.
 */
#include <string.h>

#include "siphash.h"

#define SIP_C0 0x736f6d6570736575ULL
#define SIP_C1 0x646f72616e646f6dULL
#define SIP_C2 0x6c7967656e657261ULL
#define SIP_C3 0x7465646279746573ULL

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline uint64_t sip_rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t sip_load_le64(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

static inline void sip_init(struct sip_state *s,
			    const struct __frost_sipkey *key)
{
	s->v0 = key->k0 ^ SIP_C0;
	s->v1 = key->k1 ^ SIP_C1;
	s->v2 = key->k0 ^ SIP_C2;
	s->v3 = key->k1 ^ SIP_C3;
}

static inline void sip_rounds(struct sip_state *s, unsigned int n)
{
	while (n--) {
		s->v0 += s->v1;
		s->v1 = sip_rotl(s->v1, 13);
		s->v1 ^= s->v0;
		s->v0 = sip_rotl(s->v0, 32);
		s->v2 += s->v3;
		s->v3 = sip_rotl(s->v3, 16);
		s->v3 ^= s->v2;
		s->v0 += s->v3;
		s->v3 = sip_rotl(s->v3, 21);
		s->v3 ^= s->v0;
		s->v2 += s->v1;
		s->v1 = sip_rotl(s->v1, 17);
		s->v1 ^= s->v2;
		s->v2 = sip_rotl(s->v2, 32);
	}
}

static inline void sip_compress(struct sip_state *s, uint64_t m,
				unsigned int c)
{
	s->v3 ^= m;
	sip_rounds(s, c);
	s->v0 ^= m;
}

static inline uint64_t sip_finish(struct sip_state *s, unsigned int d)
{
	s->v2 ^= 0xff;
	sip_rounds(s, d);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static inline uint64_t sip_core(const struct __frost_sipkey *key,
				const void *data, size_t len,
				unsigned int c, unsigned int d)
{
	const unsigned char *p = data;
	size_t nblocks = len / 8;
	struct sip_state s;
	uint64_t b = (uint64_t)len << 56;

	sip_init(&s, key);
	for (size_t i = 0; i < nblocks; i++)
		sip_compress(&s, sip_load_le64(p + 8 * i), c);
	if (nblocks)
		p += 8 * nblocks;
	for (unsigned int i = 0; i < (len & 7); i++)
		b |= (uint64_t)p[i] << (8 * i);
	sip_compress(&s, b, c);
	return sip_finish(&s, d);
}

/**
 * __frost_siphash13() - SipHash-1-3 of a byte string
 * @key: 128-bit secret key
 * @data: bytes to hash (may be NULL when @len is 0)
 * @len: number of bytes at @data
 *
 * Return: the 64-bit SipHash-1-3 tag of @data under @key.
 */
uint64_t __frost_siphash13(const struct __frost_sipkey *key, const void *data,
			   size_t len)
{
	return sip_core(key, data, len, 1, 3);
}

/**
 * __frost_siphash13_u64() - SipHash-1-3 of one 64-bit integer
 * @key: 128-bit secret key
 * @v: value to hash
 *
 * Fast path for integer keys: equal to __frost_siphash13() applied to the
 * 8 little-endian bytes of @v, independent of host byte order.
 *
 * Return: the 64-bit SipHash-1-3 tag of the encoded @v under @key.
 */
uint64_t __frost_siphash13_u64(const struct __frost_sipkey *key, uint64_t v)
{
	struct sip_state s;

	sip_init(&s, key);
	sip_compress(&s, v, 1);
	sip_compress(&s, (uint64_t)8 << 56, 1);
	return sip_finish(&s, 3);
}

/**
 * __frost_siphash24() - SipHash-2-4 of a byte string
 * @key: 128-bit secret key
 * @data: bytes to hash (may be NULL when @len is 0)
 * @len: number of bytes at @data
 *
 * The reference SipHash variant; frost uses it only to check the shared
 * core against the published test vectors.
 *
 * Return: the 64-bit SipHash-2-4 tag of @data under @key.
 */
uint64_t __frost_siphash24(const struct __frost_sipkey *key, const void *data,
			   size_t len)
{
	return sip_core(key, data, len, 2, 4);
}
