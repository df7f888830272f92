// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0510-zero-writes: reading shared objects writes nothing shared.
 *
 * Lifetime rule 6, checked by the MMU: a graph is frozen and published,
 * then every shared page is made read-only (frost_debug_protect_shared())
 * and two reader sandboxes, in two threads, look the graph up and walk all
 * of it (tuple and map accessors, map lookups by key, str/bytes/int/float
 * reads, hashes, equality) with incref/decref pairs on every object and
 * quiescent states in between. Any write to a shared page kills the test
 * with SIGSEGV. A control test shows the protection is real: a deliberate
 * write to a frozen object's refcount word does fault.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#define NR_ENTRIES 200
#define NR_READS 300

/* Build and publish ("root"): a tuple of maps {"id": i, "name": "entry-i",
 * "weight": i / 4.0, "blob": b"..", "pair": (i, "x")}. */
static void build(struct frost_sandbox *sb)
{
	static const char *const names[] = { "id", "name", "weight", "blob", "pair" };
	struct frost_object *maps[NR_ENTRIES], *root, *frozen;

	for (int i = 0; i < NR_ENTRIES; i++) {
		struct frost_object *keys[5], *vals[5], *pair[2];
		char buf[32];

		for (int k = 0; k < 5; k++)
			keys[k] = frost_str_new(sb, names[k], strlen(names[k]));
		snprintf(buf, sizeof(buf), "entry-%d", i);
		vals[0] = frost_int_new(sb, 1000000 + i);
		vals[1] = frost_str_new(sb, buf, strlen(buf));
		vals[2] = frost_float_new(sb, i / 4.0);
		vals[3] = frost_bytes_new(sb, buf, strlen(buf));
		pair[0] = frost_int_new(sb, i);
		pair[1] = frost_str_new(sb, "x", 1);
		vals[4] = frost_tuple_new(sb, 2, pair);
		maps[i] = frost_map_new(sb, 5, keys, vals);
		for (int k = 0; k < 5; k++) {
			frost_decref(keys[k]);
			frost_decref(vals[k]);
		}
		frost_decref(pair[1]);
	}
	root = frost_tuple_new(sb, NR_ENTRIES, maps);
	frozen = frost_freeze(sb, root);
	if (!frozen || frost_publish(sb, "root", frozen))
		tap_bail_out("cannot freeze and publish the graph");
	for (int i = 0; i < NR_ENTRIES; i++)
		frost_decref(maps[i]);
	frost_decref(root);
}

static void touch(struct frost_object *o)
{
	frost_incref(o);
	frost_incref(o);
	frost_decref(o);
	frost_decref(o);
}

/* Walk everything; return the number of checks that failed. */
static long walk(struct frost_sandbox *sb)
{
	struct frost_object *root = frost_lookup(sb, "root");
	long bad = 0;

	if (!root || frost_tuple_len(root) != NR_ENTRIES)
		return 1;
	touch(root);
	for (size_t i = 0; i < NR_ENTRIES; i++) {
		struct frost_object *m = frost_tuple_get(root, i), *k, *v;
		int64_t id;
		double w;
		size_t len;

		touch(m);
		bad += !frost_is_shared(m) || frost_map_len(m) != 5;
		for (size_t j = 0; j < frost_map_len(m); j++) {
			bad += frost_map_item(m, j, &k, &v) != 0;
			touch(k);
			touch(v);
			bad += frost_map_get(m, k) != v;
			(void)frost_hash(k);
		}
		frost_map_item(m, 0, &k, &v);
		bad += frost_int_get(v, &id) != 0 || id != 1000000 + (int64_t)i;
		frost_map_item(m, 2, &k, &v);
		bad += frost_float_get(v, &w) != 0 || w != (double)i / 4.0;
		frost_map_item(m, 1, &k, &v);
		bad += frost_str_data(v, &len) == NULL || len < 7;
		frost_map_item(m, 3, &k, &v);
		bad += frost_bytes_data(v, &len) == NULL;
		frost_map_item(m, 4, &k, &v);
		bad += frost_tuple_len(v) != 2 || !frost_equal(v, v);
		touch(frost_tuple_get(v, 1));
	}
	frost_quiescent(sb);
	return bad;
}

static void *reader(void *heap)
{
	struct frost_sandbox *sb = frost_sandbox_attach(heap);
	long bad = 0;

	if (!sb)
		return (void *)1L;
	for (int r = 0; r < NR_READS; r++)
		bad += walk(sb);
	frost_sandbox_detach(sb);
	return (void *)bad;
}

TEST_F(heap, readers_write_nothing_shared)
{
	pthread_t t[2];
	void *bad[2];

	build(self->sb);
	expect_int(walk(self->sb), ==, 0);
	assert_int(frost_debug_protect_shared(self->heap, true), ==, 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reader, self->heap);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], &bad[i]);
	/* The main sandbox reads too, while the pages are still read-only. */
	expect_int(walk(self->sb), ==, 0);
	assert_int(frost_debug_protect_shared(self->heap, false), ==, 0);
	expect_int((long)bad[0], ==, 0);
	expect_int((long)bad[1], ==, 0);
}

TEST_F(heap, protection_catches_a_write)
{
	struct frost_object *o, *priv;
	int status;
	pid_t pid;

	priv = frost_str_new(self->sb, "victim", 6);
	o = frost_freeze(self->sb, priv);
	assert_ptr(o, !=, NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* A sanitizer's report of the expected fault is noise here. */
		if (null >= 0)
			dup2(null, 2);
		frost_debug_protect_shared(self->heap, true);
		o->refcnt++;		/* what rule 6 forbids */
		_exit(0);
	}
	assert_int(waitpid(pid, &status, 0), ==, pid);
	/* SIGSEGV, or a sanitizer's SEGV report and exit: never exit 0. */
	expect_true((WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) ||
		    (WIFEXITED(status) && WEXITSTATUS(status) != 0));
	frost_decref(priv);
}

TEST(bad_arguments)
{
	expect_neg_errno(frost_debug_protect_shared(NULL, true), EINVAL);
}

TAP_MAIN()
