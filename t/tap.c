// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tap.c - frost's TAP test harness (see tap.h for the interface).
 *
 * Theory of operation: the harness keeps one static state block.  The
 * parent ("runner") prints the plan, then for each test flushes stdout,
 * forks a child into a fresh process group and waits for it.  Waiting is a
 * waitpid(WNOHANG)/poll() loop on a self-pipe that a SIGCHLD handler writes
 * to, so the runner sleeps until the child ends or the deadline passes; on
 * timeout the whole process group is SIGKILLed.  The group is also killed
 * after a normal exit, so nothing a test spawned can outlive it and keep
 * stdout (and thus prove) open, and if the runner itself gets SIGINT,
 * SIGTERM or SIGHUP it kills the current group before dying.
 *
 * The child runs the test body and then writes one record to a
 * close-on-exec result pipe: 'P' (passed), 'F' (failed), 'S'+reason
 * (skipped) or 'B' (bailed out; the child has already printed "Bail out!").
 * Records are shorter than PIPE_BUF, so the write is atomic, and the pipe
 * is only read after the child has been reaped.  Diagnostics are written
 * by the child straight to the shared, line-buffered stdout, so they
 * appear just before the runner's "ok"/"not ok" line.
 *
 * With TAP_NOFORK=1 the body runs in the runner under setjmp(); failed
 * assertions and tap_skip() longjmp() back, and bail-out exits directly.
 *
 * A TEST_F() runs as run_fixture() in whichever process runs the test: a
 * calloc()ed instance, the setup, the body if setup passed, the teardown if
 * setup returned.  While setup or body runs, a second jmp_buf is armed, so
 * that end_test() longjmp()s back there (and teardown runs) instead of
 * leaving the test process; only the thread and process that armed it use
 * it, since longjmp() into another thread's stack or a forked copy's
 * teardown would be wrong.  How the test ended (cur_failed, skip_reason)
 * is reported once teardown is done, as for a TEST().
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define TAP_DEFAULT_TIMEOUT	120.0
#define TAP_REASON_MAX		1024

enum tap_result {
	TAP_PASS,
	TAP_FAIL,
	TAP_SKIP,
};

static struct {
	struct tap_test *tests;		/* sorted by file, then line */
	unsigned int ntests;

	bool header_done;		/* "TAP version 13" printed */
	bool plan_done;			/* "1..N" printed */
	bool lazy;			/* tap_plan_lazy() mode */
	unsigned int planned;		/* from tap_plan() */
	unsigned int points;		/* test points emitted */
	unsigned int failed_points;
	unsigned int stray_failures;	/* failed checks outside a test */

	bool nofork;
	double timeout;			/* default timeout, 0 = none */

	/* Valid in whichever process runs a test body. */
	bool in_test;
	bool in_child;
	pid_t test_pid;			/* the test child's own pid */
	int result_fd;			/* write end of the result pipe */
	bool cur_failed;
	char skip_reason[TAP_REASON_MAX];
	jmp_buf jmp;

	/* Valid while a TEST_F() runs; see run_fixture(). */
	bool fx_armed;			/* end_test() returns to fx_jmp */
	bool fx_setup_returned;
	long fx_tid;			/* the thread that armed fx_jmp */
	jmp_buf fx_jmp;
} tap = {
	.result_fd = -1,
};

/* Runner-side signal plumbing. */
static int sigchld_pipe[2] = { -1, -1 };
static volatile sig_atomic_t child_pgrp;

__attribute__((constructor))
static void tap_init_stdio(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void tap_header(void)
{
	if (tap.header_done)
		return;
	tap.header_done = true;
	printf("TAP version 13\n");
}

void tap_register_(struct tap_test *test)
{
	struct tap_test **pos = &tap.tests;

	/*
	 * Keep declaration order even if constructors happen to run in
	 * reverse (as with old .ctors sections).
	 */
	while (*pos) {
		int c = strcmp((*pos)->file, test->file);

		if (c > 0 || (c == 0 && (*pos)->line > test->line))
			break;
		pos = &(*pos)->next;
	}
	test->next = *pos;
	*pos = test;
	tap.ntests++;
}

/* Copy @src into @dst (size @size), turning control characters into spaces. */
static void one_line(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = ((unsigned char)src[i] < 0x20) ? ' ' : src[i];
	dst[i] = '\0';
}

TAP_PRINTF_(1, 0) static void vdiag(const char *fmt, va_list ap)
{
	char buf[4096];
	char *line, *nl;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	tap_header();
	for (line = buf;; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		printf("#%s%s\n", *line ? " " : "", line);
		if (!nl || !nl[1])
			break;
	}
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

static void flush_all(void)
{
	fflush(stdout);
	fflush(stderr);
}

/* Child side: report how the test ended and leave. */
TAP_NORETURN_ static void child_finish(char kind, const char *reason)
{
	char rec[TAP_REASON_MAX + 1];
	size_t len;
	ssize_t n;

	flush_all();
	/* A process the test forked must not report for the test. */
	if (getpid() != tap.test_pid)
		_exit(tap.cur_failed ? 1 : 0);
	rec[0] = kind;
	len = 1;
	if (reason) {
		one_line(rec + 1, sizeof(rec) - 1, reason);
		len += strlen(rec + 1);
	}
	do {
		n = write(tap.result_fd, rec, len);
	} while (n < 0 && errno == EINTR);
	_exit(kind == 'P' || kind == 'S' ? 0 : 1);
}

static long current_tid(void)
{
	return (long)syscall(SYS_gettid);
}

/* End the running test early (failed assertion or tap_skip()). */
TAP_NORETURN_ static void end_test(void)
{
	if (tap.fx_armed && current_tid() == tap.fx_tid) {
		tap.fx_armed = false;
		longjmp(tap.fx_jmp, 1);
	}
	if (tap.in_child)
		child_finish(tap.skip_reason[0] && !tap.cur_failed ? 'S' : 'F',
			     tap.skip_reason[0] ? tap.skip_reason : NULL);
	longjmp(tap.jmp, 1);
}

void tap_bail_out(const char *fmt, ...)
{
	char msg[TAP_REASON_MAX];
	char line[TAP_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	one_line(line, sizeof(line), msg);

	tap_header();
	printf("Bail out! %s\n", line);
	flush_all();
	if (tap.in_child && tap.in_test)
		child_finish('B', NULL);
	if (child_pgrp > 0)
		kill(-(pid_t)child_pgrp, SIGKILL);
	exit(1);
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	if (!tap.in_test)
		tap_bail_out("tap_skip() called outside of a TEST()");
	va_start(ap, fmt);
	vsnprintf(tap.skip_reason, sizeof(tap.skip_reason), fmt, ap);
	va_end(ap);
	if (!tap.skip_reason[0])
		strcpy(tap.skip_reason, "(no reason given)");
	end_test();
}

void tap_skip_all(const char *fmt, ...)
{
	char msg[TAP_REASON_MAX];
	char line[TAP_REASON_MAX];
	va_list ap;

	if (tap.plan_done || tap.points || tap.in_test)
		tap_bail_out("tap_skip_all() called after tests started");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	one_line(line, sizeof(line), msg);

	tap_header();
	printf("1..0 # SKIP %s\n", line);
	flush_all();
	exit(0);
}

/* --- test points ------------------------------------------------------- */

/* Print a test point line; '#' in the description is escaped. */
static void print_point(bool ok, const char *desc, const char *directive)
{
	char buf[TAP_REASON_MAX];
	const char *s;

	tap_header();
	tap.points++;
	if (!ok)
		tap.failed_points++;
	one_line(buf, sizeof(buf), desc);
	printf("%sok %u", ok ? "" : "not ", tap.points);
	if (buf[0]) {
		fputs(" - ", stdout);
		for (s = buf; *s; s++) {
			if (*s == '#' || *s == '\\')
				putchar('\\');
			putchar(*s);
		}
	}
	if (directive)
		printf(" # %s", directive);
	putchar('\n');
}

void tap_plan(unsigned int n)
{
	if (tap.plan_done || tap.points)
		tap_bail_out("tap_plan() called twice or after test points");
	tap_header();
	printf("1..%u\n", n);
	tap.plan_done = true;
	tap.planned = n;
}

void tap_plan_lazy(void)
{
	if (tap.plan_done || tap.points)
		tap_bail_out("tap_plan_lazy() called after a plan or test point");
	tap_header();
	tap.lazy = true;
}

static void check_failed(const char *file, int line, const char *expr);
static bool check_end(bool fatal);

bool tap_ok(bool ok, const char *fmt, ...)
{
	char desc[TAP_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);

	if (tap.in_test) {
		if (ok)
			return true;
		check_failed(NULL, 0, desc);
		return check_end(false);
	}
	print_point(ok, desc, NULL);
	return ok;
}

int tap_done(void)
{
	bool bad = tap.failed_points || tap.stray_failures;

	tap_header();
	if (!tap.plan_done) {
		printf("1..%u\n", tap.points);
		tap.plan_done = true;
	} else if (tap.points != tap.planned) {
		tap_diag("planned %u test points but ran %u",
			 tap.planned, tap.points);
		bad = true;
	}
	if (tap.stray_failures)
		tap_diag("%u check(s) outside of TEST() failed",
			 tap.stray_failures);
	flush_all();
	return bad ? 1 : 0;
}

/* --- checks ------------------------------------------------------------ */

/* Print the first line of a failed check's diagnostics. */
static void check_failed(const char *file, int line, const char *expr)
{
	if (file)
		tap_diag("%s:%d: check failed: %s", file, line, expr);
	else
		tap_diag("check failed: %s", expr);
}

/* Record a failure; a fatal one ends the test. Always returns false. */
static bool check_end(bool fatal)
{
	flush_all();
	if (!tap.in_test) {
		tap.stray_failures++;
		if (fatal)
			tap_bail_out("assertion failed outside of a test");
		return false;
	}
	tap.cur_failed = true;
	if (fatal)
		end_test();
	return false;
}

bool tap_check_true_(bool ok, bool fatal, const char *file, int line,
		     const char *expr)
{
	if (ok)
		return true;
	check_failed(file, line, expr);
	return check_end(fatal);
}

bool tap_check_int_(bool ok, bool fatal, const char *file, int line,
		    const char *expr, intmax_t left, intmax_t right)
{
	if (ok)
		return true;
	check_failed(file, line, expr);
	tap_diag("   left: %jd", left);
	tap_diag("  right: %jd", right);
	return check_end(fatal);
}

bool tap_check_uint_(bool ok, bool fatal, const char *file, int line,
		     const char *expr, uintmax_t left, uintmax_t right)
{
	if (ok)
		return true;
	check_failed(file, line, expr);
	tap_diag("   left: %ju (0x%jx)", left, left);
	tap_diag("  right: %ju (0x%jx)", right, right);
	return check_end(fatal);
}

static void diag_ptr(const char *label, const void *p)
{
	if (p)
		tap_diag("%s: %p", label, p);
	else
		tap_diag("%s: NULL", label);
}

bool tap_check_ptr_(bool ok, bool fatal, const char *file, int line,
		    const char *expr, const void *left, const void *right)
{
	if (ok)
		return true;
	check_failed(file, line, expr);
	diag_ptr("   left", left);
	diag_ptr("  right", right);
	return check_end(fatal);
}

/* Print "label: "string"" with C-style escapes, or NULL. */
static void diag_quoted(const char *label, const char *s)
{
	char buf[2048];
	size_t n = 0;

	if (!s) {
		tap_diag("%s: NULL", label);
		return;
	}
	buf[n++] = '"';
	for (; *s && n < sizeof(buf) - 8; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (c == '\t') {
			buf[n++] = '\\';
			buf[n++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
					      "\\x%02x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	if (*s) {
		memcpy(buf + n, "...", 3);
		n += 3;
	} else {
		buf[n++] = '"';
	}
	buf[n] = '\0';
	tap_diag("%s: %s", label, buf);
}

bool tap_check_str_(bool fatal, const char *file, int line,
		    const char *expr, const char *left, const char *right)
{
	bool ok;

	if (!left || !right)
		ok = left == right;
	else
		ok = strcmp(left, right) == 0;
	if (ok)
		return true;
	check_failed(file, line, expr);
	diag_quoted("   left", left);
	diag_quoted("  right", right);
	return check_end(fatal);
}

static void diag_hex(const char *label, const unsigned char *p, size_t off,
		     size_t end)
{
	char buf[128];
	size_t n = 0;

	for (size_t i = off; i < end; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %02x", p[i]);
	buf[n] = '\0';
	tap_diag("%s: +%zu:%s", label, off, buf);
}

bool tap_check_mem_(bool fatal, const char *file, int line,
		    const char *expr, const void *left, const void *right,
		    size_t len)
{
	const unsigned char *l = left, *r = right;
	size_t i, from, to;

	if (len == 0 || (l && r && memcmp(l, r, len) == 0))
		return true;
	check_failed(file, line, expr);
	if (!l || !r) {
		diag_ptr("   left", left);
		diag_ptr("  right", right);
		return check_end(fatal);
	}
	for (i = 0; l[i] == r[i]; i++)
		;
	from = i & ~(size_t)15;
	to = from + 16 < len ? from + 16 : len;
	tap_diag("  first difference at offset %zu of %zu", i, len);
	diag_hex("   left", l, from, to);
	diag_hex("  right", r, from, to);
	return check_end(fatal);
}

bool tap_check_neg_errno_(bool fatal, const char *file, int line,
			  const char *expr, intmax_t value, int err)
{
	if (value == -(intmax_t)err)
		return true;
	check_failed(file, line, expr);
	if (value < 0 && value > -4096)
		tap_diag("   left: %jd (%s)", value, strerror((int)-value));
	else
		tap_diag("   left: %jd", value);
	tap_diag("  right: %d (%s)", -err, strerror(err));
	return check_end(fatal);
}

bool tap_check_null_errno_(bool fatal, const char *file, int line,
			   const char *expr, const void *ptr, int saved_errno,
			   int err)
{
	if (!ptr && saved_errno == err)
		return true;
	check_failed(file, line, expr);
	if (ptr)
		tap_diag("   left: %p, errno %d (%s)", ptr, saved_errno,
			 strerror(saved_errno));
	else
		tap_diag("   left: NULL, errno %d (%s)", saved_errno,
			 strerror(saved_errno));
	tap_diag("  right: NULL, errno %d (%s)", err, strerror(err));
	return check_end(fatal);
}

/* --- running tests ----------------------------------------------------- */

static const char *signal_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{ SIGABRT, "SIGABRT" }, { SIGALRM, "SIGALRM" },
		{ SIGBUS, "SIGBUS" },   { SIGFPE, "SIGFPE" },
		{ SIGHUP, "SIGHUP" },   { SIGILL, "SIGILL" },
		{ SIGINT, "SIGINT" },   { SIGKILL, "SIGKILL" },
		{ SIGPIPE, "SIGPIPE" }, { SIGQUIT, "SIGQUIT" },
		{ SIGSEGV, "SIGSEGV" }, { SIGSYS, "SIGSYS" },
		{ SIGTERM, "SIGTERM" }, { SIGTRAP, "SIGTRAP" },
		{ SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" },
		{ SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	};
	static char buf[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return names[i].name;
	snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

static void on_sigchld(int sig)
{
	int saved = errno;
	ssize_t n;

	(void)sig;
	n = write(sigchld_pipe[1], "x", 1);
	(void)n;
	errno = saved;
}

static void on_fatal_signal(int sig)
{
	if (child_pgrp > 0)
		kill(-(pid_t)child_pgrp, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void setup_runner(void)
{
	struct sigaction sa;

	if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		tap_bail_out("pipe2: %s", strerror(errno));

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sa.sa_handler = on_sigchld;
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		tap_bail_out("sigaction: %s", strerror(errno));

	sa.sa_flags = 0;
	sa.sa_handler = on_fatal_signal;
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(int); i++)
		sigaction(fatal_signals[i], &sa, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/*
 * Wait for @pid for at most @timeout seconds (0 = forever).
 * Return: true if it ended (status in *@status), false on timeout.
 */
static bool wait_child(pid_t pid, double timeout, int *status)
{
	double deadline = now() + timeout;

	for (;;) {
		struct pollfd pfd = { .fd = sigchld_pipe[0], .events = POLLIN };
		int ms = -1;
		pid_t r;

		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			tap_bail_out("waitpid: %s", strerror(errno));
		if (timeout > 0) {
			double left = deadline - now();

			if (left <= 0)
				return false;
			ms = (int)(left * 1000) + 1;
		}
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			tap_bail_out("poll: %s", strerror(errno));
		drain(sigchld_pipe[0]);
	}
}

/*
 * Run @test's fixture setup, body and teardown (see the theory of operation
 * at the top).  Returns normally however the test ended, except on bail-out.
 */
static void run_fixture(struct tap_test *test)
{
	void *self = calloc(1, test->fixture_size);

	if (!self)
		tap_bail_out("no memory for fixture %s", test->fixture);
	tap.fx_setup_returned = false;
	tap.fx_tid = current_tid();
	tap.fx_armed = true;
	if (setjmp(tap.fx_jmp) == 0) {
		test->setup(self);
		tap.fx_setup_returned = true;
		if (tap.cur_failed)
			tap_diag("setup of fixture %s failed; body not run",
				 test->fixture);
		else
			test->body(self);
	}
	tap.fx_armed = false;
	if (tap.fx_setup_returned)
		test->teardown(self);
	free(self);
}

static void run_body(struct tap_test *test)
{
	if (test->fn)
		test->fn();
	else
		run_fixture(test);
}

TAP_NORETURN_ static void run_child(struct tap_test *test, int result_fd)
{
	struct sigaction sa;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(int); i++)
		sigaction(fatal_signals[i], &sa, NULL);
	close(sigchld_pipe[0]);
	close(sigchld_pipe[1]);

	tap.in_child = true;
	tap.in_test = true;
	tap.test_pid = getpid();
	tap.result_fd = result_fd;
	run_body(test);
	if (tap.cur_failed)
		child_finish('F', NULL);
	if (tap.skip_reason[0])
		child_finish('S', tap.skip_reason);
	child_finish('P', NULL);
}

static void run_forked(struct tap_test *test, double timeout)
{
	char rec[TAP_REASON_MAX + 2];
	char directive[TAP_REASON_MAX + 64];
	int fds[2];
	int status = 0;
	ssize_t n;
	pid_t pid;
	bool ended;

	if (pipe2(fds, O_CLOEXEC) < 0)
		tap_bail_out("pipe2: %s", strerror(errno));
	flush_all();
	pid = fork();
	if (pid < 0)
		tap_bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		run_child(test, fds[1]);
	}
	close(fds[1]);
	setpgid(pid, pid);	/* also done by the child; whoever is first */
	child_pgrp = pid;

	ended = wait_child(pid, timeout, &status);
	kill(-pid, SIGKILL);	/* the test's leftovers, or the hung test */
	if (!ended) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	child_pgrp = 0;

	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	n = read(fds[0], rec, sizeof(rec) - 1);
	close(fds[0]);
	if (n < 0)
		n = 0;
	rec[n] = '\0';

	if (!ended) {
		snprintf(directive, sizeof(directive), "TIMEOUT after %g s",
			 timeout);
		print_point(false, test->name, directive);
	} else if (rec[0] == 'B') {
		exit(1);	/* "Bail out!" already printed by the child */
	} else if (WIFSIGNALED(status)) {
		snprintf(directive, sizeof(directive), "killed by %s",
			 signal_name(WTERMSIG(status)));
		print_point(false, test->name, directive);
	} else if (rec[0] == 'S') {
		snprintf(directive, sizeof(directive), "SKIP %s", rec + 1);
		print_point(true, test->name, directive);
	} else if (rec[0] == 'P' && WEXITSTATUS(status) == 0) {
		print_point(true, test->name, NULL);
	} else if (rec[0] == 'F') {
		print_point(false, test->name, NULL);
	} else {
		snprintf(directive, sizeof(directive),
			 "test exited prematurely with status %d",
			 WEXITSTATUS(status));
		print_point(false, test->name, directive);
	}
}

static void run_inline(struct tap_test *test)
{
	char directive[TAP_REASON_MAX + 16];

	tap.in_test = true;
	if (setjmp(tap.jmp) == 0)
		run_body(test);
	tap.in_test = false;
	flush_all();

	if (tap.cur_failed) {
		print_point(false, test->name, NULL);
	} else if (tap.skip_reason[0]) {
		snprintf(directive, sizeof(directive), "SKIP %s",
			 tap.skip_reason);
		print_point(true, test->name, directive);
	} else {
		print_point(true, test->name, NULL);
	}
}

static double env_timeout(void)
{
	const char *s = getenv("TAP_TIMEOUT");
	char *end;
	double v;

	if (!s || !*s)
		return TAP_DEFAULT_TIMEOUT;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v < 0 || v > 1e6)
		tap_bail_out("invalid TAP_TIMEOUT=%s (want seconds >= 0)", s);
	return v;
}

static bool selected(const struct tap_test *test, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (fnmatch(argv[i], test->name, 0) == 0)
			return true;
	return false;
}

int tap_main(int argc, char **argv)
{
	const char *nofork = getenv("TAP_NOFORK");

	if (tap.plan_done || tap.points || tap.lazy)
		tap_bail_out("tap_main() called after tap_plan()/tap_ok()");
	tap.nofork = nofork && *nofork && strcmp(nofork, "0") != 0;
	tap.timeout = env_timeout();

	tap_header();
	if (!tap.ntests)
		tap_skip_all("no tests registered");
	printf("1..%u\n", tap.ntests);
	tap.plan_done = true;
	tap.planned = tap.ntests;

	if (!tap.nofork)
		setup_runner();

	for (struct tap_test *t = tap.tests; t; t = t->next) {
		double timeout = t->timeout > 0 ? t->timeout : tap.timeout;

		if (tap.timeout == 0)
			timeout = 0;
		tap.cur_failed = false;
		tap.skip_reason[0] = '\0';
		if (!selected(t, argc, argv))
			print_point(true, t->name, "SKIP not selected");
		else if (tap.nofork)
			run_inline(t);
		else
			run_forked(t, timeout);
	}
	flush_all();
	return tap.failed_points || tap.stray_failures ? 1 : 0;
}

/* --- helpers for tests ------------------------------------------------- */

int tap_run_capture(const char *const argv[], char **out, int *status)
{
	int opipe[2], epipe[2];
	size_t len = 0, cap = 4096;
	char *buf;
	int err = 0, st = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(opipe, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(epipe, O_CLOEXEC) < 0) {
		err = -errno;
		goto close_opipe;
	}
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto close_epipe;
	}
	flush_all();
	pid = fork();
	if (pid < 0) {
		err = -errno;
		free(buf);
		goto close_epipe;
	}
	if (pid == 0) {
		int e, devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(opipe[1], STDOUT_FILENO);
		dup2(opipe[1], STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		e = errno;
		n = write(epipe[1], &e, sizeof(e));
		_exit(127);
	}
	close(opipe[1]);
	close(epipe[1]);
	opipe[1] = epipe[1] = -1;

	for (;;) {
		if (cap - len < 1024) {
			char *nbuf = realloc(buf, cap * 2);

			if (!nbuf) {
				err = -ENOMEM;
				break;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(opipe[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(opipe[0]);
	opipe[0] = -1;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			if (!err)
				err = -errno;
			break;
		}
	}
	if (!err) {
		int e;

		n = read(epipe[0], &e, sizeof(e));
		if (n == (ssize_t)sizeof(e))
			err = -e;
	}
	close(epipe[0]);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*status = st;
	return 0;

close_epipe:
	close(epipe[0]);
	close(epipe[1]);
close_opipe:
	close(opipe[0]);
	close(opipe[1]);
	return err;
}
