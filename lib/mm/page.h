/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/mm/page.h - what a 64 KiB page of frost memory is (internal).
 *
 * Theory of operation. Every allocation frost makes lives in a page (or a
 * large mapping) aligned to FROST_PAGE_SIZE, whose header is found by
 * masking the address. Private pages (lib/mm/private.h) and shared pages
 * (lib/mm/shared.h) have different headers, but both start with the same
 * three fields at the same offsets - a magic, a kind and a size class -
 * so code that holds an arbitrary object pointer can tell which it is
 * before it trusts any other field (the ownership check, the debug owner
 * check, the reclaimer). The two magics differ; the kinds are one enum.
 * lib/mm/private.h and lib/mm/shared.h assert that their headers begin
 * with struct frost_page_id.
 */
#ifndef __FROST_MM_PAGE_H
#define __FROST_MM_PAGE_H

#include <stdint.h>

#define FROST_PAGE_SHIFT	16
#define FROST_PAGE_SIZE		(1UL << FROST_PAGE_SHIFT)

#define FROST_PAGE_MAGIC	0x66726f73u	/* "fros": a private page */
#define FROST_SHARED_PAGE_MAGIC	0x73686172u	/* "shar": a shared page */

/* The kind of a page, after its magic. */
enum frost_page_kind {
	FROST_PAGE_SENTINEL = 0,	/* the static empty page of a fresh class */
	FROST_PAGE_PRIVATE,		/* size-classed, one owner */
	FROST_PAGE_PRIVATE_LARGE,	/* one large private allocation */
	FROST_PAGE_SHARED = 8,		/* size-classed shared slab */
	FROST_PAGE_SHARED_LARGE,	/* one large shared object */
	FROST_PAGE_SHARED_LEAF,		/* size-classed shared slab of objects
					 * without children (no trace): the
					 * reclaimer marks them from the page
					 * kind alone, never reading them */
};

/*
 * struct frost_page_id - the common start of every page header.
 * @magic: FROST_PAGE_MAGIC or FROST_SHARED_PAGE_MAGIC.
 * @kind: an enum frost_page_kind.
 * @size_class: the size class of a size-classed page.
 */
struct frost_page_id {
	uint32_t magic;
	uint16_t kind;
	uint16_t size_class;
};

/* Assert that page header type @type starts with struct frost_page_id. */
#define FROST_PAGE_HEADER_CHECK(type)						\
	_Static_assert(__builtin_offsetof(type, magic) ==			\
		       __builtin_offsetof(struct frost_page_id, magic) &&		\
		       __builtin_offsetof(type, kind) ==				\
		       __builtin_offsetof(struct frost_page_id, kind) &&		\
		       __builtin_offsetof(type, size_class) ==			\
		       __builtin_offsetof(struct frost_page_id, size_class),	\
		       #type " does not start with struct frost_page_id")

#endif /* __FROST_MM_PAGE_H */
