// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/hash.c - the per-process hash key and the generic object
 * operations: frost_hash(), frost_type_name() (frost_equal() is in
 * lib/types/equal.c).
 *
 * Theory of operation. Every built-in hash is SipHash-1-3 under one 128-bit
 * key, __frost_hash_key, drawn from the kernel's random pool before main()
 * by a constructor of priority 101. Constructors that need the key (the
 * small-int table in lib/types/int.c, priority 102) run after it; nothing
 * writes the key afterwards, so readers need no ordering. getrandom() is
 * asked without blocking: early in boot, before the pool is initialised, it
 * returns EAGAIN and we fall back to /dev/urandom (never blocks either); a
 * process that can obtain no randomness at all aborts rather than run with a
 * predictable key (hash flooding).
 *
 * frost_hash() dispatches on the type. A type without a hash callback is
 * unhashable. It never walks a graph: every built-in container computes its
 * hash from its items' (cached) hashes once, when it is built, and stores
 * it, so hashing a 10^6-deep tuple is one load. A user type's hash callback
 * is called as it is (it may call frost_hash() on its children, which is
 * equally cheap for built-in ones).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "types/types.h"

struct __frost_sipkey __frost_hash_key;

/* Read @len bytes from /dev/urandom; 0 on success, -errno on failure. */
static int urandom_read(unsigned char *p, size_t len)
{
	int fd, err = 0;

	do {
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0) {
			err = -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return err;
}

/* Fill @p with @len random bytes; 0 on success, -errno on failure. */
static int random_fill(unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = getrandom(p, len, GRND_NONBLOCK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN: pool not ready yet; ENOSYS: old kernel. */
			if (errno == EAGAIN || errno == ENOSYS || errno == EPERM)
				return urandom_read(p, len);
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

__attribute__((constructor(101)))
static void frost_hash_key_init(void)
{
	unsigned char buf[16];
	int err, saved_errno = errno;

	err = random_fill(buf, sizeof(buf));
	if (err)
		__frost_panic("frost: cannot obtain a random hash key: %s",
			      strerror(-err));
	memcpy(&__frost_hash_key.k0, buf, 8);
	memcpy(&__frost_hash_key.k1, buf + 8, 8);
	errno = saved_errno;
}

/* Hash of @o into *@hash; -EINVAL if @o is NULL or unhashable. */
int __frost_hash_checked(const struct frost_object *o, uint64_t *hash)
{
	if (unlikely(!o || !__frost_hashable(o)))
		return -EINVAL;
	*hash = o->type->hash(o);
	return 0;
}

/* Public: see include/frost/object.h. */
uint64_t frost_hash(const struct frost_object *o)
{
	uint64_t h;
	int err = __frost_hash_checked(o, &h);

	if (unlikely(err)) {
		errno = -err;
		return 0;
	}
	return h;
}

/* Public: see include/frost/object.h. */
const char *frost_type_name(const struct frost_object *o)
{
	if (unlikely(!o))
		return frost_err_null(EINVAL);
	return o->type->name;
}
