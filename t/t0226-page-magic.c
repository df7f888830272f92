// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Private and shared pages are told apart by their magic (issue 12, 9).
 *
 * Theory of operation: a pointer into a shared page that does not point at
 * an immortal object (a forged header inside a frozen bytes object: count
 * 1, a real type) must never be taken for a private object. With one magic
 * for both kinds of page the ownership check read the shared header's
 * bytes as a private header's owner and said EPERM ("another sandbox's");
 * now it says EINVAL ("not an object"), every call that takes an object
 * refuses it that way, and the debug owner check aborts naming a shared
 * slot instead of reading a shared header as a private one.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <frost/frost.h>
#include "frost-test.h"
#include "core/tsan.h"
#include "mm/page.h"

_Static_assert(FROST_PAGE_MAGIC != FROST_SHARED_PAGE_MAGIC, "page magics must differ");

static const struct frost_type plain_type = {
	.name = "plain",
	.basic_size = sizeof(struct frost_object),
	.flags = FROST_TYPE_IMMUTABLE,
};

/* A frozen bytes object whose body holds what looks like a private header. */
static struct frost_object *forge(struct frost_sandbox *sb, struct frost_object **shared)
{
	struct frost_object fake = { .refcnt = 1, .type = &plain_type };
	unsigned char buf[64];
	struct frost_object *p, *f;
	const void *data;
	size_t len;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &fake, sizeof(fake));
	p = frost_bytes_new(sb, buf, sizeof(buf));
	if (!p)
		return NULL;
	f = frost_freeze(sb, p);
	frost_decref(p);
	if (!f)
		return NULL;
	*shared = f;
	data = frost_bytes_data(f, &len);
	/* The forged header must be aligned as an object would be. */
	if (!data || ((uintptr_t)data & 7))
		return NULL;
	return (struct frost_object *)(uintptr_t)data;
}

TEST_F(heap, forged_object_in_a_shared_page_is_not_an_object)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *shared = NULL, *fake = forge(sb, &shared), *list, *items[1];

	assert_ptr(fake, !=, NULL);
	assert_int(frost_pin(sb, shared), ==, 0);
	list = frost_list_new(sb);
	assert_ptr(list, !=, NULL);
	items[0] = fake;
	expect_neg_errno(frost_list_append(sb, list, fake), EINVAL);
	expect_null_errno(frost_tuple_new(sb, 1, items), EINVAL);
	expect_null_errno(frost_freeze(sb, fake), EINVAL);
	expect_uint(frost_list_len(list), ==, 0);
	frost_decref(list);
	expect_int(frost_unpin(sb, shared), ==, 0);
}

TEST_F(heap, debug_owner_check_names_the_shared_slot)
{
	struct frost_object *shared = NULL, *fake = forge(self->sb, &shared);
	int fds[2], status = 0;
	char msg[256] = "";
	pid_t pid;
	ssize_t n;

	assert_ptr(fake, !=, NULL);
#ifdef FROST_TSAN
	/* The fork handlers restart frost's threads in the child, which
	 * ThreadSanitizer does not support (die_after_fork). */
	tap_skip("ThreadSanitizer: no fork() of a process with frost threads");
#endif
	assert_int(pipe(fds), ==, 0);
	pid = fork();
	assert_int(pid, >=, 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		frost_debug_check_owner(fake);
		_exit(0);	/* not reached: it aborts */
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	waitpid(pid, &status, 0);
	msg[n > 0 ? n : 0] = '\0';
	expect_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	if (!expect_true(strstr(msg, "shared slot that is not immortal") != NULL))
		tap_diag("the check said: %s", msg);
}

TAP_MAIN()
