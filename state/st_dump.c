/*
 * A reader of graph documents that needs no local type: the type table says every
 * field's name and kind, which is enough to count objects per type and to print the
 * graph (text or JSON) for "sbx image inspect". Bounded like the decoder; nesting
 * deeper than a limit is elided.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_dump.h"
#include "st_int.h"

#define MAX_DEPTH 32

struct dtype {
	const char *name;
	uint32_t name_len, nfields;
	const char **fname, **fkind;
	uint32_t *flen, *klen;
	uint64_t count;
};

struct dump {
	struct st_rd rd;
	FILE *out;
	bool json;
	struct dtype *t;
	uint32_t nt;
};

static int rd_types(struct dump *d)
{
	uint32_t n, m;
	int rc = st_rd_array(&d->rd, &d->nt);

	d->t = rc ? NULL : calloc(d->nt + 1, sizeof(*d->t));
	if (rc || !d->t)
		return rc ? rc : -ENOMEM;
	for (uint32_t i = 0; i < d->nt; i++) {
		struct dtype *t = &d->t[i];

		rc = st_rd_array(&d->rd, &n);
		rc = rc ? rc : (n == 2 ? st_rd_str(&d->rd, &t->name, &t->name_len) : -EBADMSG);
		rc = rc ? rc : st_rd_array(&d->rd, &t->nfields);
		if (rc)
			return rc;
		t->fname = calloc(t->nfields + 1, sizeof(char *));
		t->fkind = calloc(t->nfields + 1, sizeof(char *));
		t->flen = calloc(t->nfields + 1, sizeof(uint32_t));
		t->klen = calloc(t->nfields + 1, sizeof(uint32_t));
		if (!t->fname || !t->fkind || !t->flen || !t->klen)
			return -ENOMEM;
		for (uint32_t f = 0; f < t->nfields; f++) {
			rc = st_rd_array(&d->rd, &m);
			rc = rc ? rc : (m == 2 ? st_rd_str(&d->rd, &t->fname[f], &t->flen[f]) :
					-EBADMSG);
			rc = rc ? rc : st_rd_str(&d->rd, &t->fkind[f], &t->klen[f]);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void put_str(struct dump *d, const char *s, uint32_t n)
{
	fputc('"', d->out);
	for (uint32_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(d->out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(d->out, "\\u%04x", c);
		else
			fputc(c, d->out);
	}
	fputc('"', d->out);
}

static int value(struct dump *d, const char *kind, uint32_t klen, int depth);

/* A struct body: field names from type t (or numbers if unknown). */
static int body(struct dump *d, struct dtype *t, int depth)
{
	uint32_t n;
	uint64_t k;
	int rc = st_rd_map(&d->rd, &n);

	if (rc)
		return rc;
	fputc('{', d->out);
	for (uint32_t i = 0; i < n && !rc; i++) {
		rc = st_rd_uint(&d->rd, &k);
		if (rc)
			break;
		fprintf(d->out, i ? ", " : "");
		if (t && k < t->nfields)
			put_str(d, t->fname[k], t->flen[k]);
		else
			fprintf(d->out, "\"%" PRIu64 "\"", k);
		fprintf(d->out, ": ");
		rc = value(d, t && k < t->nfields ? t->fkind[k] : "", t && k < t->nfields ?
			   t->klen[k] : 0, depth + 1);
	}
	fputc('}', d->out);
	return rc;
}

static struct dtype *find(struct dump *d, const char *name, uint32_t len)
{
	for (uint32_t i = 0; i < d->nt; i++)
		if (d->t[i].name_len == len && !memcmp(d->t[i].name, name, len))
			return &d->t[i];
	return NULL;
}

static int array(struct dump *d, const char *kind, uint32_t klen, int depth)
{
	uint32_t n;
	int rc = st_rd_array(&d->rd, &n);

	fputc('[', d->out);
	for (uint32_t i = 0; i < n && !rc; i++) {
		fprintf(d->out, i ? ", " : "");
		rc = value(d, kind, klen, depth + 1);
	}
	fputc(']', d->out);
	return rc;
}

static bool kind_is(const char *kind, uint32_t klen, const char *p)
{
	size_t n = strlen(p);

	return klen >= n && !memcmp(kind, p, n);
}

static int value(struct dump *d, const char *kind, uint32_t klen, int depth)
{
	enum st_mpk k = st_rd_kind(&d->rd);
	const char *s;
	uint32_t n;
	uint64_t u;
	int64_t i;
	double f;
	bool b;

	if (depth > MAX_DEPTH) {
		fprintf(d->out, "\"...\"");
		return st_rd_skip(&d->rd);
	}
	if (k == MPK_UINT && (kind_is(kind, klen, "ref:") || kind_is(kind, klen, "list:") ||
			      kind_is(kind, klen, "tree:") ||
			      kind_is(kind, klen, "array:ref") || kind_is(kind, klen, "buf:ref"))) {
		int rc = st_rd_uint(&d->rd, &u);

		fprintf(d->out, d->json ? "\"#%" PRIu64 "\"" : "#%" PRIu64, u);
		return rc;
	}
	switch (k) {
	case MPK_NIL: st_rd_nil(&d->rd); fprintf(d->out, "null"); return 0;
	case MPK_BOOL: st_rd_bool(&d->rd, &b); fprintf(d->out, b ? "true" : "false"); return 0;
	case MPK_UINT: fprintf(d->out, "%" PRIu64, st_rd_uint(&d->rd, &u) ? 0 : u); return 0;
	case MPK_INT: fprintf(d->out, "%" PRId64, st_rd_int(&d->rd, &i) ? 0 : i); return 0;
	case MPK_FLOAT: fprintf(d->out, "%g", st_rd_double(&d->rd, &f) ? 0 : f); return 0;
	case MPK_STR:
		if (st_rd_str(&d->rd, &s, &n))
			return -EBADMSG;
		put_str(d, s, n);
		return 0;
	case MPK_BIN:
		if (st_rd_bin(&d->rd, (const void **)&s, &n))
			return -EBADMSG;
		while (n && !s[n - 1])
			n--;            /* char arrays: drop the NUL padding */
		put_str(d, s, n);
		return 0;
	case MPK_ARRAY:
		if (kind_is(kind, klen, "array:") || kind_is(kind, klen, "buf:"))
			return array(d, strchr(kind, ':') + 1, klen - (strchr(kind, ':') + 1 - kind),
				     depth);
		return array(d, kind, klen, depth);
	case MPK_MAP:
		if (kind_is(kind, klen, "struct:"))
			return body(d, find(d, kind + 7, klen - 7), depth);
		return body(d, NULL, depth);
	default:
		fprintf(d->out, "\"?\"");
		return st_rd_skip(&d->rd);
	}
}

static int objects(struct dump *d, int flags)
{
	uint32_t n, m;
	uint64_t t;
	int rc = st_rd_array(&d->rd, &n);

	if (!rc && (flags & ST_DUMP_OBJECTS))
		fprintf(d->out, d->json ? ", \"objects\": [" : "objects:\n");
	for (uint32_t i = 0; i < n && !rc; i++) {
		rc = st_rd_array(&d->rd, &m);
		rc = rc ? rc : (m == 2 ? st_rd_uint(&d->rd, &t) : -EBADMSG);
		if (!rc && t >= d->nt)
			rc = -EBADMSG;
		if (rc)
			break;
		d->t[t].count++;
		if (!(flags & ST_DUMP_OBJECTS)) {
			rc = st_rd_skip(&d->rd);
			continue;
		}
		if (d->json)
			fprintf(d->out, "%s{\"id\": %u, \"type\": ", i ? ", " : "", i + 1);
		else
			fprintf(d->out, "  #%u %.*s ", i + 1, (int)d->t[t].name_len, d->t[t].name);
		if (d->json) {
			put_str(d, d->t[t].name, d->t[t].name_len);
			fprintf(d->out, ", \"fields\": ");
		}
		rc = st_rd_kind(&d->rd) == MPK_MAP ? body(d, &d->t[t], 0) : value(d, "", 0, 0);
		fprintf(d->out, d->json ? "}" : "\n");
	}
	if (!rc && (flags & ST_DUMP_OBJECTS) && d->json)
		fprintf(d->out, "]");
	return rc;
}

static void counts(struct dump *d)
{
	fprintf(d->out, d->json ? ", \"types\": {" : "objects per type:\n");
	for (uint32_t i = 0, k = 0; i < d->nt; i++) {
		if (!d->t[i].count)
			continue;
		if (d->json) {
			fprintf(d->out, k++ ? ", " : "");
			put_str(d, d->t[i].name, d->t[i].name_len);
			fprintf(d->out, ": %" PRIu64, d->t[i].count);
		} else {
			fprintf(d->out, "  %-24.*s %" PRIu64 "\n", (int)d->t[i].name_len,
				d->t[i].name, d->t[i].count);
		}
	}
	fprintf(d->out, d->json ? "}" : "");
}

int st_dump(const void *buf, size_t len, FILE *out, int flags, char *err)
{
	struct dump d = { .out = out, .json = flags & ST_DUMP_JSON };
	uint64_t major, minor;
	uint32_t n;
	int rc;

	st_rd_init(&d.rd, buf, len);
	rc = st_rd_array(&d.rd, &n);
	rc = rc ? rc : (n >= 6 ? st_rd_expect_str(&d.rd, ST_MAGIC) : -EBADMSG);
	rc = rc ? rc : st_rd_uint(&d.rd, &major);
	rc = rc ? rc : st_rd_uint(&d.rd, &minor);
	rc = rc ? rc : rd_types(&d);
	if (!rc) {
		fprintf(out, d.json ? "{\"format\": \"%" PRIu64 ".%" PRIu64 "\", \"roots\": "
			"" : "graph format %" PRIu64 ".%" PRIu64 "\nroots: ", major, minor);
		rc = value(&d, "ref:", 4, 0);
		fprintf(out, d.json ? "" : "\n");
	}
	rc = rc ? rc : objects(&d, flags);
	if (!rc)
		counts(&d);
	fprintf(out, d.json ? "}\n" : "");
	if (rc && err)
		snprintf(err, ST_ERR_LEN, "bad graph at byte %zu: %s", st_rd_pos(&d.rd),
			 d.rd.why ? d.rd.why : strerror(-rc));
	for (uint32_t i = 0; d.t && i < d.nt; i++) {
		free(d.t[i].fname);
		free(d.t[i].fkind);
		free(d.t[i].flen);
		free(d.t[i].klen);
	}
	free(d.t);
	return rc;
}
