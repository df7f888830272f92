// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0305-arena-carve: the private arena writes a page only as it uses it.
 *
 * Theory of operation. A fresh sandbox's first small allocation formats a
 * 64 KiB page; its free list is threaded FROST_CARVE_BYTES at a time and
 * the pages of a fresh batch are handed out in order, so after one
 * allocation only the first 4 KiB of that page (and nothing of the next
 * pages of its batch) may be resident: mincore(2) counts them (before
 * lazy carving all 16 were, and every batch page's first 4 KiB). Then
 * carving must lose nothing: one class filled across carving steps and
 * pages, every other object freed and allocated again (LIFO reuse in a
 * partly carved page), the live count exact, and a detach finalizing
 * exactly the live objects of a partly carved current page.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#define PAGE	(64u << 10)

struct node {
	struct frost_object ob;
	uint64_t payload[2];
};

static int finalized;

static void node_finalize(struct frost_object *o)
{
	(void)o;
	finalized++;
}

static const struct frost_type node_type = {
	.name = "node",
	.basic_size = sizeof(struct node),
	.flags = FROST_TYPE_IMMUTABLE,
	.finalize = node_finalize,
};

/* Resident 4 KiB pages of [p, p + len). */
static int resident(void *p, size_t len)
{
	long ps = sysconf(_SC_PAGESIZE);
	unsigned char vec[PAGE / 4096 * 8];
	size_t n = (len + (size_t)ps - 1) / (size_t)ps, i;
	int r = 0;

	if (n > sizeof(vec) || mincore(p, len, vec))
		return -1;
	for (i = 0; i < n; i++)
		r += vec[i] & 1;
	return r;
}

static uint64_t live(struct frost_sandbox *sb)
{
	struct frost_sandbox_stats st;

	frost_sandbox_stats(sb, &st);
	return st.live_objects;
}

TEST(first_allocation_touches_little)
{
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	struct frost_object *o;
	char *page;

	frost_test_open(NULL, &heap, &sb);
	o = frost_object_new(sb, &node_type, 0);
	assert_ptr(o, !=, NULL);
	page = (char *)((uintptr_t)o & ~(uintptr_t)(PAGE - 1));
	tap_diag("resident 4 KiB pages: %d of the object's page, %d of the next",
		 resident(page, PAGE), resident(page + PAGE, PAGE));
	expect_int(resident(page, PAGE), <=, 2);
	expect_int(resident(page, PAGE), >=, 1);
	expect_int(resident(page + PAGE, PAGE), ==, 0);
	frost_decref(o);
	frost_test_close(heap, sb);
}

TEST(carving_loses_nothing)
{
	enum { N = 3 * 4096 };	/* 48-byte slots: 3+ pages, many carving steps */
	struct frost_object **objs = calloc(N, sizeof(*objs));
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	uint64_t base;
	int i;

	assert_ptr(objs, !=, NULL);
	frost_test_open(NULL, &heap, &sb);
	base = live(sb);
	for (i = 0; i < N; i++) {
		objs[i] = frost_object_new(sb, &node_type, 0);
		assert_ptr(objs[i], !=, NULL);
		((struct node *)(void *)objs[i])->payload[0] = (uint64_t)i;
	}
	expect_uint(live(sb), ==, base + N);
	for (i = 0; i < N; i += 2)
		frost_decref(objs[i]);
	expect_uint(live(sb), ==, base + N / 2);
	for (i = 0; i < N; i += 2)
		objs[i] = frost_object_new(sb, &node_type, 0);
	for (i = 1; i < N; i += 2)
		if (((struct node *)(void *)objs[i])->payload[0] != (uint64_t)i)
			break;
	expect_int(i, >=, N);
	expect_uint(live(sb), ==, base + N);
	for (i = 0; i < N; i++)
		frost_decref(objs[i]);
	expect_uint(live(sb), ==, base);

	/* A partly carved current page: a detach finalizes exactly its live objects. */
	for (i = 0; i < 100; i++)
		objs[i] = frost_object_new(sb, &node_type, 0);
	finalized = 0;
	frost_test_close(heap, sb);
	expect_int(finalized, ==, 100);
	free(objs);
}

TAP_MAIN()
