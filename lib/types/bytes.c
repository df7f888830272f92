// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/bytes.c - the bytes type: an immutable byte string.
 *
 * Theory of operation. A bytes object is one private allocation: header,
 * length, hash and the bytes themselves (any values, NUL included; a NUL is
 * appended after them as a convenience, not counted in the length). The hash
 * is SipHash-1-3 of the contents under the per-process key, computed once
 * here so a frozen copy is never written; str uses a tweaked key, so equal
 * contents in a str and a bytes object hash differently. Equality is
 * equality of contents. The empty bytes object is one static immortal
 * object, shared by every sandbox and heap.
 */
#include <string.h>

#include "types/types.h"

__FROST_SAME_MEMBER(struct frost_bytes, struct frost_bytes_pub, ob);
__FROST_SAME_MEMBER(struct frost_bytes, struct frost_bytes_pub, len);
__FROST_SAME_MEMBER(struct frost_bytes, struct frost_bytes_pub, hash);
_Static_assert(offsetof(struct frost_bytes, data) == offsetof(struct frost_bytes_pub, data),
	       "struct frost_bytes.data differs from the public struct frost_bytes_pub");

static uint64_t bytes_hash(const struct frost_object *o)
{
	return ((const struct frost_bytes *)o)->hash;
}

static bool bytes_equal(const struct frost_object *a, const struct frost_object *b)
{
	const struct frost_bytes *x = (const struct frost_bytes *)a;
	const struct frost_bytes *y = (const struct frost_bytes *)b;

	return x->len == y->len && x->hash == y->hash &&
	       memcmp(x->data, y->data, x->len) == 0;
}

const struct frost_type __frost_bytes_type = {
	.name = "bytes",
	.basic_size = offsetof(struct frost_bytes, data),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN |
		 __FROST_TYPE_KIND(FROST_KIND_BYTES),
	.hash = bytes_hash,
	.equal = bytes_equal,
};

/* Internal: see types.h. */
void __frost_bytes_init(struct frost_object *o, const void *p, size_t len)
{
	struct frost_bytes *b = __frost_container_of(o, struct frost_bytes, ob);

	b->len = len;
	if (len)
		memcpy(b->data, p, len);
	b->data[len] = 0;
	b->hash = __frost_hash_bytes(b->data, len);
}

/*
 * The static empty bytes object, returned for every empty frost_bytes_new()
 * (as the empty str in lib/types/str.c: immortal, static, hash set once
 * by a constructor after the key's).
 */
static union {
	struct frost_bytes b;
	unsigned char storage[offsetof(struct frost_bytes, data) + 1];
} empty_bytes FROST_STATIC_OBJECT = {
	.b = { .ob = FROST_STATIC_OBJECT_HEAD(&__frost_bytes_type) },
};

__attribute__((constructor(102)))
static void empty_bytes_init(void)
{
	empty_bytes.b.hash = __frost_hash_bytes("", 0);
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_bytes_new(struct frost_sandbox *sb, const void *p, size_t len)
{
	struct frost_object *o;

	__frost_sandbox_guard_null(sb);
	if (unlikely(!p && len))
		return frost_err_null(EINVAL);
	if (!len)
		return &empty_bytes.b.ob;
	if (unlikely(len > SIZE_MAX - offsetof(struct frost_bytes, data) - 1))
		return frost_err_null(ENOMEM);

	o = __frost_object_alloc(sb, &__frost_bytes_type,
				 offsetof(struct frost_bytes, data) + len + 1);
	if (unlikely(!o))
		return NULL;
	__frost_bytes_init(o, p, len);
	return o;
}

/*
 * Public: see include/frost/types.h. The inline version calls this one for
 * its errors; programs built before it was inline call it for everything.
 */
const void *(frost_bytes_data)(const struct frost_object *o, size_t *len)
{
	const struct frost_bytes *b;

	if (unlikely(!__frost_is(o, &__frost_bytes_type)))
		return frost_err_null(EINVAL);
	b = (const struct frost_bytes *)o;
	if (len)
		*len = b->len;
	return b->data;
}
