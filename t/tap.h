/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tap.h - frost's TAP (Test Anything Protocol, version 13) test harness.
 *
 * Theory of operation: a test program is a list of TEST() bodies plus a
 * TAP_MAIN() line.  Every TEST() expands to a static function and a small
 * descriptor that a constructor links into a list sorted by source position,
 * so tap_main() knows the plan ("1..N") before running anything.  Each test
 * is one TAP test point and runs in a forked child in its own process group:
 * a crash, abort or hang only takes that child down, and the parent reports
 * "not ok" with the signal or "TIMEOUT" and carries on with the next test.
 * The child tells the parent how the test ended (passed, failed, skipped
 * with a reason, bailed out) through a close-on-exec pipe; a child that dies
 * without saying so is a failure.  With TAP_NOFORK=1 the tests run in the
 * harness process instead (handy under gdb): a failed assertion or
 * tap_skip() then returns to the harness with longjmp(), and there is no
 * timeout and no crash isolation.
 *
 * Tests that share state declare it once as a fixture, in the shape of the
 * kernel's kselftest harness: FIXTURE(name) { members }; FIXTURE_SETUP(name)
 * and FIXTURE_TEARDOWN(name) fill it in and release it through ``self``, and
 * each TEST_F(name, test) body gets a fresh zero-filled instance.  The
 * runner treats a TEST_F() like a TEST() (same list, plan, selection,
 * timeout and fork); inside the test's process, setup, body and teardown
 * run in turn, and a failed assertion or tap_skip() in the body returns to
 * the harness with longjmp() so the teardown still runs.
 *
 * Checks come in pairs, as in the kernel's kselftest harness: expect_*()
 * records a failure and lets the test continue, assert_*() records it and
 * ends the test at once.  Both return true when the check held.  A failed
 * check prints, as "# " TAP diagnostics on stdout, the check as written,
 * file:line and both operand values.
 *
 * Programs that produce their test points on the fly can skip TEST() and
 * use tap_plan_lazy()/tap_plan(), tap_ok() and tap_done() from their own
 * main() instead.
 *
 * Environment:
 *   TAP_NOFORK=1   run tests in-process (no isolation, no timeouts).
 *   TAP_TIMEOUT=S  default per-test timeout in seconds (fractions allowed,
 *                  default 120); TEST_TIMEOUT() values take precedence;
 *                  TAP_TIMEOUT=0 disables every timeout.
 * Arguments to a TAP_MAIN() program are fnmatch(3) patterns: only the
 * matching tests run, the others are reported as skipped.
 */
#ifndef FROST_T_TAP_H
#define FROST_T_TAP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TAP_PRINTF_(f, a) __attribute__((format(printf, f, a)))
#define TAP_NORETURN_ __attribute__((noreturn))

#define TAP_UNUSED_ __attribute__((unused))

/*
 * Internal: one registered test; filled in by TEST()/TEST_TIMEOUT() or, for
 * a test with a fixture, TEST_F()/TEST_F_TIMEOUT().
 */
struct tap_test {
	const char *name;
	void (*fn)(void);		/* a TEST() body; NULL for TEST_F() */
	/* TEST_F() only: the fixture's name, size, setup, body, teardown. */
	const char *fixture;
	size_t fixture_size;
	void (*setup)(void *self);
	void (*body)(void *self);
	void (*teardown)(void *self);
	double timeout;			/* seconds, 0 = the default */
	const char *file;
	int line;
	struct tap_test *next;
};

/* Internal: called by the constructors that TEST() generates. */
void tap_register_(struct tap_test *test);

/* Internal: a descriptor tap_desc_@id, linked in by a constructor. */
#define TAP_REGISTER_(id, ...)						\
	static struct tap_test tap_desc_##id = {			\
		__VA_ARGS__, .file = __FILE__, .line = __LINE__,	\
	};								\
	__attribute__((constructor))					\
	static void tap_reg_##id(void)					\
	{								\
		tap_register_(&tap_desc_##id);				\
	}

/**
 * TEST_TIMEOUT() - declare a test with its own timeout
 * @test: C identifier naming the test (also its TAP description)
 * @secs: timeout in seconds for this test; overrides TAP_TIMEOUT and the
 *        default of 120 s (only TAP_TIMEOUT=0 disables it)
 *
 * Use at file scope, followed by the test body in braces.
 */
#define TEST_TIMEOUT(test, secs)					\
	static void tap_fn_##test(void);				\
	TAP_REGISTER_(test, .name = #test, .fn = tap_fn_##test,		\
		      .timeout = (secs))				\
	static void tap_fn_##test(void)

/**
 * TEST() - declare a test: ``TEST(name) { ...body... }`` at file scope
 * @test: C identifier naming the test (also its TAP description)
 *
 * Tests run in declaration order, each as one TAP test point.
 */
#define TEST(test) TEST_TIMEOUT(test, 0)

/**
 * FIXTURE() - declare a fixture: ``FIXTURE(name) { members };``
 * @fx: C identifier naming the fixture
 *
 * A fixture is the state that several tests set up and tear down alike.
 * FIXTURE() is followed by the members of its struct, in braces, and a
 * semicolon; FIXTURE_SETUP() and FIXTURE_TEARDOWN() (both required) then
 * define how to fill it in and release it, and each TEST_F() body reaches
 * it as ``self``.  Every test gets its own zero-filled instance.
 */
#define FIXTURE(fx)							\
	struct tap_fixture_##fx;					\
	static void tap_setup_##fx(struct tap_fixture_##fx *self)	\
		TAP_UNUSED_;						\
	static void tap_teardown_##fx(struct tap_fixture_##fx *self)	\
		TAP_UNUSED_;						\
	TAP_UNUSED_ static void tap_setup_any_##fx(void *self)		\
	{								\
		tap_setup_##fx(self);					\
	}								\
	TAP_UNUSED_ static void tap_teardown_any_##fx(void *self)	\
	{								\
		tap_teardown_##fx(self);				\
	}								\
	struct tap_fixture_##fx

/**
 * FIXTURE_SETUP() - ``FIXTURE_SETUP(name) { ...self->... }``
 * @fx: the fixture, declared before with FIXTURE()
 *
 * Runs before each TEST_F() body of @fx, in the test's own process, with
 * ``self`` pointing at a zero-filled instance.  A failed check here fails
 * the test and its body is not run; if setup ended early (a failed
 * assert_*(), tap_skip()), the teardown is not run either, otherwise it is.
 */
#define FIXTURE_SETUP(fx)						\
	static void tap_setup_##fx(struct tap_fixture_##fx *self TAP_UNUSED_)

/**
 * FIXTURE_TEARDOWN() - ``FIXTURE_TEARDOWN(name) { ...self->... }``
 * @fx: the fixture, declared before with FIXTURE()
 *
 * Runs after each TEST_F() body of @fx whose setup returned, also when the
 * body failed an assert_*() or called tap_skip().  Its checks count for
 * the test.  It does not run when the test crashed, timed out, bailed out
 * or exited, nor for a failed assertion in a thread or a process the test
 * started: those end the test's process at once.
 */
#define FIXTURE_TEARDOWN(fx)						\
	static void tap_teardown_##fx(struct tap_fixture_##fx *self TAP_UNUSED_)

/**
 * TEST_F_TIMEOUT() - declare a test that uses a fixture, with a timeout
 * @fx: the fixture, declared before with FIXTURE()
 * @test: C identifier naming the test (also its TAP description; the
 *        fixture's name is not part of it)
 * @secs: timeout in seconds, as for TEST_TIMEOUT(); it covers the setup
 *        and the teardown too
 */
#define TEST_F_TIMEOUT(fx, test, secs)					\
	static void tap_fn_##fx##__##test(struct tap_fixture_##fx *self);\
	static void tap_fn_any_##fx##__##test(void *self)		\
	{								\
		tap_fn_##fx##__##test(self);				\
	}								\
	TAP_REGISTER_(fx##__##test, .name = #test, .fixture = #fx,	\
		      .fixture_size = sizeof(struct tap_fixture_##fx),	\
		      .setup = tap_setup_any_##fx,			\
		      .body = tap_fn_any_##fx##__##test,		\
		      .teardown = tap_teardown_any_##fx,		\
		      .timeout = (secs))				\
	static void tap_fn_##fx##__##test(struct tap_fixture_##fx *self TAP_UNUSED_)

/**
 * TEST_F() - declare a test that uses a fixture:
 * ``TEST_F(fixture, name) { ...self->... }``
 * @fx: the fixture, declared before with FIXTURE()
 * @test: C identifier naming the test (also its TAP description)
 *
 * Like TEST(), in declaration order among all tests, but the fixture's
 * setup runs first and its teardown after, in the same (forked) process.
 */
#define TEST_F(fx, test) TEST_F_TIMEOUT(fx, test, 0)

/**
 * TAP_MAIN() - define main() as ``return tap_main(argc, argv);``
 *
 * Put ``TAP_MAIN()`` (no semicolon) once at the end of a test program.
 * Programs that need to do work first (e.g. tap_skip_all()) write their own
 * main() and call tap_main() from it.
 */
#define TAP_MAIN()							\
	int main(int argc, char **argv)					\
	{								\
		return tap_main(argc, argv);				\
	}

/**
 * tap_main() - run all registered tests
 * @argc: argument count from main()
 * @argv: arguments from main(); any arguments are fnmatch(3) patterns
 *        selecting the tests to run
 *
 * Prints "TAP version 13" and "1..N", runs every TEST() and reports it.
 * If a test bails out, the program exits non-zero right away.
 *
 * Return: exit status for main(): 0 if every test passed or was skipped,
 * 1 otherwise.
 */
int tap_main(int argc, char **argv);

/**
 * tap_plan() - announce up front that @n test points will follow
 * @n: number of tap_ok() calls to come
 *
 * For programs not using TEST(); finish with tap_done().
 */
void tap_plan(unsigned int n);

/**
 * tap_plan_lazy() - start a run whose plan is printed at the end
 *
 * For programs not using TEST() that generate test points dynamically
 * with tap_ok(); tap_done() prints "1..N".
 */
void tap_plan_lazy(void);

/**
 * tap_ok() - emit one test point
 * @ok: whether it passed
 * @fmt: printf-style description
 *
 * Prints "ok N - description" or "not ok N - description".  Inside a
 * TEST() body it emits no test point and acts as a named expect_true().
 *
 * Return: @ok.
 */
bool tap_ok(bool ok, const char *fmt, ...) TAP_PRINTF_(2, 3);

/**
 * tap_done() - finish a tap_plan()/tap_plan_lazy() run
 *
 * Prints the plan if it was lazy and checks it was met otherwise.
 *
 * Return: exit status for main(): 0 if every point passed (and no check
 * outside a test failed), 1 otherwise.
 */
int tap_done(void);

/**
 * tap_skip() - end the current test as skipped
 * @fmt: printf-style reason
 *
 * The test is reported "ok N - name # SKIP reason", unless a check had
 * already failed, in which case it stays failed.  Only valid inside TEST().
 */
void tap_skip(const char *fmt, ...) TAP_PRINTF_(1, 2) TAP_NORETURN_;

/**
 * tap_skip_all() - skip the whole program
 * @fmt: printf-style reason
 *
 * Prints "1..0 # SKIP reason" and exits with status 0.  Call it from
 * main() before tap_main(), or before any test point was emitted.
 */
void tap_skip_all(const char *fmt, ...) TAP_PRINTF_(1, 2) TAP_NORETURN_;

/**
 * tap_bail_out() - abort the whole test run
 * @fmt: printf-style message
 *
 * Prints "Bail out! message"; no further tests run and the program exits
 * non-zero.  Works from inside a (forked) test too.
 */
void tap_bail_out(const char *fmt, ...) TAP_PRINTF_(1, 2) TAP_NORETURN_;

/**
 * tap_diag() - print a diagnostic line "# message" on stdout
 * @fmt: printf-style message; embedded newlines start new "# " lines
 */
void tap_diag(const char *fmt, ...) TAP_PRINTF_(1, 2);

/**
 * tap_run_capture() - run a program and capture its output
 * @argv: NULL-terminated argument vector; argv[0] is looked up in PATH
 * @out: on success, a malloc'd NUL-terminated string with everything the
 *       program wrote to stdout and stderr (caller frees)
 * @status: on success, the raw wait status (use WIFEXITED() and friends)
 *
 * stdin is /dev/null.  The environment is inherited.
 *
 * Return: 0 on success, or -errno (e.g. -ENOENT if the program could not
 * be executed).
 */
int tap_run_capture(const char *const argv[], char **out, int *status);

/* Internal: check back ends used by the macros below. */
bool tap_check_true_(bool ok, bool fatal, const char *file, int line,
		     const char *expr);
bool tap_check_int_(bool ok, bool fatal, const char *file, int line,
		    const char *expr, intmax_t left, intmax_t right);
bool tap_check_uint_(bool ok, bool fatal, const char *file, int line,
		     const char *expr, uintmax_t left, uintmax_t right);
/*
 * Pointers are compared and printed, never dereferenced: tell gcc, whose
 * -Wmaybe-uninitialized otherwise assumes a const void * argument is read.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define TAP_PTR_NOT_READ_ __attribute__((access(none, 6), access(none, 7)))
#else
#define TAP_PTR_NOT_READ_
#endif
bool tap_check_ptr_(bool ok, bool fatal, const char *file, int line,
		    const char *expr, const void *left, const void *right) TAP_PTR_NOT_READ_;
bool tap_check_str_(bool fatal, const char *file, int line,
		    const char *expr, const char *left, const char *right);
bool tap_check_mem_(bool fatal, const char *file, int line,
		    const char *expr, const void *left, const void *right,
		    size_t len);
bool tap_check_neg_errno_(bool fatal, const char *file, int line,
			  const char *expr, intmax_t value, int err);
bool tap_check_null_errno_(bool fatal, const char *file, int line,
			   const char *expr, const void *ptr, int saved_errno,
			   int err);

#define TAP_CMP_(type, fn, fatal, text, a, op, b)			\
	__extension__ ({						\
		type tap_l_ = (a);					\
		type tap_r_ = (b);					\
		fn(tap_l_ op tap_r_, (fatal), __FILE__, __LINE__,	\
		   (text), tap_l_, tap_r_);				\
	})

/**
 * expect_int() - check ``a op b`` on values converted to intmax_t
 * @a: left operand (evaluated once)
 * @op: a C comparison operator token: ==, !=, <, <=, >, >=
 * @b: right operand (evaluated once)
 *
 * Return: true if the comparison held; otherwise prints diagnostics, marks
 * the test failed and continues.
 */
#define expect_int(a, op, b)						\
	TAP_CMP_(intmax_t, tap_check_int_, false,			\
		 "expect_int(" #a ", " #op ", " #b ")", a, op, b)
/** assert_int() - like expect_int(), but a failure ends the test */
#define assert_int(a, op, b)						\
	TAP_CMP_(intmax_t, tap_check_int_, true,			\
		 "assert_int(" #a ", " #op ", " #b ")", a, op, b)

/** expect_uint() - like expect_int(), comparing as uintmax_t */
#define expect_uint(a, op, b)						\
	TAP_CMP_(uintmax_t, tap_check_uint_, false,			\
		 "expect_uint(" #a ", " #op ", " #b ")", a, op, b)
/** assert_uint() - like expect_uint(), but a failure ends the test */
#define assert_uint(a, op, b)						\
	TAP_CMP_(uintmax_t, tap_check_uint_, true,			\
		 "assert_uint(" #a ", " #op ", " #b ")", a, op, b)

/** expect_ptr() - check ``a op b`` on pointers; @op is == or != */
#define expect_ptr(a, op, b)						\
	TAP_CMP_(const void *, tap_check_ptr_, false,			\
		 "expect_ptr(" #a ", " #op ", " #b ")", a, op, b)
/** assert_ptr() - like expect_ptr(), but a failure ends the test */
#define assert_ptr(a, op, b)						\
	TAP_CMP_(const void *, tap_check_ptr_, true,			\
		 "assert_ptr(" #a ", " #op ", " #b ")", a, op, b)

/**
 * expect_str() - check two C strings are equal (strcmp)
 * @a: left string, may be NULL (NULL only equals NULL)
 * @b: right string, may be NULL
 */
#define expect_str(a, b)						\
	tap_check_str_(false, __FILE__, __LINE__,			\
		       "expect_str(" #a ", " #b ")", (a), (b))
/** assert_str() - like expect_str(), but a failure ends the test */
#define assert_str(a, b)						\
	tap_check_str_(true, __FILE__, __LINE__,			\
		       "assert_str(" #a ", " #b ")", (a), (b))

/**
 * expect_mem() - check two buffers are equal (memcmp)
 * @a: left buffer
 * @b: right buffer
 * @len: number of bytes to compare
 *
 * On failure the first differing offset and the bytes around it are shown.
 */
#define expect_mem(a, b, len)						\
	tap_check_mem_(false, __FILE__, __LINE__,			\
		       "expect_mem(" #a ", " #b ", " #len ")",		\
		       (a), (b), (len))
/** assert_mem() - like expect_mem(), but a failure ends the test */
#define assert_mem(a, b, len)						\
	tap_check_mem_(true, __FILE__, __LINE__,			\
		       "assert_mem(" #a ", " #b ", " #len ")",		\
		       (a), (b), (len))

/** expect_true() - check that @expr is true (non-zero) */
#define expect_true(expr)						\
	tap_check_true_(!!(expr), false, __FILE__, __LINE__,		\
			"expect_true(" #expr ")")
/** assert_true() - like expect_true(), but a failure ends the test */
#define assert_true(expr)						\
	tap_check_true_(!!(expr), true, __FILE__, __LINE__,		\
			"assert_true(" #expr ")")

/**
 * expect_neg_errno() - check an int-returning call failed with -@err
 * @expr: integer expression, e.g. a call returning 0 or -errno
 * @err: expected positive errno value, e.g. EINVAL
 */
#define expect_neg_errno(expr, err)					\
	tap_check_neg_errno_(false, __FILE__, __LINE__,			\
			     "expect_neg_errno(" #expr ", " #err ")",	\
			     (expr), (err))
/** assert_neg_errno() - expect_neg_errno(), but a failure ends the test */
#define assert_neg_errno(expr, err)					\
	tap_check_neg_errno_(true, __FILE__, __LINE__,			\
			     "assert_neg_errno(" #expr ", " #err ")",	\
			     (expr), (err))

#define TAP_NULL_ERRNO_(fatal, text, expr, err)				\
	__extension__ ({						\
		const void *tap_p_;					\
		errno = 0;						\
		tap_p_ = (expr);					\
		tap_check_null_errno_((fatal), __FILE__, __LINE__,	\
				      (text), tap_p_, errno, (err));	\
	})

/**
 * expect_null_errno() - check a pointer-returning call failed with @err
 * @expr: pointer expression; errno is cleared before evaluating it
 * @err: expected errno value, e.g. ENOENT
 *
 * Passes if @expr is NULL and errno is @err afterwards.
 */
#define expect_null_errno(expr, err)					\
	TAP_NULL_ERRNO_(false, "expect_null_errno(" #expr ", " #err ")",\
			expr, err)
/** assert_null_errno() - expect_null_errno(), but a failure ends the test */
#define assert_null_errno(expr, err)					\
	TAP_NULL_ERRNO_(true, "assert_null_errno(" #expr ", " #err ")",	\
			expr, err)

#endif /* FROST_T_TAP_H */
