// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/examples/hello-frost.c - frost from start to finish, in one file.
 *
 * A writer sandbox (the main thread) builds a private tuple, freezes it into
 * the shared heap and publishes it under a name; a reader sandbox (a second
 * thread, started with frost_sandbox_spawn()) looks the name up and reads the
 * tuple without locks and without writing to it; the writer then unpublishes
 * the name and runs a reclaim cycle, which frees the shared objects nothing
 * reaches any more.
 *
 * Copy it and build it against an installed frost with
 *
 *	cc -o hello-frost hello-frost.c $(pkg-config --cflags --libs frost)
 *
 * The build compiles it as tools/examples/hello-frost and the test suite runs
 * it (t/t9004-example.sh), so this text cannot fall behind the library.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>

/* Functions returning a pointer give NULL and set errno; int ones -errno. */
#define check_ptr(p, what) \
	do { if (!(p)) die(what, errno); } while (0)
#define check_int(r, what) \
	do { int r_ = (r); if (r_ < 0) die(what, -r_); } while (0)

static void die(const char *what, int err)
{
	fprintf(stderr, "hello-frost: %s: %s\n", what, strerror(err));
	exit(1);
}

/* Print a str, an int, a float or a tuple of them, the way Python would. */
static void print_object(const struct frost_object *o)
{
	const char *type = frost_type_name(o);
	int64_t i;
	double d;

	if (strcmp(type, "str") == 0) {
		printf("\"%s\"", frost_str_data(o, NULL));
	} else if (frost_int_get(o, &i) == 0) {
		printf("%" PRId64, i);
	} else if (frost_float_get(o, &d) == 0) {
		printf("%g", d);
	} else if (strcmp(type, "tuple") == 0) {
		printf("(");
		for (size_t n = 0; n < frost_tuple_len(o); n++) {
			if (n)
				printf(", ");
			print_object(frost_tuple_get(o, n));	/* borrowed */
		}
		printf(")");
	} else {
		printf("<%s>", type);
	}
}

/* The reader: runs in its own thread, as a sandbox of the same heap. */
static int reader(struct frost_sandbox *sb, void *arg)
{
	const char *name = arg;
	struct frost_object *greeting;

	/*
	 * Lock-free; writes nothing shared. The result is valid until this
	 * sandbox's next quiescent state (lifetime rule 1), without a
	 * reference: frost_incref() on it would be a no-op anyway.
	 */
	greeting = frost_lookup(sb, name);
	check_ptr(greeting, "frost_lookup");
	printf("reader: looked up \"%s\": ", name);
	print_object(greeting);
	printf(", shared=%s\n", frost_is_shared(greeting) ? "yes" : "no");

	/* To keep it across a quiescent state, hold it in a root: a pin. */
	check_int(frost_pin(sb, greeting), "frost_pin");
	frost_quiescent(sb);
	printf("reader: still valid after a quiescent state, because pinned: %zu items\n",
	       frost_tuple_len(greeting));
	check_int(frost_unpin(sb, greeting), "frost_unpin");
	return 0;	/* the sandbox detaches when this returns */
}

int main(void)
{
	const struct frost_heap_config cfg = {
		.flags = FROST_HEAP_MANUAL,	/* cycles only when we ask */
	};
	struct frost_object *items[3], *tuple, *frozen;
	struct frost_sandbox *sb, *child;
	struct frost_heap *heap;
	int child_ret;
	long freed;

	printf("hello-frost: libfrost %s\n", frost_version());

	/* 1. A heap, and this thread attached to it as a sandbox. */
	heap = frost_heap_create(&cfg);
	check_ptr(heap, "frost_heap_create");
	sb = frost_sandbox_attach(heap);
	check_ptr(sb, "frost_sandbox_attach");
	printf("writer: attached to a new heap\n");

	/* 2. A private tuple: mutable state of this sandbox alone. */
	items[0] = frost_str_new(sb, "hello", strlen("hello"));
	check_ptr(items[0], "frost_str_new");
	items[1] = frost_int_new(sb, 42);	/* a static small int */
	check_ptr(items[1], "frost_int_new");
	items[2] = frost_float_new(sb, 2.5);
	check_ptr(items[2], "frost_float_new");
	tuple = frost_tuple_new(sb, 3, items);
	check_ptr(tuple, "frost_tuple_new");
	for (int n = 0; n < 3; n++)
		frost_decref(items[n]);		/* the tuple holds them now */
	printf("writer: built a private tuple ");
	print_object(tuple);
	printf(", shared=%s\n", frost_is_shared(tuple) ? "yes" : "no");

	/* 3. Freeze: a deep, immutable copy in the shared heap. */
	frozen = frost_freeze(sb, tuple);
	check_ptr(frozen, "frost_freeze");
	frost_decref(tuple);			/* frees the private original */
	printf("writer: froze it: shared=%s\n", frost_is_shared(frozen) ? "yes" : "no");

	/* 4. Publish: the namespace is a root, so it survives our quiescent states. */
	check_int(frost_publish(sb, "greeting", frozen), "frost_publish");
	printf("writer: published it as \"greeting\"\n");
	frost_quiescent(sb);

	/*
	 * 5. Read it from another sandbox. Spawn and join are quiescent states
	 * for this sandbox; "greeting" keeps the tuple alive meanwhile.
	 */
	child = frost_sandbox_spawn(heap, reader, "greeting");
	check_ptr(child, "frost_sandbox_spawn");
	check_int(frost_sandbox_join(child, &child_ret), "frost_sandbox_join");
	printf("writer: the reader returned %d\n", child_ret);

	/*
	 * 6. Reclaim: once no root reaches the tuple, a cycle frees it and
	 * what it holds (the str and the float; 42 is static and never freed).
	 */
	check_int(frost_unpublish(sb, "greeting"), "frost_unpublish");
	printf("writer: unpublished \"greeting\"\n");
	freed = frost_reclaim(heap);
	if (freed < 0)
		die("frost_reclaim", (int)-freed);
	printf("writer: a reclaim cycle freed %ld shared objects\n", freed);

	/* 7. Clean up: detach (frees what is left private), destroy the heap. */
	check_int(frost_sandbox_detach(sb), "frost_sandbox_detach");
	check_int(frost_heap_destroy(heap), "frost_heap_destroy");
	printf("writer: detached; heap destroyed\n");
	return child_ret == 0 ? 0 : 1;
}
