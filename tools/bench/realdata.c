// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/realdata.c - `frost-bench realdata`: a real data set (the
 * iso-codes JSON tables) frozen in frost against the same records in a
 * jansson tree, a GLib hash table of GVariants and a plain C table.
 *
 * Theory of operation. The data set is every iso_*.json file of Debian's
 * iso-codes package (/usr/share/iso-codes/json; --files names others):
 * ISO 639-3 languages (7910 records), ISO 3166-2 subdivisions (5127), and
 * the small tables (countries, currencies, scripts, ...), 14282 records in
 * all, of 16 distinct short string fields, most of them absent or
 * repeated ("scope": "I"). One file alone is either small or of four
 * fields; together they are the "tens of thousands of records of a dozen
 * short string fields" of issue 15. --copies N repeats the set with keys
 * suffixed "#1", "#2", ... for more. A record's key is "<table>:<code>",
 * its code the first of its code, alpha_3, alpha_4, alpha_2 fields
 * ("639-3:aaa", "3166-2:AD-02").
 *
 * The files are read into memory once; each build parses that text again
 * with jansson (json_loadb) and turns the tree into its structure:
 *
 *   jansson  the parsed tree itself, kept: an object of record objects;
 *   frost    str values made shared in place (frost_str_new_frozen()) and
 *            one private map per record (field-name keys made once and
 *            shared by every record), a map of records by key,
 *            frost_freeze() of that map (which copies the maps), the
 *            private graph and the tree dropped: "parse + freeze";
 *            frost-dedup is the same with private str values and
 *            frost_freeze_opt(FROST_FREEZE_DEDUP), for its memory and build
 *            time only (equal values stored once; the readers read frost);
 *   glib     a GHashTable from the key (a g_strdup) to a GVariant a{ss};
 *   plain    an array of structs with one char * per field (NULL if
 *            absent; strdup'ed) and an open-addressing index of them (at
 *            most half full), SipHash of the key as in `frost-bench read`'s
 *            ideal table.
 *
 * One reader operation looks a record up by its key, a C string, and
 * reads three fields ("name", "type", "alpha_2": present, often absent,
 * mostly absent), adding their lengths; the sum is checked against the
 * plain table's. frost: frost_map_get_str() of the key in the published
 * map, frost_map_get_str_hashed() of each field (hashes of the field names
 * computed once, as a program with constant field names would),
 * frost_str_data(); the map is fetched through a binding after every
 * quiescent state (every 64 operations). jansson: json_object_get() of the
 * record, json_incref()/json_decref() around the reads (an atomic
 * refcount: what makes a record safe to hold while the tree may change),
 * json_object_get() and json_string_length() of each field. glib:
 * g_hash_table_lookup(), g_variant_ref()/unref(), g_variant_lookup(..,
 * "&s") and strlen(). plain: the probe, strlen() of each field. Readers
 * go through the keys in one shuffled order, each from its own offset.
 *
 * frost-tuple is frost with each record a tuple of all 16 fields in a
 * fixed order (absent ones the static empty str), read by field number:
 * records of a schema the reader knows, as a C struct's reader knows its
 * offsets or a runtime its record type's slots.
 *
 * frost-reload is frost with one more thread that rebuilds the whole data
 * set (parse, build, freeze) and frost_publish()es it over the old one,
 * back to back, while the readers run; the old versions are the
 * reclaimer's. Its figure is the readers' speed during reloads.
 *
 * Figures, all from one run:
 *   - reads: per reader thread, operations per second of the thread's CPU
 *     time (CLOCK_THREAD_CPUTIME_ID: the machine is shared and noisy),
 *     every variant run for --duration in turn within each of --reps
 *     rounds, medians. Targets at 2 readers: frost >= 1.5x jansson,
 *     >= 0.8x plain.
 *   - build: CPU time of the main thread building each structure from
 *     the text (CLOCK_THREAD_CPUTIME_ID, as the reads), interleaved
 *     rounds, medians. Target: frost (parse + freeze) <= 1.5x jansson's
 *     parse.
 *   - memory: bytes each structure holds: jansson's and the plain
 *     table's counted exactly (their allocations through a counting
 *     malloc: usable size plus glibc's 8-byte chunk header), frost's shared
 *     bytes (frost_heap_stats(): slot sizes); each build's RSS delta as
 *     well (the only figure GLib gets; glibc keeps freed memory, so later
 *     builds' deltas are understated). Target: frost <= 0.5x jansson.
 *   - layout: the shared bytes of one str of n bytes, one map of n
 *     entries and one tuple of n items, against malloc's for the bytes
 *     they hold (for the compact-layout work of issue 15).
 *
 * With --iterations N each reader does N passes over the keys (rounded up
 * to whole batches) instead of running for --duration: the same
 * operations on the same records in every run, for callgrind. The reader
 * operations are noipa with fixed names (bench_realdata_<variant>_op):
 * see tools/bench/callgrind-realdata.sh.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <jansson.h>
#include <frost/frost.h>
#include "core/siphash.h"
#include "bench.h"

#define RD_BATCH	64	/* operations between stop checks and quiescent states */
#define RD_MAX_READERS	64
#define RD_MAX_FILES	32
#define RD_NAME		"realdata"
#define RD_NAME_TUPLE	"realdata.tuple"
#define RD_NAME_DEDUP	"realdata.dedup"
#define RD_DEFAULT_DIR	"/usr/share/iso-codes/json"

#define TARGET_JANSSON	1.5	/* frost over jansson, reads per thread, >= */
#define TARGET_PLAIN	0.8	/* frost over plain, reads per thread, >= */
#define TARGET_MEM	0.5	/* frost's bytes over jansson's, <= */
#define TARGET_BUILD	1.5	/* frost's build over jansson's parse, <= */

static uint64_t opt_readers = 2;
static uint64_t opt_copies = 1;
static const char *opt_files;	/* NULL: every iso_*.json of RD_DEFAULT_DIR */

enum { V_FROST, V_JANSSON, V_GLIB, V_PLAIN, V_RELOAD, V_TUPLE, NR_V };
static const char *const rd_variants[] = { "frost", "jansson", "glib", "plain", "frost-reload",
					   "frost-tuple", NULL };

/* The fields of the iso-codes records; anything else is counted and ignored. */
static const char *const rd_fields[] = {
	"alpha_2", "alpha_3", "alpha_4", "bibliographic", "code", "comment", "common_name",
	"flag", "inverted_name", "name", "numeric", "official_name", "parent", "scope",
	"type", "withdrawal_date",
};
#define RD_NR_FIELDS	(sizeof(rd_fields) / sizeof(rd_fields[0]))
enum { F_ALPHA_2 = 0, F_NAME = 9, F_TYPE = 14 };
/* What a reader reads of each record. */
static const unsigned int rd_read[] = { F_NAME, F_TYPE, F_ALPHA_2 };
#define RD_NR_READ	(sizeof(rd_read) / sizeof(rd_read[0]))

/* ----------------------------------------------------------------------- */
/* Counting allocator (jansson's and the plain table's memory) */

static uint64_t counted_bytes;

static void *count_malloc(size_t n)
{
	void *p = malloc(n);

	if (p)
		__atomic_fetch_add(&counted_bytes, malloc_usable_size(p) + 8, __ATOMIC_RELAXED);
	return p;
}

static void count_free(void *p)
{
	if (p)
		__atomic_fetch_sub(&counted_bytes, malloc_usable_size(p) + 8, __ATOMIC_RELAXED);
	free(p);
}

static char *count_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = count_malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static uint64_t counted(void)
{
	return __atomic_load_n(&counted_bytes, __ATOMIC_RELAXED);
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* ----------------------------------------------------------------------- */
/* The data set */

/* struct rd_text - one JSON file in memory, and its table's name. */
struct rd_text {
	char *buf;
	size_t len;
};

/* struct rd_plain - a record of the plain table. */
struct rd_plain {
	const char *key;
	size_t keylen;
	uint64_t hash;
	char *f[RD_NR_FIELDS];
};

struct rd_data {
	struct rd_text text[RD_MAX_FILES];
	unsigned int nr_text;
	size_t nr;			/* records (times --copies) */
	char **keys;			/* in reading order (shuffled) */
	size_t *keylen;
	uint64_t *expect;		/* per key: the sum of the lengths read */
	uint64_t ignored;		/* fields outside rd_fields, non-string values */

	/* jansson */
	json_t *jroot;
	/* glib */
	GHashTable *ghash;
	/* plain: the records in an array, an open-addressing index of them */
	struct rd_plain *precs;
	struct rd_plain **ptab;
	size_t pmask;
	/* frost */
	struct frost_heap *heap;
	struct frost_sandbox *sb;	/* the main thread's */
	uint64_t fhash[RD_NR_FIELDS];	/* str hashes of the field names */
	uint64_t fixed_ops;		/* --iterations: operations per reader, else 0 */

	struct bench_sync sync;
};

/* struct rd_thread - one reader's (or the reloader's) arguments and results. */
struct rd_thread {
	pthread_t tid;
	struct rd_data *d;
	int variant;
	unsigned int id;
	uint64_t ops;
	uint64_t bad;
	uint64_t cpu_ns;
	int err;
} __attribute__((aligned(64)));

static int read_file(const char *path, struct rd_text *t)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st)) {
		bench_error("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	t->len = (size_t)st.st_size;
	t->buf = malloc(t->len + 1);
	n = t->buf ? read(fd, t->buf, t->len) : -1;
	close(fd);
	if (n < 0 || (size_t)n != t->len) {
		bench_error("%s: short read", path);
		return -1;
	}
	t->buf[t->len] = '\0';
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int load_texts(struct rd_data *d)
{
	char *names[RD_MAX_FILES];
	unsigned int n = 0;

	if (opt_files) {
		char *list = strdup(opt_files), *save = NULL;

		for (char *p = strtok_r(list, ",", &save); p && n < RD_MAX_FILES;
		     p = strtok_r(NULL, ",", &save))
			names[n++] = strdup(p);
		free(list);
	} else {
		DIR *dir = opendir(RD_DEFAULT_DIR);
		struct dirent *e;

		if (!dir) {
			bench_error("%s: %s (install the iso-codes package, or give --files)",
				    RD_DEFAULT_DIR, strerror(errno));
			return -1;
		}
		while ((e = readdir(dir)) && n < RD_MAX_FILES) {
			size_t l = strlen(e->d_name);
			char path[512];

			if (strncmp(e->d_name, "iso_", 4) || l < 5 || strcmp(e->d_name + l - 5, ".json"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", RD_DEFAULT_DIR, e->d_name);
			names[n++] = strdup(path);
		}
		closedir(dir);
		qsort(names, n, sizeof(names[0]), cmp_str);
	}
	if (!n) {
		bench_error("realdata: no data files");
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		int err = names[i] ? read_file(names[i], &d->text[i]) : -1;

		free(names[i]);
		if (err)
			return -1;
	}
	d->nr_text = n;
	return 0;
}

/* The field number of @name, or -1. */
static int field_of(const char *name)
{
	for (unsigned int i = 0; i < RD_NR_FIELDS; i++)
		if (!strcmp(name, rd_fields[i]))
			return (int)i;
	return -1;
}

/*
 * struct rd_rec - one record as the builders see it: its key and its
 * fields (NULL: absent), pointing into the jansson tree.
 */
struct rd_rec {
	char key[96];
	const char *f[RD_NR_FIELDS];
	size_t flen[RD_NR_FIELDS];
};

typedef int (*rd_sink)(void *arg, const struct rd_rec *r);

/*
 * Walk the parsed file @root (one key, the table's name, whose value is an
 * array of records) and hand each record, --copies times, to @sink.
 */
static int walk_tree(json_t *root, rd_sink sink, void *arg, uint64_t *ignored)
{
	const char *table;
	json_t *arr = NULL, *obj;
	size_t i;

	if (!json_is_object(root) || json_object_size(root) != 1)
		return -1;
	json_object_foreach(root, table, arr)
		break;
	if (!json_is_array(arr))
		return -1;
	json_array_foreach(arr, i, obj) {
		struct rd_rec r;
		const char *k, *code;
		json_t *v;

		if (!json_is_object(obj))
			return -1;
		memset(r.f, 0, sizeof(r.f));
		json_object_foreach(obj, k, v) {
			int f = field_of(k);

			if (f < 0 || !json_is_string(v)) {
				(*ignored)++;
				continue;
			}
			r.f[f] = json_string_value(v);
			r.flen[f] = json_string_length(v);
		}
		code = r.f[4] ? r.f[4] : r.f[1] ? r.f[1] : r.f[2] ? r.f[2] : r.f[0];
		if (!code)
			return -1;
		for (uint64_t c = 0; c < opt_copies; c++) {
			if (c)
				snprintf(r.key, sizeof(r.key), "%s:%s#%llu", table, code,
					 (unsigned long long)c);
			else
				snprintf(r.key, sizeof(r.key), "%s:%s", table, code);
			if (sink(arg, &r))
				return -1;
		}
	}
	return 0;
}

/* Parse every file and feed every record to @sink; the trees are freed. */
static int parse_all(struct rd_data *d, rd_sink sink, void *arg)
{
	for (unsigned int i = 0; i < d->nr_text; i++) {
		json_error_t jerr;
		json_t *root = json_loadb(d->text[i].buf, d->text[i].len, 0, &jerr);
		uint64_t ign = 0;
		int err;

		if (!root) {
			bench_error("realdata: JSON error line %d: %s", jerr.line, jerr.text);
			return -1;
		}
		err = walk_tree(root, sink, arg, &ign);
		json_decref(root);
		if (err) {
			bench_error("realdata: file %u is not an iso-codes table", i);
			return -1;
		}
		d->ignored = ign;
	}
	return 0;
}

/* ----------------------------------------------------------------------- */
/* The plain table */

static struct rd_plain *plain_find(const struct rd_data *d, const char *key, size_t len)
{
	uint64_t h = __frost_hash_bytes(key, len);

	for (size_t i = h & d->pmask;; i = (i + 1) & d->pmask) {
		struct rd_plain *p = d->ptab[i];

		if (!p)
			return NULL;
		if (p->hash == h && p->keylen == len && !memcmp(p->key, key, len))
			return p;
	}
}

static int plain_sink(void *arg, const struct rd_rec *r)
{
	struct rd_data *d = arg;
	size_t len = strlen(r->key);
	uint64_t h = __frost_hash_bytes(r->key, len);
	size_t i = h & d->pmask;
	struct rd_plain *p;

	while (d->ptab[i]) {
		if (d->ptab[i]->keylen == len && !memcmp(d->ptab[i]->key, r->key, len))
			return -1;	/* a key twice */
		i = (i + 1) & d->pmask;
	}
	p = d->ptab[i] = &d->precs[d->nr];
	p->key = count_strdup(r->key);
	p->keylen = len;
	p->hash = h;
	for (unsigned int f = 0; f < RD_NR_FIELDS; f++)
		p->f[f] = r->f[f] ? count_strdup(r->f[f]) : NULL;
	d->nr++;
	return p->key ? 0 : -1;
}

/* Count the records, then build the plain table sized for them. */
static int count_sink(void *arg, const struct rd_rec *r)
{
	(*(size_t *)arg)++;
	return 0;
}

static int plain_build(struct rd_data *d, size_t nr)
{
	size_t sz = 2;

	while (sz < 2 * nr)
		sz <<= 1;
	d->ptab = count_malloc(sz * sizeof(*d->ptab));
	d->precs = count_malloc((nr ? nr : 1) * sizeof(*d->precs));
	if (!d->ptab || !d->precs)
		return -1;
	memset(d->ptab, 0, sz * sizeof(*d->ptab));
	d->pmask = sz - 1;
	d->nr = 0;
	return parse_all(d, plain_sink, d);
}

static void plain_free(struct rd_data *d)
{
	for (size_t i = 0; d->ptab && i < d->nr; i++) {
		count_free((void *)d->precs[i].key);
		for (unsigned int f = 0; f < RD_NR_FIELDS; f++)
			count_free(d->precs[i].f[f]);
	}
	count_free(d->ptab);
	count_free(d->precs);
	d->ptab = NULL;
	d->precs = NULL;
}

/* ----------------------------------------------------------------------- */
/* jansson: the parsed trees merged into one object of records */

static json_t *jansson_build(struct rd_data *d)
{
	json_t *all = json_object();

	for (unsigned int i = 0; all && i < d->nr_text; i++) {
		json_error_t jerr;
		json_t *root = json_loadb(d->text[i].buf, d->text[i].len, 0, &jerr);
		const char *table, *k;
		json_t *arr = NULL, *obj, *v;
		size_t j;

		if (!root)
			goto fail;
		json_object_foreach(root, table, arr)
			break;
		json_array_foreach(arr, j, obj) {
			const char *code = NULL;
			char key[96];

			json_object_foreach(obj, k, v) {
				if (!strcmp(k, "code") && (code = json_string_value(v)))
					break;
			}
			if (!code) {
				static const char *const alt[] = { "alpha_3", "alpha_4", "alpha_2" };

				for (unsigned int a = 0; !code && a < 3; a++)
					code = json_string_value(json_object_get(obj, alt[a]));
			}
			if (!code)
				goto fail_root;
			for (uint64_t c = 0; c < opt_copies; c++) {
				if (c)
					snprintf(key, sizeof(key), "%s:%s#%llu", table, code,
						 (unsigned long long)c);
				else
					snprintf(key, sizeof(key), "%s:%s", table, code);
				/* The first copy moves the record, the others share it. */
				if (json_object_set(all, key, obj))
					goto fail_root;
			}
		}
		json_decref(root);
		continue;
fail_root:
		json_decref(root);
		goto fail;
	}
	return all;
fail:
	json_decref(all);
	return NULL;
}

/* ----------------------------------------------------------------------- */
/* GLib: key -> GVariant a{ss} */

static int glib_sink(void *arg, const struct rd_rec *r)
{
	GHashTable *h = arg;
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
	for (unsigned int f = 0; f < RD_NR_FIELDS; f++)
		if (r->f[f])
			g_variant_builder_add(&b, "{ss}", rd_fields[f], r->f[f]);
	g_hash_table_insert(h, g_strdup(r->key), g_variant_ref_sink(g_variant_builder_end(&b)));
	return 0;
}

static GHashTable *glib_build(struct rd_data *d)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)g_variant_unref);

	if (parse_all(d, glib_sink, h)) {
		g_hash_table_destroy(h);
		return NULL;
	}
	return h;
}

/* ----------------------------------------------------------------------- */
/* frost */

/*
 * struct frost_build - a frost build in progress: the field-name keys
 * (private strs, one per field, shared by every record) and the records'
 * keys and maps, for the map of records.
 */
struct frost_build {
	struct frost_sandbox *sb;
	struct frost_object *fkey[RD_NR_FIELDS];
	struct frost_object **keys, **recs;
	size_t n, cap;
	bool tuples;
	bool dedup;	/* private strs, one frost_freeze_opt(FROST_FREEZE_DEDUP) */
};

static int frost_sink(void *arg, const struct rd_rec *r)
{
	struct frost_build *b = arg;
	struct frost_object *k[RD_NR_FIELDS], *v[RD_NR_FIELDS];
	size_t n = 0;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		struct frost_object **nk = realloc(b->keys, cap * sizeof(*nk));

		if (nk)
			b->keys = nk;
		nk = nk ? realloc(b->recs, cap * sizeof(*nk)) : NULL;
		if (!nk)
			return -1;
		b->recs = nk;
		b->cap = cap;
	}
	for (unsigned int f = 0; f < RD_NR_FIELDS; f++) {
		if (!r->f[f] && !b->tuples)
			continue;
		k[n] = b->fkey[f];
		/*
		 * The strs are made shared in place (the frozen builder): the
		 * freeze then copies only the containers. A tuple's absent
		 * field: the static empty str.
		 */
		v[n] = !r->f[f] ? frost_str_new(b->sb, "", 0)
		       : b->dedup ? frost_str_new(b->sb, r->f[f], r->flen[f])
				  : frost_str_new_frozen(b->sb, r->f[f], r->flen[f]);
		if (!v[n])
			goto fail;
		n++;
	}
	b->recs[b->n] = b->tuples ? frost_tuple_new(b->sb, n, v) : frost_map_new(b->sb, n, k, v);
	b->keys[b->n] = frost_str_new_frozen(b->sb, r->key, strlen(r->key));
	for (size_t i = 0; i < n; i++)
		frost_decref(v[i]);
	if (!b->recs[b->n] || !b->keys[b->n])
		return -1;	/* the caller drops what is counted in b->n */
	b->n++;
	return 0;
fail:
	while (n--)
		frost_decref(v[n]);
	return -1;
}

/*
 * Build and freeze the whole data set, each record a map of its fields, or
 * (@tuples) a tuple of all RD_NR_FIELDS fields in rd_fields[] order, absent
 * ones the empty str: a schema the reader knows, as a runtime's record
 * type or a C struct is. Return: the frozen map of records, or NULL.
 */
static struct frost_object *frost_build(struct rd_data *d, struct frost_sandbox *sb,
					bool tuples, bool dedup)
{
	struct frost_build b = { .sb = sb, .tuples = tuples, .dedup = dedup };
	struct frost_object *top = NULL, *frozen = NULL;
	int err = 0;

	for (unsigned int f = 0; f < RD_NR_FIELDS && !err; f++) {
		b.fkey[f] = frost_str_new_frozen(sb, rd_fields[f], strlen(rd_fields[f]));
		err = !b.fkey[f];
	}
	if (!err)
		err = parse_all(d, frost_sink, &b);
	if (!err)
		top = frost_map_new(sb, b.n, b.keys, b.recs);
	for (size_t i = 0; i < b.n; i++) {
		frost_decref(b.keys[i]);
		frost_decref(b.recs[i]);
	}
	for (unsigned int f = 0; f < RD_NR_FIELDS; f++)
		if (b.fkey[f])
			frost_decref(b.fkey[f]);
	free(b.keys);
	free(b.recs);
	if (top) {
		/* Dedup: the equal field values (repeated and absent ones
		 * are common here) stored once, at one scratch table's cost. */
		frozen = dedup ? frost_freeze_opt(sb, top, FROST_FREEZE_DEDUP) : frost_freeze(sb, top);
		frost_decref(top);
	}
	return frozen;
}

/* ----------------------------------------------------------------------- */
/* Reader operations: the sum of the lengths of the fields read */

uint64_t bench_realdata_frost_op(const struct frost_object *map, const struct rd_data *d,
				 size_t k);
uint64_t bench_realdata_tuple_op(const struct frost_object *map, const struct rd_data *d,
				 size_t k);
uint64_t bench_realdata_jansson_op(const struct rd_data *d, size_t k);
uint64_t bench_realdata_glib_op(const struct rd_data *d, size_t k);
uint64_t bench_realdata_plain_op(const struct rd_data *d, size_t k);

__bench_noipa uint64_t bench_realdata_frost_op(const struct frost_object *map,
					       const struct rd_data *d, size_t k)
{
	const char *key = d->keys[k];
	struct frost_object *rec = frost_map_get_str(map, key, strlen(key));
	uint64_t sum = 0;

	if (frost_unlikely(!rec))
		return UINT64_MAX;
	for (unsigned int i = 0; i < RD_NR_READ; i++) {
		unsigned int f = rd_read[i];
		struct frost_object *v = frost_map_get_str_hashed(rec, rd_fields[f],
								  f == F_NAME ? 4 : f == F_TYPE ? 4 : 7,
								  d->fhash[f]);
		size_t len;

		if (v && frost_str_data(v, &len))
			sum += len;
	}
	return sum;
}

/* Records as tuples: the fields by their number, no field lookup. */
__bench_noipa uint64_t bench_realdata_tuple_op(const struct frost_object *map,
					       const struct rd_data *d, size_t k)
{
	const char *key = d->keys[k];
	struct frost_object *rec = frost_map_get_str(map, key, strlen(key));
	uint64_t sum = 0;

	if (frost_unlikely(!rec))
		return UINT64_MAX;
	for (unsigned int i = 0; i < RD_NR_READ; i++) {
		size_t len;

		if (frost_str_data(frost_tuple_get(rec, rd_read[i]), &len))
			sum += len;
	}
	return sum;
}

__bench_noipa uint64_t bench_realdata_jansson_op(const struct rd_data *d, size_t k)
{
	json_t *rec = json_object_get(d->jroot, d->keys[k]);
	uint64_t sum = 0;

	if (frost_unlikely(!rec))
		return UINT64_MAX;
	json_incref(rec);
	for (unsigned int i = 0; i < RD_NR_READ; i++) {
		json_t *v = json_object_get(rec, rd_fields[rd_read[i]]);

		if (v)
			sum += json_string_length(v);
	}
	json_decref(rec);
	return sum;
}

__bench_noipa uint64_t bench_realdata_glib_op(const struct rd_data *d, size_t k)
{
	GVariant *rec = g_hash_table_lookup(d->ghash, d->keys[k]);
	uint64_t sum = 0;

	if (frost_unlikely(!rec))
		return UINT64_MAX;
	g_variant_ref(rec);
	for (unsigned int i = 0; i < RD_NR_READ; i++) {
		const char *s;

		if (g_variant_lookup(rec, rd_fields[rd_read[i]], "&s", &s))
			sum += strlen(s);
	}
	g_variant_unref(rec);
	return sum;
}

__bench_noipa uint64_t bench_realdata_plain_op(const struct rd_data *d, size_t k)
{
	const struct rd_plain *p = plain_find(d, d->keys[k], strlen(d->keys[k]));
	uint64_t sum = 0;

	if (frost_unlikely(!p))
		return UINT64_MAX;
	if (p->f[F_NAME])
		sum += strlen(p->f[F_NAME]);
	if (p->f[F_TYPE])
		sum += strlen(p->f[F_TYPE]);
	if (p->f[F_ALPHA_2])
		sum += strlen(p->f[F_ALPHA_2]);
	return sum;
}

static void *reader(void *arg)
{
	struct rd_thread *t = arg;
	struct rd_data *d = t->d;
	struct frost_sandbox *sb = NULL;
	struct frost_binding *bind = NULL;
	const struct frost_object *map = NULL;
	size_t k = ((size_t)t->id * 7919u) % d->nr;
	uint64_t ops = 0, bad = 0, cpu0;
	bool fr = t->variant == V_FROST || t->variant == V_RELOAD || t->variant == V_TUPLE;

	if (fr) {
		sb = frost_sandbox_attach(d->heap);
		bind = sb ? frost_binding_new(sb, t->variant == V_TUPLE ? RD_NAME_TUPLE : RD_NAME)
			  : NULL;
		if (!bind)
			t->err = 1;
	}
	bench_sync_ready(&d->sync);
	if (t->err)
		goto out;
	cpu0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	/* At least one batch: a reader the scheduler starts late still counts. */
	while (d->fixed_ops ? ops < d->fixed_ops : !ops || !bench_stopped(&d->sync)) {
		if (fr && !(map = frost_binding_lookup(bind))) {
			t->err = 1;
			break;
		}
		for (unsigned int i = 0; i < RD_BATCH; i++) {
			uint64_t s;

			switch (t->variant) {
			case V_JANSSON:
				s = bench_realdata_jansson_op(d, k);
				break;
			case V_GLIB:
				s = bench_realdata_glib_op(d, k);
				break;
			case V_PLAIN:
				s = bench_realdata_plain_op(d, k);
				break;
			case V_TUPLE:
				s = bench_realdata_tuple_op(map, d, k);
				break;
			default:
				s = bench_realdata_frost_op(map, d, k);
				break;
			}
			bad += s != d->expect[k];
			if (++k == d->nr)
				k = 0;
		}
		ops += RD_BATCH;
		if (sb)
			frost_quiescent(sb);
	}
	t->cpu_ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	t->ops = ops;
	t->bad = bad;
out:
	if (bind)
		frost_binding_free(bind);
	if (sb)
		frost_sandbox_detach(sb);
	return NULL;
}

/* frost-reload's writer: rebuild and republish until stopped. */
static void *reloader(void *arg)
{
	struct rd_thread *t = arg;
	struct rd_data *d = t->d;
	struct frost_sandbox *sb = frost_sandbox_attach(d->heap);
	uint64_t n = 0, cpu0;

	if (!sb)
		t->err = 1;
	bench_sync_ready(&d->sync);
	cpu0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	while (sb && !bench_stopped(&d->sync)) {
		struct frost_object *f = frost_build(d, sb, false, false);

		if (!f || frost_publish(sb, RD_NAME, f)) {
			t->err = 1;
			break;
		}
		n++;
		frost_quiescent(sb);
	}
	t->cpu_ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	t->ops = n;
	if (sb)
		frost_sandbox_detach(sb);
	return NULL;
}

/*
 * One run of variant @v with @nr readers: per-thread operations per second
 * of thread CPU time (their mean), or 0 on a failure (*@failed set).
 */
static double run_once(const struct bench_common *c, struct rd_data *d, int v,
		       unsigned int nr, uint64_t *reloads, int *failed)
{
	struct rd_thread *t = aligned_alloc(64, sizeof(*t) * (nr + 1));
	unsigned int nt = nr + (v == V_RELOAD);
	double sum = 0;

	if (!t) {
		*failed = 1;
		return 0;
	}
	memset(t, 0, sizeof(*t) * (nr + 1));
	bench_sync_init(&d->sync);
	for (unsigned int i = 0; i < nt; i++) {
		t[i].d = d;
		t[i].variant = v;
		t[i].id = i;
		if (pthread_create(&t[i].tid, NULL, i < nr ? reader : reloader, &t[i])) {
			bench_error("realdata: pthread_create failed");
			exit(1);
		}
	}
	bench_sync_run(&d->sync, nt, c->iterations ? 0.05 : c->duration, NULL, NULL);
	for (unsigned int i = 0; i < nt; i++)
		pthread_join(t[i].tid, NULL);
	for (unsigned int i = 0; i < nt; i++) {
		if (t[i].err || t[i].bad) {
			bench_error("realdata: %s thread %u failed (%llu wrong sums)",
				    rd_variants[v], i, (unsigned long long)t[i].bad);
			*failed = 1;
		}
	}
	for (unsigned int i = 0; i < nr; i++)
		sum += t[i].cpu_ns ? (double)t[i].ops * 1e9 / (double)t[i].cpu_ns : 0;
	if (v == V_RELOAD)
		*reloads += t[nr].ops;
	free(t);
	return sum / nr;
}

/* ----------------------------------------------------------------------- */
/* Layout: shared bytes of single objects */

static uint64_t shared_bytes(struct frost_heap *h)
{
	struct frost_heap_stats st;

	frost_heap_stats(h, &st);
	return st.shared_bytes;
}

static void layout_report(const struct bench_common *c, struct rd_data *d)
{
	static const size_t slen[] = { 1, 3, 7, 8, 15, 16, 24, 40 };
	static const size_t mlen[] = { 1, 3, 4, 5, 8, 16 };
	struct frost_sandbox *sb = d->sb;
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	bench_info(c, "# layout: shared bytes of one object (frost) and malloc's for the same data"
		   " (usable size + 8)\n");
	for (size_t i = 0; i < sizeof(slen) / sizeof(slen[0]); i++) {
		uint64_t b0 = shared_bytes(d->heap);
		struct frost_object *s = frost_str_new_frozen(sb, buf, slen[i]);
		void *m = malloc(slen[i] + 1);

		(void)s;	/* garbage at the next quiescent state */
		bench_info(c, "#   str of %2zu bytes: frost %3llu B, strdup %3zu B\n", slen[i],
			   (unsigned long long)(shared_bytes(d->heap) - b0),
			   malloc_usable_size(m) + 8);
		free(m);
	}
	for (size_t i = 0; i < sizeof(mlen) / sizeof(mlen[0]); i++) {
		struct frost_object *k[16], *v[16], *p, *f = NULL;
		uint64_t b0;

		/* Shared keys first: the bytes measured are the map's alone. */
		for (size_t j = 0; j < mlen[i]; j++) {
			k[j] = frost_int_new_frozen(sb, (int64_t)j + 1000000);
			v[j] = frost_none();
		}
		b0 = shared_bytes(d->heap);
		p = frost_map_new(sb, mlen[i], k, v);
		if (p) {
			f = frost_freeze(sb, p);
			frost_decref(p);
		}
		if (!f)
			continue;
		bench_info(c, "#   map of %2zu entries: frost %3llu B, plain struct of %2zu"
			   " pointers %3zu B\n", mlen[i],
			   (unsigned long long)(shared_bytes(d->heap) - b0), mlen[i],
			   mlen[i] * sizeof(void *));
	}
	for (size_t n = 1; n <= 4; n++) {
		struct frost_object *it[4] = { frost_none(), frost_none(), frost_none(), frost_none() };
		uint64_t b0 = shared_bytes(d->heap);
		struct frost_object *t = frost_tuple_new_frozen(sb, n, it);

		(void)t;
		bench_info(c, "#   tuple of %zu items: frost %3llu B, plain struct %3zu B\n", n,
			   (unsigned long long)(shared_bytes(d->heap) - b0), n * sizeof(void *));
	}
}

/* ----------------------------------------------------------------------- */

static int rd_run(const struct bench_common *c)
{
	struct rd_data *d = calloc(1, sizeof(*d));
	double rate[NR_V][BENCH_MAX_REPS] = { { 0 } };
	double bt[4][BENCH_MAX_REPS] = { { 0 } }, bt_dedup[BENCH_MAX_REPS] = { 0 };
	uint64_t rss0, rss[NR_V] = { 0 }, jbytes = 0, pbytes = 0, fbytes = 0, tbytes = 0, dbytes = 0;
	uint64_t reloads = 0;
	unsigned int nr = (unsigned int)opt_readers, reps = c->reps;
	struct frost_object *frozen;
	size_t nrec = 0;
	int failed = 0;

	if (!d)
		return -1;
	json_set_alloc_funcs(count_malloc, count_free);
	/* Counted passes: jansson's hash seed fixed (frost's key is per process). */
	if (c->iterations)
		json_object_seed(0x5eed);
	if (load_texts(d))
		return -1;

	/* Builds kept for the reads, each with its memory. */
	rss0 = rss_bytes();
	jbytes = counted();
	d->jroot = jansson_build(d);
	jbytes = counted() - jbytes;
	rss[V_JANSSON] = rss_bytes() - rss0;
	if (!d->jroot) {
		bench_error("realdata: jansson build failed");
		return -1;
	}

	if (parse_all(d, count_sink, &nrec))
		return -1;
	rss0 = rss_bytes();
	pbytes = counted();
	if (plain_build(d, nrec)) {
		bench_error("realdata: plain build failed (a key twice?)");
		return -1;
	}
	pbytes = counted() - pbytes;
	rss[V_PLAIN] = rss_bytes() - rss0;

	/* GLib's build is slow: only when it is measured. */
	rss0 = rss_bytes();
	d->ghash = bench_variant_on(c, "glib") ? glib_build(d) : NULL;
	rss[V_GLIB] = rss_bytes() - rss0;
	if (!d->ghash && bench_variant_on(c, "glib"))
		return -1;

	d->heap = frost_heap_create(NULL);
	d->sb = d->heap ? frost_sandbox_attach(d->heap) : NULL;
	if (!d->sb) {
		bench_error("realdata: no heap: %s", strerror(errno));
		return -1;
	}
	rss0 = rss_bytes();
	fbytes = shared_bytes(d->heap);
	frozen = frost_build(d, d->sb, false, false);
	if (!frozen || frost_publish(d->sb, RD_NAME, frozen)) {
		bench_error("realdata: frost build failed: %s", strerror(errno));
		return -1;
	}
	frost_reclaim(d->heap);
	fbytes = shared_bytes(d->heap) - fbytes;
	rss[V_FROST] = rss_bytes() - rss0;
	rss0 = rss_bytes();
	tbytes = shared_bytes(d->heap);
	frozen = frost_build(d, d->sb, true, false);
	if (!frozen || frost_publish(d->sb, RD_NAME_TUPLE, frozen)) {
		bench_error("realdata: frost tuple build failed: %s", strerror(errno));
		return -1;
	}
	frost_reclaim(d->heap);
	tbytes = shared_bytes(d->heap) - tbytes;
	rss[V_TUPLE] = rss_bytes() - rss0;
	/* The same maps frozen with FROST_FREEZE_DEDUP: memory only (the
	 * readers read the plain build; a lookup does not depend on it). */
	dbytes = shared_bytes(d->heap);
	frozen = frost_build(d, d->sb, false, true);
	if (!frozen || frost_publish(d->sb, RD_NAME_DEDUP, frozen)) {
		bench_error("realdata: frost dedup build failed: %s", strerror(errno));
		return -1;
	}
	frost_reclaim(d->heap);
	dbytes = shared_bytes(d->heap) - dbytes;
	frost_unpublish(d->sb, RD_NAME_DEDUP);
	frost_reclaim(d->heap);
	for (unsigned int f = 0; f < RD_NR_FIELDS; f++)
		d->fhash[f] = frost_str_hash(rd_fields[f], strlen(rd_fields[f]));

	/* The keys in a shuffled order, and what reading each must give. */
	d->keys = calloc(d->nr, sizeof(*d->keys));
	d->expect = calloc(d->nr, sizeof(*d->expect));
	if (!d->keys || !d->expect)
		return -1;
	for (size_t i = 0; i < d->nr; i++)
		d->keys[i] = (char *)d->precs[i].key;
	for (size_t i = d->nr - 1, x = 88172645463325252ull; i > 0; i--) {
		char *tmp;
		size_t j;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		j = x % (i + 1);
		tmp = d->keys[i], d->keys[i] = d->keys[j], d->keys[j] = tmp;
	}
	for (size_t k = 0; k < d->nr; k++)
		d->expect[k] = bench_realdata_plain_op(d, k);
	d->fixed_ops = c->iterations * d->nr;

	bench_info(c, "# data: %u files, %zu records (%llu copies), %llu fields ignored\n",
		   d->nr_text, d->nr, (unsigned long long)opt_copies,
		   (unsigned long long)d->ignored);
	bench_info(c, "# memory: jansson %llu B (%.1f B/record, RSS +%llu), plain %llu B (%.1f B/record,"
		   " RSS +%llu), glib RSS +%llu, frost shared %llu B (%.1f B/record, RSS +%llu)\n",
		   (unsigned long long)jbytes, (double)jbytes / (double)d->nr,
		   (unsigned long long)rss[V_JANSSON], (unsigned long long)pbytes,
		   (double)pbytes / (double)d->nr, (unsigned long long)rss[V_PLAIN],
		   (unsigned long long)rss[V_GLIB], (unsigned long long)fbytes,
		   (double)fbytes / (double)d->nr, (unsigned long long)rss[V_FROST]);
	bench_info(c, "# memory: frost-tuple shared %llu B (%.1f B/record, RSS +%llu)\n",
		   (unsigned long long)tbytes, (double)tbytes / (double)d->nr,
		   (unsigned long long)rss[V_TUPLE]);
	bench_info(c, "# memory: frost with FROST_FREEZE_DEDUP shared %llu B (%.1f B/record)\n",
		   (unsigned long long)dbytes, (double)dbytes / (double)d->nr);
	bench_csv(c, "realdata", "jansson", "bytes", (double)jbytes, "B");
	bench_csv(c, "realdata", "plain", "bytes", (double)pbytes, "B");
	bench_csv(c, "realdata", "frost", "bytes", (double)fbytes, "B");
	bench_csv(c, "realdata", "frost", "bytes_per_record", (double)fbytes / (double)d->nr, "B");
	bench_csv(c, "realdata", "frost-tuple", "bytes", (double)tbytes, "B");
	bench_csv(c, "realdata", "frost-dedup", "bytes", (double)dbytes, "B");
	for (int v = 0; v < 4; v++)
		bench_csv(c, "realdata", rd_variants[v], "rss_delta", (double)rss[v], "B");
	layout_report(c, d);
	frost_quiescent(d->sb);

	/*
	 * Interleaved rounds: builds (only for the SUMMARY, that is with
	 * every variant), then every selected variant's readers.
	 */
	for (unsigned int r = 0; r < reps; r++) {
		for (int v = 0; v < 4 && !c->variant; v++) {
			uint64_t t0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);

			if (v == V_JANSSON) {
				json_t *j = jansson_build(d);

				bt[v][r] = (double)(bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1e6;
				json_decref(j);
			} else if (v == V_FROST) {
				if (!frost_build(d, d->sb, false, false))
					failed = 1;
				bt[v][r] = (double)(bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1e6;
				frost_quiescent(d->sb);
			} else if (v == V_GLIB) {
				GHashTable *h = glib_build(d);

				bt[v][r] = (double)(bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1e6;
				if (h)
					g_hash_table_destroy(h);
			} else {
				struct rd_data tmp = *d;

				tmp.ptab = NULL;
				if (plain_build(&tmp, nrec))
					failed = 1;
				bt[v][r] = (double)(bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1e6;
				plain_free(&tmp);
			}
		}
		if (!c->variant) {
			uint64_t t0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);

			if (!frost_build(d, d->sb, false, true))
				failed = 1;
			bt_dedup[r] = (double)(bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 1e6;
			frost_quiescent(d->sb);
		}
		/* Offline while the threads run: no stall, no cycle waits for us. */
		frost_sandbox_offline(d->sb);
		for (int v = 0; v < NR_V; v++)
			if (bench_variant_on(c, rd_variants[v]))
				rate[v][r] = run_once(c, d, v, nr, &reloads, &failed);
		frost_sandbox_online(d->sb);
		if (failed)
			break;
	}
	if (failed)
		return -1;

	if (!c->variant)
		bench_info(c, "# build (ms of CPU, median): jansson %.1f, frost %.1f, glib %.1f, plain %.1f,"
			   " frost-dedup %.1f\n",
			   bench_median(bt[V_JANSSON], reps), bench_median(bt[V_FROST], reps),
			   bench_median(bt[V_GLIB], reps), bench_median(bt[V_PLAIN], reps),
			   bench_median(bt_dedup, reps));
	for (int v = 0; v < 4 && !c->variant; v++)
		bench_csv(c, "realdata", rd_variants[v], "build_ms", bench_median(bt[v], reps), "ms");
	for (int v = 0; v < NR_V; v++) {
		if (!bench_variant_on(c, rd_variants[v]))
			continue;
		bench_info(c, "# reads %-12s %5.2f M/s per thread-CPU-second (median, %u readers;"
			   " min %.2f max %.2f)\n", rd_variants[v], bench_median(rate[v], reps) / 1e6,
			   nr, bench_min(rate[v], reps) / 1e6, bench_max(rate[v], reps) / 1e6);
		bench_csv(c, "realdata", rd_variants[v], "reads_per_cpu_s",
			  bench_median(rate[v], reps), "op/s");
	}
	if (bench_variant_on(c, "frost-reload"))
		bench_info(c, "# reloads during frost-reload: %llu in %u runs\n",
			   (unsigned long long)reloads, reps);

	if (!c->variant) {
		double fr = bench_median(rate[V_FROST], reps);

		bench_summary_ge(c, "realdata_jansson", fr, bench_median(rate[V_JANSSON], reps),
				 "op/cpu-s", TARGET_JANSSON);
		bench_summary_ge(c, "realdata_plain", fr, bench_median(rate[V_PLAIN], reps),
				 "op/cpu-s", TARGET_PLAIN);
		bench_summary_ge(c, "realdata_glib", fr, bench_median(rate[V_GLIB], reps),
				 "op/cpu-s", 0);
		bench_summary_ge(c, "realdata_reload", bench_median(rate[V_RELOAD], reps), fr,
				 "op/cpu-s", 0);
		bench_summary(c, "realdata_mem_jansson", (double)fbytes, (double)jbytes, "B",
			      TARGET_MEM);
		bench_summary(c, "realdata_mem_plain", (double)fbytes, (double)pbytes, "B", 0);
		bench_summary(c, "realdata_build_jansson", bench_median(bt[V_FROST], reps),
			      bench_median(bt[V_JANSSON], reps), "ms", TARGET_BUILD);
		/* Records as tuples of a known schema: no target of its own. */
		bench_summary_ge(c, "realdata_tuple_jansson", bench_median(rate[V_TUPLE], reps),
				 bench_median(rate[V_JANSSON], reps), "op/cpu-s", 0);
		bench_summary_ge(c, "realdata_tuple_plain", bench_median(rate[V_TUPLE], reps),
				 bench_median(rate[V_PLAIN], reps), "op/cpu-s", 0);
		bench_summary(c, "realdata_tuple_mem_jansson", (double)tbytes, (double)jbytes, "B", 0);
		/* The maps frozen with FROST_FREEZE_DEDUP: memory and build
		 * against the same targets. */
		bench_summary(c, "realdata_dedup_mem_jansson", (double)dbytes, (double)jbytes, "B",
			      TARGET_MEM);
		bench_summary(c, "realdata_dedup_build_jansson", bench_median(bt_dedup, reps),
			      bench_median(bt[V_JANSSON], reps), "ms", TARGET_BUILD);
	}

	frost_unpublish(d->sb, RD_NAME);
	frost_unpublish(d->sb, RD_NAME_TUPLE);
	frost_sandbox_detach(d->sb);
	frost_heap_destroy(d->heap);
	if (d->ghash)
		g_hash_table_destroy(d->ghash);
	json_decref(d->jroot);
	plain_free(d);
	for (unsigned int i = 0; i < d->nr_text; i++)
		free(d->text[i].buf);
	free(d->keys);
	free(d->expect);
	free(d);
	return 0;
}

static const struct bench_option rd_options[] = {
	{ "readers", "N", "reader threads (default 2)", BENCH_OPT_UINT, &opt_readers,
	  1, RD_MAX_READERS, NULL, NULL },
	{ "copies", "N", "the data set N times, keys suffixed #1.. (default 1)", BENCH_OPT_UINT,
	  &opt_copies, 1, 64, NULL, NULL },
	{ "files", "F,F..", "iso-codes JSON files (default: every iso_*.json of "
	  RD_DEFAULT_DIR ")", BENCH_OPT_STRING, &opt_files, 0, 0, NULL, NULL },
	{ 0 }
};

const struct bench bench_realdata = {
	.name = "realdata",
	.help = "iso-codes records: frost vs jansson, GLib GVariant and a plain C table",
	.variants = rd_variants,
	.chunk = "one pass of each reader over every key (counted, not timed: for callgrind)",
	.options = rd_options,
	.run = rd_run,
};
