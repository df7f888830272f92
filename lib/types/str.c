// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/str.c - the str type: immutable, strictly validated UTF-8 text.
 *
 * Theory of operation. A str is one private allocation: the header, the
 * length in bytes and in code points, the hash, and the text itself, copied
 * and NUL-terminated (it may also contain NUL characters, so the length is
 * authoritative). Input is validated before anything is allocated, so a
 * refused string costs nothing and leaks nothing. Length in code points and
 * the hash are computed once here; a frozen copy is never written. The
 * empty str is one static immortal object, shared by every sandbox and
 * heap, so no "" costs an allocation.
 *
 * The hash is SipHash-1-3 of the bytes under the per-process key with a
 * fixed tweak applied to its first half, so a str and a bytes object with the
 * same contents (never equal) do not hash alike. Equality is equality of the
 * bytes.
 */
#include <string.h>

#include "types/types.h"
#include "types/utf8.h"

__FROST_SAME_MEMBER(struct frost_str, struct frost_str_pub, ob);
__FROST_SAME_MEMBER(struct frost_str, struct frost_str_pub, len);
__FROST_SAME_MEMBER(struct frost_str, struct frost_str_pub, nchars);
__FROST_SAME_MEMBER(struct frost_str, struct frost_str_pub, hash);
_Static_assert(offsetof(struct frost_str, data) == offsetof(struct frost_str_pub, data),
	       "struct frost_str.data differs from the public struct frost_str_pub");

/* Tweak separating str hashes from bytes hashes ("frost:str"). */
#define STR_HASH_TWEAK UINT64_C(0x7374723a74736f72)

/* Also used by frost_str_intern() (lib/ns/intern.c): one str hash. */
uint64_t __frost_str_hash(const char *p, size_t len)
{
	struct __frost_sipkey key = {
		.k0 = __frost_hash_key.k0 ^ STR_HASH_TWEAK,
		.k1 = __frost_hash_key.k1,
	};

	return __frost_siphash13(&key, p, len);
}

/* Public: see include/frost/types.h. */
uint64_t frost_str_hash(const char *utf8, size_t len)
{
	if (unlikely(!utf8 && len)) {
		errno = EINVAL;
		return 0;
	}
	return __frost_str_hash(utf8, len);
}

static uint64_t str_hash(const struct frost_object *o)
{
	return ((const struct frost_str *)o)->hash;
}

static bool str_equal(const struct frost_object *a, const struct frost_object *b)
{
	const struct frost_str *x = (const struct frost_str *)a;
	const struct frost_str *y = (const struct frost_str *)b;

	return x->len == y->len && x->hash == y->hash &&
	       memcmp(x->data, y->data, x->len) == 0;
}

const struct frost_type __frost_str_type = {
	.name = "str",
	.basic_size = offsetof(struct frost_str, data),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN |
		 __FROST_TYPE_KIND(FROST_KIND_STR),
	.hash = str_hash,
	.equal = str_equal,
};

/*
 * The static empty str: every frost_str_new() of "" returns it (and so
 * does frost_str_intern()). Immortal and static (__FROST_REFCNT_STATIC),
 * so it belongs to every sandbox of every heap and the reclaimer never
 * marks or sweeps it; the union provides the NUL after the header. Its
 * hash needs the key: filled in by a constructor after the key's (101),
 * before any thread exists, and never written again.
 */
static union {
	struct frost_str s;
	unsigned char storage[offsetof(struct frost_str, data) + 1];
} empty_str FROST_STATIC_OBJECT = {
	.s = { .ob = FROST_STATIC_OBJECT_HEAD(&__frost_str_type) },
};

__attribute__((constructor(102)))
static void empty_str_init(void)
{
	empty_str.s.hash = __frost_str_hash("", 0);
}

/* Internal: see types.h. */
struct frost_object *__frost_str_empty(void)
{
	return &empty_str.s.ob;
}

/* Internal: see types.h. */
int __frost_str_check(const char *utf8, size_t len, size_t *nchars)
{
	ssize_t n;

	if (unlikely(!utf8 && len))
		return -EINVAL;
	if (unlikely(len > SIZE_MAX - offsetof(struct frost_str, data) - 1))
		return -ENOMEM;
	n = __frost_utf8_validate(utf8, len);
	if (unlikely(n < 0))
		return -EILSEQ;
	*nchars = (size_t)n;
	return 0;
}

/* Internal: see types.h. */
void __frost_str_init(struct frost_object *o, const char *utf8, size_t len, size_t nchars)
{
	struct frost_str *s = __frost_container_of(o, struct frost_str, ob);

	s->len = len;
	s->nchars = nchars;
	if (len)
		memcpy(s->data, utf8, len);
	s->data[len] = '\0';
	s->hash = __frost_str_hash(s->data, len);
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_str_new(struct frost_sandbox *sb, const char *utf8, size_t len)
{
	struct frost_object *o;
	size_t nchars;
	int err;

	__frost_sandbox_guard_null(sb);
	err = __frost_str_check(utf8, len, &nchars);
	if (unlikely(err))
		return frost_err_null(-err);
	if (!len)
		return &empty_str.s.ob;

	o = __frost_object_alloc(sb, &__frost_str_type,
				 offsetof(struct frost_str, data) + len + 1);
	if (unlikely(!o))
		return NULL;
	__frost_str_init(o, utf8, len, nchars);
	return o;
}

/*
 * Public: see include/frost/types.h. The inline version calls this one for
 * its errors; programs built before it was inline call it for everything.
 */
const char *(frost_str_data)(const struct frost_object *o, size_t *len)
{
	const struct frost_str *s;

	if (unlikely(!__frost_is(o, &__frost_str_type)))
		return frost_err_null(EINVAL);
	s = (const struct frost_str *)o;
	if (len)
		*len = s->len;
	return s->data;
}

/* Public: see include/frost/types.h. */
long frost_str_length(const struct frost_object *o)
{
	if (unlikely(!__frost_is(o, &__frost_str_type)))
		return -EINVAL;
	return (long)((const struct frost_str *)o)->nchars;
}
