// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/lua.c - `frost-bench lua`: the Lua binding's real-data
 * benchmark (tools/lua/bench.lua) run from frost-bench, its figures
 * reported as frost-bench's SUMMARY lines and CSV rows.
 *
 * Theory of operation. The measuring is the script's: it needs Lua states
 * on their own threads (frost.spawn), which only the interpreter has. This
 * file runs `lua5.4 bench.lua --raw ...` (fork and execvp, no shell) with
 * the common options translated (--reps, --duration or --iterations, where
 * one chunk is one pass over the data set's keys, --variant, --quiet) and
 * --workers, and reads its output: "RESULT name=... frost=... baseline=...
 * unit=... target=..." lines become bench_summary() calls, "SKIP <reason>"
 * (the interpreter has no lua-cjson, no frost module, or there is no data
 * set) becomes a "# lua: skipped" line and success, as do a missing
 * interpreter or script, so that `frost-bench all` runs on a machine
 * without Lua; every other line is passed through.
 * The script's exit status other than 0, or no RESULT line at all when
 * every variant ran, is a failure.
 *
 * Found at run time: the interpreter is $LUA, else lua5.4 from PATH; the
 * script is $FROST_LUA_BENCH, else lua/bench.lua next to this program (an
 * in-tree build), else $FROST_SRCTREE/tools/lua/bench.lua (make sets it
 * for out-of-tree builds). The module: when LUA_CPATH is unset and
 * lua/frost.so sits next to this program, LUA_CPATH points there first.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

static uint64_t opt_workers = 2;

static const char *const lua_variants[] = { "frozen", "copy", "deepcopy", NULL };

/* The directory of this program, with a trailing '/' (or "" if unknown). */
static void exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		slash[1] = '\0';
	else
		buf[0] = '\0';
}

static const char *find_script(char *buf, size_t size, const char *dir)
{
	const char *env = getenv("FROST_LUA_BENCH");

	if (env && *env)
		return env;
	snprintf(buf, size, "%slua/bench.lua", dir);
	if (dir[0] && !access(buf, R_OK))
		return buf;
	env = getenv("FROST_SRCTREE");
	if (env && *env) {
		snprintf(buf, size, "%s/tools/lua/bench.lua", env);
		if (!access(buf, R_OK))
			return buf;
	}
	return NULL;
}

/* Point LUA_CPATH at a frost.so built next to this program, if unset. */
static void set_cpath(const char *dir)
{
	char so[PATH_MAX + 32], cpath[PATH_MAX + 32];

	if (getenv("LUA_CPATH_5_4") || getenv("LUA_CPATH") || !dir[0])
		return;
	snprintf(so, sizeof(so), "%slua/frost.so", dir);
	if (access(so, R_OK))
		return;
	snprintf(cpath, sizeof(cpath), "%slua/?.so;;", dir);
	setenv("LUA_CPATH", cpath, 1);
}

/* Parse one RESULT line into a SUMMARY line; false if it is malformed. */
static bool result_line(const struct bench_common *c, const char *line)
{
	char name[64], unit[32];
	double frost, base, target;

	if (sscanf(line, "RESULT name=%63s frost=%lf baseline=%lf unit=%31s target=%lf",
		   name, &frost, &base, unit, &target) != 5)
		return false;
	/* An extra state may add no resident page: frost may be 0. */
	if (!isfinite(frost) || frost < 0) {
		bench_error("insane result for %s: %g (expected a finite value >= 0)", name, frost);
		return false;
	}
	if (!bench_sane(name, base))
		return false;
	bench_summary(c, name, frost, base, unit, target);
	return true;
}

static int lua_run(const struct bench_common *c)
{
	char dir[PATH_MAX], script_buf[PATH_MAX + 32];
	char workers[24], reps[24], amount[32];
	const char *lua = getenv("LUA"), *script;
	const char *argv[20];
	unsigned int argc = 0, results = 0;
	int fds[2], status, ret = 0;
	bool skipped = false;
	char *line = NULL;
	size_t cap = 0;
	pid_t pid;
	FILE *f;

	if (!lua || !*lua)
		lua = "lua5.4";
	exe_dir(dir, sizeof(dir));
	script = find_script(script_buf, sizeof(script_buf), dir);
	if (!script) {
		/* An installed frost-bench, or an O= build run by hand. */
		printf("# lua: skipped: tools/lua/bench.lua not found "
		       "(set FROST_LUA_BENCH or FROST_SRCTREE)\n");
		return 0;
	}
	set_cpath(dir);

	snprintf(workers, sizeof(workers), "%llu", (unsigned long long)opt_workers);
	snprintf(reps, sizeof(reps), "%u", c->reps);
	if (c->iterations)
		snprintf(amount, sizeof(amount), "%llu", (unsigned long long)c->iterations);
	else
		snprintf(amount, sizeof(amount), "%.6f", c->duration);
	argv[argc++] = lua;
	argv[argc++] = script;
	argv[argc++] = "--raw";
	argv[argc++] = "--workers";
	argv[argc++] = workers;
	argv[argc++] = "--reps";
	argv[argc++] = reps;
	argv[argc++] = c->iterations ? "--iterations" : "--duration";
	argv[argc++] = amount;
	if (c->variant) {
		argv[argc++] = "--variant";
		argv[argc++] = c->variant;
	}
	if (c->quiet)
		argv[argc++] = "--quiet";
	argv[argc] = NULL;

	if (pipe(fds)) {
		bench_error("lua: pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		bench_error("lua: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (!pid) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(lua, (char *const *)argv);
		/* Read by the parent as a skip: no interpreter is no Lua. */
		printf("SKIP cannot run %s: %s\n", lua, strerror(errno));
		fflush(stdout);
		_exit(0);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f) {
		bench_error("lua: fdopen: %s", strerror(errno));
		close(fds[0]);
		waitpid(pid, &status, 0);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		if (!strncmp(line, "RESULT ", 7)) {
			if (!result_line(c, line)) {
				bench_error("lua: malformed line from %s: %s", script, line);
				ret = -1;
			}
			results++;
		} else if (!strncmp(line, "SKIP ", 5)) {
			printf("# lua: skipped: %s", line + 5);
			skipped = true;
		} else {
			fputs(line, stdout);
		}
	}
	free(line);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0) {
		bench_error("lua: waitpid: %s", strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		bench_error("lua: %s %s failed (status %d)", lua, script,
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -1;
	}
	if (!skipped && !results && !c->variant) {
		bench_error("lua: %s printed no RESULT line", script);
		return -1;
	}
	return ret;
}

static const struct bench_option lua_options[] = {
	{ .name = "workers", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_workers,
	  .min = 1, .max = 64, .help = "worker Lua states per variant (default 2)" },
	{ .name = NULL },
};

const struct bench bench_lua = {
	.name = "lua",
	.help = "Lua states sharing frozen iso-codes data vs a copy / deep copy per state",
	.variants = lua_variants,
	.chunk = "one pass of idx[key].name over every key of the iso-codes data set",
	.options = lua_options,
	.run = lua_run,
};
