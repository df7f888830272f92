// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0720-stall-heaps: a stall warning names the real staller, whatever its
 * heap.
 *
 * Theory of operation. Heaps share liburcu's grace periods, so a sandbox
 * of heap 2 that stays online without a quiescent state holds up heap 1's
 * cycles too: heap 1's handshakes wait for a grace period to start, and
 * heap 1's own, well-behaved sandboxes cannot answer before it does. The
 * warning heap 1 prints must then name the heap-2 sandbox (its thread id
 * and its heap), not heap 1's innocent sandbox, which used to be named.
 *
 * The set-up: heap 1 (stall_warn_ms WARN_MS) has a sandbox on a thread that
 * calls frost_quiescent() every millisecond; heap 2 has a sandbox on a
 * thread that stays online and busy for STALL_MS without one. The main
 * thread, attached to neither, runs frost_reclaim(heap 1) meanwhile, with
 * stderr redirected to a temporary file, and then reads the warnings.
 * A second test checks that a stall in heap 1 itself is still blamed on
 * heap 1's staller.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <frost/frost.h>
#include "tap.h"

#define STALL_MS	1500
#define WARN_MS		250

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A thread with a sandbox of @heap: polite (a QS per ms) or a staller. */
struct worker {
	struct frost_heap *heap;
	bool staller;
	pthread_t thread;
	int tid;		/* set before @ready */
	int ready;		/* atomic */
	int stop;		/* atomic */
	int failed;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct frost_sandbox *sb = frost_sandbox_attach(w->heap);

	w->tid = (int)syscall(SYS_gettid);
	if (!sb) {
		w->failed = 1;
		__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	frost_quiescent(sb);
	/* Release: @tid is visible. Pairs with the acquire in wait_ready(). */
	__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
	if (w->staller) {
		/* Online and busy, no quiescent state, for STALL_MS. */
		uint64_t until = now_ms() + STALL_MS;

		while (now_ms() < until)
			;
		frost_quiescent(sb);
	}
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		frost_quiescent(sb);
		sleep_ms(1);
	}
	if (frost_sandbox_detach(sb))
		w->failed = 1;
	return NULL;
}

static void wait_ready(struct worker *w)
{
	/* Acquire: pairs with the release store in worker_main(). */
	while (!__atomic_load_n(&w->ready, __ATOMIC_ACQUIRE))
		sleep_ms(1);
}

/* Redirect fd 2 to a temporary file; undo_stderr() restores it. */
static int capture_stderr(FILE **tmp)
{
	int saved;

	fflush(stderr);
	*tmp = tmpfile();
	if (!*tmp)
		return -1;
	saved = dup(2);
	if (saved < 0 || dup2(fileno(*tmp), 2) < 0)
		return -1;
	return saved;
}

/* Restore fd 2 and return what was written to it (malloc'd, NUL-ended). */
static char *undo_stderr(FILE *tmp, int saved)
{
	char *buf = calloc(1, 65536);
	size_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (!buf)
		return NULL;
	rewind(tmp);
	n = fread(buf, 1, 65535, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

/* Does @log hold a stall line naming thread @tid, and heap @heap? */
static bool names(const char *log, int tid, const struct frost_heap *heap)
{
	char tidstr[64], heapstr[64];

	snprintf(tidstr, sizeof(tidstr), "(tid %d)", tid);
	snprintf(heapstr, sizeof(heapstr), "of heap %p", (const void *)heap);
	for (const char *line = log; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[512];

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (strstr(buf, "stall") && strstr(buf, tidstr) && (!heap || strstr(buf, heapstr)))
			return true;
	}
	return false;
}

static void run_stall(bool staller_in_heap2)
{
	struct frost_heap_config cfg1 = { .stall_warn_ms = WARN_MS, .flags = FROST_HEAP_MANUAL };
	struct frost_heap_config cfg2 = { .stall_warn_ms = 60000, .flags = FROST_HEAP_MANUAL };
	struct frost_heap *h1 = frost_heap_create(&cfg1), *h2 = frost_heap_create(&cfg2);
	struct worker polite = { .heap = h1 }, stall = { .staller = true };
	uint64_t start;
	FILE *tmp;
	char *log;
	int saved;
	long freed;
	bool named, innocent;

	assert_ptr(h1, !=, NULL);
	assert_ptr(h2, !=, NULL);
	stall.heap = staller_in_heap2 ? h2 : h1;
	assert_int(pthread_create(&polite.thread, NULL, worker_main, &polite), ==, 0);
	wait_ready(&polite);
	saved = capture_stderr(&tmp);
	assert_int(saved, >=, 0);
	assert_int(pthread_create(&stall.thread, NULL, worker_main, &stall), ==, 0);
	wait_ready(&stall);

	start = now_ms();
	freed = frost_reclaim(h1);
	log = undo_stderr(tmp, saved);
	expect_int(freed, >=, 0);
	/* The cycle waited for the staller (shared grace periods). */
	expect_uint(now_ms() - start, >=, STALL_MS / 2);

	__atomic_store_n(&polite.stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&stall.stop, 1, __ATOMIC_RELEASE);
	pthread_join(polite.thread, NULL);
	pthread_join(stall.thread, NULL);
	expect_int(polite.failed, ==, 0);
	expect_int(stall.failed, ==, 0);

	assert_ptr(log, !=, NULL);
	named = expect_true(names(log, stall.tid, stall.heap));
	innocent = expect_true(!names(log, polite.tid, NULL));
	if (!named || !innocent) {
		tap_diag("staller tid %d, polite tid %d, heap 1 %p, heap 2 %p; stderr:",
			 stall.tid, polite.tid, (void *)h1, (void *)h2);
		for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
			tap_diag("  %s", line);
	}
	free(log);
	expect_int(frost_heap_destroy(h1), ==, 0);
	expect_int(frost_heap_destroy(h2), ==, 0);
}

TEST_TIMEOUT(stall_in_other_heap_is_named, 60)
{
	run_stall(true);
}

TEST_TIMEOUT(stall_in_same_heap_is_named, 60)
{
	run_stall(false);
}

TAP_MAIN()
