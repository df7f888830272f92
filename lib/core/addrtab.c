// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/addrtab.c - the slow paths of struct __frost_addrtab (addrtab.h).
 *
 * Theory of operation. Growth doubles the slot array (at least
 * FROST_ADDRTAB_MIN_CAP slots), in memory from the table's allocator,
 * clears it and reinserts every entry at its new home; the old array is
 * freed unless it is the caller's chunk. A failed allocation, or a size
 * past 2^32 slots (more than any address space holds objects for), leaves the
 * table exactly as it was. Release frees the grown array and leaves the
 * table empty with no memory at all (the chunk is the caller's again).
 */
#include <string.h>
#include "core/addrtab.h"

#define ADDRTAB_MAX_CAP	(UINT64_C(1) << 32)

void __frost_addrtab_init(struct __frost_addrtab *t, struct __frost_addrtab_slot *chunk,
			  size_t chunk_cap, const struct __frost_alloc_ops *ops, void *ctx)
{
	frost_assert(!(chunk_cap & (chunk_cap - 1)));
	if (!chunk)
		chunk_cap = 0;
	if (chunk_cap)
		memset(chunk, 0, chunk_cap * sizeof(*chunk));
	t->slots = chunk;
	t->cap = chunk_cap;
	t->used = 0;
	t->chunk = chunk;
	t->chunk_cap = chunk_cap;
	t->ops = ops;
	t->ctx = ctx;
}

int __frost_addrtab_grow(struct __frost_addrtab *t)
{
	size_t cap = t->cap ? t->cap * 2 : FROST_ADDRTAB_MIN_CAP;
	struct __frost_addrtab_slot *old = t->slots, *nw;
	size_t old_cap = t->cap;

	if (unlikely((uint64_t)cap > ADDRTAB_MAX_CAP || cap > SIZE_MAX / sizeof(*nw)))
		return -ENOMEM;
	nw = t->ops->alloc(t->ctx, cap * sizeof(*nw));
	if (unlikely(!nw))
		return -ENOMEM;
	memset(nw, 0, cap * sizeof(*nw));
	t->slots = nw;
	t->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*__frost_addrtab_probe(t, old[i].key) = old[i];
	if (old && old != t->chunk)
		t->ops->free(t->ctx, old);
	return 0;
}

void __frost_addrtab_release(struct __frost_addrtab *t)
{
	if (t->slots && t->slots != t->chunk)
		t->ops->free(t->ctx, t->slots);
	t->slots = t->chunk = NULL;
	t->cap = t->chunk_cap = 0;
	t->used = 0;
}

void __frost_addrtab_clear(struct __frost_addrtab *t)
{
	if (t->cap)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->used = 0;
}
