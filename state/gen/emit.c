/*
 * stgen: write the codec file. For each savable struct NAME it emits a field table,
 * st_enc_NAME / st_dec_NAME (a msgpack map of wire index -> value), st_init_NAME
 * (list heads and tree nodes), st_free_NAME (loaded buffers and strings, for a load
 * that fails), hook wrappers, and the descriptor "const struct st_type st_type_NAME";
 * then one array of all of them, registered by a constructor.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static const char *kind_name(struct gfield *f, enum fkind k)
{
	switch (k) {
	case FK_UINT: return "uint";
	case FK_INT: return "int";
	case FK_BOOL: return "bool";
	case FK_FLOAT: return "float";
	case FK_BYTES: return "bytes";
	case FK_STR: return "str";
	case FK_CUSTOM: return "custom";
	case FK_EMBED: return xfmt("struct:%s", f->target);
	case FK_REF: return xfmt("ref:%s", f->target);
	case FK_POLY: return xfmt("poly:%s", f->target);
	case FK_LIST: return xfmt("list:%s", f->target);
	case FK_TREE: return xfmt("tree:%s", f->target);
	case FK_ARRAY: return xfmt("array:%s", kind_name(f, f->elem));
	case FK_BUF: return xfmt("buf:%s", kind_name(f, f->elem));
	default: return "?";
	}
}

/* Wire fields in wire order. */
static int wire_fields(struct gstruct *s, struct gfield **out)
{
	int n = 0;

	for (int i = 0; i < s->nfields; i++)
		if (s->fields[i].wire >= 0 && s->fields[i].kind != FK_UNION)
			out[n++] = &s->fields[i];
	for (int i = 0; i < s->nfields; i++)
		for (int j = 0; s->fields[i].kind == FK_UNION && j < s->fields[i].nmembers; j++)
			if (s->fields[i].members[j].wire >= 0)
				out[n++] = &s->fields[i].members[j];
	return n;
}

static char *wire_name(struct gstruct *s, struct gfield *f)
{
	return xstrdup(f->acc + 3);     /* "o->u.x" is "u.x" */
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static char *elem_type(struct gfield *f)
{
	if (f->elem == FK_REF)
		return xfmt("struct %s *", f->target);
	return xstrdup(f->type);
}

/* Encode one value of kind k at expression a (an lvalue). */
static char *enc_value(struct gfield *f, enum fkind k, const char *a)
{
	switch (k) {
	case FK_UINT: return xfmt("st_put_uint(e, (uint64_t)(%s))", a);
	case FK_INT: return xfmt("st_put_int(e, (int64_t)(%s))", a);
	case FK_BOOL: return xfmt("st_put_bool(e, %s)", a);
	case FK_FLOAT: return xfmt("st_put_double(e, %s)", a);
	case FK_STR: return xfmt("st_put_str(e, %s)", a);
	case FK_BYTES: return xfmt("st_put_bin(e, %s, sizeof(%s))", a, a);
	case FK_EMBED: return xfmt("st_put_embed(e, &st_type_%s, (void *)&(%s))", f->target, a);
	case FK_REF: return xfmt("st_put_ref(e, &st_type_%s, (void *)(%s))", f->target, a);
	case FK_POLY: return xfmt("st_put_poly(e, &st_type_%s, (void *)(%s))", f->target, a);
	case FK_LIST: case FK_TREE:
		return xfmt("st_put_%s(e, &st_type_%s, &(%s), offsetof(struct %s, %s))",
			    k == FK_LIST ? "list" : "tree", f->target, a, f->target, f->cmember);
	case FK_ARRAY:
		return xfmt("({ %s*__a = (%s*)(%s); uint32_t __n = sizeof(%s) / sizeof(*__a); "
			    "int __rc = st_put_array(e, __n); "
			    "for (uint32_t __i = 0; !__rc && __i < __n; __i++) __rc = %s; __rc; })",
			    elem_type(f), elem_type(f), a, a, enc_value(f, f->elem, "__a[__i]"));
	case FK_BUF:
		if (f->elem == FK_BYTES)
			return xfmt("(!(%s) && !o->%s) ? st_put_nil(e) : st_put_bin(e, %s, "
				    "(size_t)o->%s * %s)", a, f->len, a, f->len,
				    strcmp(f->type, "void") ? xfmt("sizeof(*(%s))", a) : "1");
		return xfmt("({ %s*__a = (%s); uint64_t __n = o->%s; int __rc; "
			    "if (!__a && !__n) __rc = st_put_nil(e); "
			    "else if (!__a || __n > UINT32_MAX) __rc = st_enc_fail(e, -EINVAL, "
			    "\"%s: bad buffer\"); "
			    "else __rc = st_put_array(e, __n); "
			    "for (uint32_t __i = 0; __a && !__rc && __i < __n; __i++) __rc = %s; "
			    "__rc; })", elem_type(f), a, f->len, f->name,
			    enc_value(f, f->elem, "__a[__i]"));
	default:
		return xstrdup("0");
	}
}

/* Decode one value of kind k into lvalue a. */
static char *dec_value(struct gfield *f, enum fkind k, const char *a, const char *wait)
{
	switch (k) {
	case FK_UINT: return xfmt("ST_GET_UINT(d, %s)", a);
	case FK_INT: return xfmt("ST_GET_INT(d, %s)", a);
	case FK_BOOL: return xfmt("({ bool __b; int __rc = st_get_bool(d, &__b); "
				  "if (!__rc) %s = __b; __rc; })", a);
	case FK_FLOAT: return xfmt("({ double __v; int __rc = st_get_double(d, &__v); "
				   "if (!__rc) %s = __v; __rc; })", a);
	case FK_STR: return xfmt("({ char *__s = NULL; int __rc = (%s) ? st_dec_fail(d, "
				 "-EINVAL, \"field appears twice\") : st_get_str(d, &__s); "
				 "if (__s) %s = __s; __rc; })", a, a);
	case FK_BYTES: return xfmt("st_get_bin_into(d, %s, sizeof(%s))", a, a);
	case FK_EMBED: return xfmt("st_get_embed(d, &st_type_%s, &(%s))", f->target, a);
	case FK_REF: case FK_POLY:
		return xfmt("({ void *__p; int __rc = st_get_%s(d, &st_type_%s, &__p, %s); "
			    "%s = __p; __rc; })", k == FK_REF ? "ref" : "poly", f->target, wait, a);
	case FK_LIST: case FK_TREE:
		return xfmt("st_get_%s(d, &st_type_%s, &(%s), offsetof(struct %s, %s), %s)",
			    k == FK_LIST ? "list" : "tree", f->target, a, f->target,
			    f->cmember, wait);
	case FK_ARRAY:
		return xfmt("({ %s*__a = (%s*)(%s); uint32_t __n = sizeof(%s) / sizeof(*__a), "
			    "__m; int __rc = st_get_array(d, &__m); "
			    "for (uint32_t __i = 0; !__rc && __i < __m; __i++) "
			    "__rc = __i < __n ? %s : st_get_skip(d); __rc; })",
			    elem_type(f), elem_type(f), a, a,
			    dec_value(f, f->elem, "__a[__i]", wait));
	default:
		return xstrdup("0");
	}
}

/*
 * A buffer: its allocation and o->LEN are set together, so that o->LEN always says
 * how much is allocated; the wire value of LEN (read into wl_LEN) is checked after.
 */
static char *dec_buf(struct gfield *f, const char *a, const char *wait)
{
	if (f->elem == FK_BYTES)
		return xfmt("({ void *__p = (void *)(%s); size_t __l; int __rc = st_get_buf(d, "
			    "&__p, &__l, %s); if (!__rc && ls_%s && (uint64_t)o->%s != __l) { "
			    "free(__p); __p = NULL; __rc = st_dec_fail(d, -EINVAL, \"buffers of one "
			    "length differ\"); } if (!__rc) { o->%s = __l; ls_%s = true; "
			    "if ((uint64_t)o->%s != __l) { o->%s = 0; free(__p); __p = NULL; "
			    "__rc = st_dec_fail(d, -ERANGE, \"too long\"); } %s = __p; } __rc; })", a,
			    strcmp(f->type, "void") ? xfmt("sizeof(*(%s))", a) : "1",
			    f->len, f->len, f->len, f->len, f->len, f->len, a);
	return xfmt("({ void *__p = (void *)(%s); uint32_t __m = 0; int __rc = 0; "
		    "if ((%s)) __rc = st_dec_fail(d, -EINVAL, \"field appears twice\"); "
		    "else if (!st_get_nil(d)) __rc = st_get_array(d, &__m); "
		    "if (!__rc && ls_%s && (uint64_t)o->%s != __m) __rc = st_dec_fail(d, -EINVAL, "
		    "\"buffers of one length differ\"); "
		    "if (!__rc) { o->%s = __m; ls_%s = true; if ((uint64_t)o->%s != __m) { o->%s = 0; "
		    "__rc = st_dec_fail(d, -ERANGE, \"too long\"); } } "
		    "if (!__rc) __rc = st_get_alloc(d, &__p, __m, sizeof(*(%s)), %s); "
		    "if (__rc) o->%s = 0; else %s = __p; "
		    "for (uint32_t __i = 0; !__rc && __i < __m; __i++) __rc = %s; __rc; })",
		    a, a, f->len, f->len, f->len, f->len, f->len, f->len, a,
		    f->elem == FK_EMBED ? xfmt("&st_type_%s", f->target) : "NULL", f->len, a,
		    dec_value(f, f->elem, xfmt("(%s)[__i]", a), wait));
}

static bool is_len_field(struct gstruct *s, struct gfield *f)
{
	for (int i = 0; i < s->nfields; i++)
		if (s->fields[i].kind == FK_BUF && !strcmp(s->fields[i].len, f->name))
			return true;
	return false;
}

static void emit_fields(FILE *o, struct gstruct *s, struct gfield **w, int n)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, s->name);

	fprintf(o, "static const struct st_field st_fields_%s[] = {\n", s->name);
	for (int i = 0; i < n; i++) {
		char *name = wire_name(s, w[i]);
		const char *kind = kind_name(w[i], w[i]->kind);

		fprintf(o, "\t{ \"%s\", \"%s\" },\n", name, kind);
		h = fnv(fnv(h, name), kind);
	}
	fprintf(o, "\t{ NULL, NULL }\n};\n#define ST_HASH_%s 0x%016llxull\n\n", s->name,
		(unsigned long long)h);
}

static void emit_enc(FILE *o, struct gstruct *s, struct gfield **w, int n)
{
	int fixed = 0;

	for (int i = 0; i < s->nfields; i++)
		fixed += s->fields[i].wire >= 0;
	fprintf(o, "static int st_enc_%s(struct st_enc *e, void *p)\n{\n"
		"\tstruct %s *o = p;\n\tuint32_t n = %d;\n\tint rc;\n\n", s->name, s->name, fixed);
	for (int i = 0; i < s->nfields; i++) {
		struct gfield *u = &s->fields[i];

		if (u->kind != FK_UNION)
			continue;
		fprintf(o, "\tswitch (o->%s) {\n", u->tag);
		for (int j = 0; j < u->nmembers; j++)
			if (u->members[j].wire >= 0)
				fprintf(o, "\tcase %s:\n", u->members[j].case_val);
		fprintf(o, "\t\tn++;\n\t\tbreak;\n\tdefault:\n\t\tbreak;\n\t}\n");
	}
	fprintf(o, "\trc = st_put_struct(e, &st_type_%s, n);\n\tif (rc)\n\t\treturn rc;\n",
		s->name);
	for (int i = 0; i < n; i++) {
		struct gfield *f = w[i];
		char *val = f->kind == FK_CUSTOM ? xfmt("%s_save_%s(e, o)", s->name, f->name) :
			    enc_value(f, f->kind, f->acc);
		char *put = xfmt("if ((rc = st_put_uint(e, %d)) || (rc = %s))\n\t\treturn rc;",
				 f->wire, val);

		if (f->case_val)
			fprintf(o, "\tif (o->%s == (%s)) {\n\t\t%s\n\t}\n", f->tag,
				f->case_val, put);
		else
			fprintf(o, "\t%s\n", put);
	}
	fprintf(o, "\treturn 0;\n}\n\n");
}

static void emit_dec_case(FILE *o, struct gstruct *s, struct gfield *f, int u)
{
	const char *wait = f->wait ? "true" : "false";
	char *val;

	if (f->kind == FK_CUSTOM)
		val = xfmt("%s_load_%s(d, o)", s->name, f->name);
	else if (f->kind == FK_BUF)
		val = dec_buf(f, f->acc, wait);
	else if (is_len_field(s, f))
		val = xfmt("({ has_wl_%s = true; %s; })", f->name,
			   dec_value(f, f->kind, xfmt("wl_%s", f->name), wait));
	else
		val = dec_value(f, f->kind, f->acc, wait);
	fprintf(o, "\t\tcase %d:\n", f->wire);
	if (f->case_val) {
		fprintf(o, "\t\t\tif (o->%s != (%s) || us_%d)\n\t\t\t\trc = st_dec_fail(d, -EINVAL, "
			"\"union member does not match its tag\");\n\t\t\telse\n\t\t\t\t"
			"us_%d = true, rc = %s;\n\t\t\tbreak;\n", f->tag, f->case_val, u, u, val);
		return;
	}
	for (int i = 0; i < s->nfields; i++)
		if (s->fields[i].kind == FK_UNION && !strcmp(s->fields[i].tag, f->name))
			fprintf(o, "\t\t\tif (us_%d) {\n\t\t\t\trc = st_dec_fail(d, -EINVAL, "
				"\"union tag after its member\");\n\t\t\t\tbreak;\n\t\t\t}\n", i);
	fprintf(o, "\t\t\trc = %s;\n\t\t\tbreak;\n", val);
}

static void emit_dec(FILE *o, struct gstruct *s, struct gfield **w, int n)
{
	fprintf(o, "static int st_dec_%s(struct st_dec *d, void *p)\n{\n"
		"\tstruct %s *o = p;\n\tconst void *map;\n\tuint32_t n;\n\tint rc, f;\n",
		s->name, s->name);
	for (int i = 0; i < s->nfields; i++) {
		struct gfield *f = &s->fields[i];

		if (f->kind == FK_UNION)
			fprintf(o, "\tbool us_%d = false;\n", i);
		if (f->kind != FK_BUF)
			continue;
		fprintf(o, "\tbool ls_%s = false;\n", f->len);
	}
	for (int i = 0; i < s->nfields; i++) {
		struct gfield *f = &s->fields[i];

		if (is_len_field(s, f))
			fprintf(o, "\t__typeof__(o->%s) wl_%s = 0;\n\tbool has_wl_%s = false;\n",
				f->name, f->name, f->name);
	}
	fprintf(o, "\n");
	for (int i = 0; i < s->nfields; i++)
		if (s->fields[i].dflt && s->fields[i].wire >= 0)
			fprintf(o, "\t%s = (%s);\n", s->fields[i].acc, s->fields[i].dflt);
	fprintf(o, "\trc = st_get_struct(d, &st_type_%s, &n, &map);\n\tif (rc)\n\t\treturn rc;\n"
		"\twhile (n--) {\n\t\tf = st_get_key(d, map);\n\t\tif (f < 0)\n\t\t\t"
		"return st_dec_field_err(d, &st_type_%s, -1, f);\n\t\tswitch (f) {\n",
		s->name, s->name);
	for (int i = 0; i < n; i++) {
		int u = -1;

		for (int j = 0; w[i]->case_val && j < s->nfields; j++)
			if (s->fields[j].kind == FK_UNION && w[i] >= s->fields[j].members &&
			    w[i] < s->fields[j].members + s->fields[j].nmembers)
				u = j;
		emit_dec_case(o, s, w[i], u);
	}
	fprintf(o, "\t\tdefault:\n\t\t\trc = 0;\n\t\t\tbreak;\n\t\t}\n\t\tif (rc)\n\t\t\t"
		"return st_dec_field_err(d, &st_type_%s, f, rc);\n\t}\n", s->name);
	for (int i = 0; i < s->nfields; i++) {
		struct gfield *f = &s->fields[i];

		if (!is_len_field(s, f))
			continue;
		fprintf(o, "\tif (has_wl_%s && wl_%s != o->%s)\n\t\treturn st_dec_field_err(d, "
			"&st_type_%s, %d, st_dec_check_len(d, (uint64_t)wl_%s, (uint64_t)o->%s));\n",
			f->name, f->name, f->name, s->name, f->wire, f->name, f->name);
	}
	fprintf(o, "\treturn 0;\n}\n\n");
}

static void emit_init(FILE *o, struct gen *g, struct gstruct *s)
{
	fprintf(o, "static void st_init_%s(void *p)\n{\n\tstruct %s *o = p;\n\n\t(void)o;\n",
		s->name, s->name);
	for (int i = 0; i < s->nfields; i++) {
		struct gfield *f = &s->fields[i];
		struct gstruct *t = !strncmp(f->type, "struct ", 7) ? gen_find(g, f->type + 7) : NULL;
		const char *fn = NULL;

		if (f->ptr || f->kind == FK_UNION)
			continue;
		if (!strcmp(f->type, "struct st_list"))
			fn = "st_list_init";
		else if (!strcmp(f->type, "struct st_tree_node"))
			fn = "st_tree_node_init";
		else if (!strcmp(f->type, "struct st_tree"))
			fn = "st_tree_init";
		else if (t)
			fn = xfmt("if (st_type_%s.init) st_type_%s.init", t->name, t->name);
		if (!fn)
			continue;
		if (f->ndims)
			fprintf(o, "\tfor (size_t i = 0; i < sizeof(%s) / sizeof(%s); i++) {\n"
				"\t\t%s *__e = (%s *)%s + i;\n\n\t\t%s(__e);\n\t}\n", f->acc,
				f->type, f->type, f->type, f->acc, fn);
		else
			fprintf(o, "\t%s(&%s);\n", fn, f->acc);
	}
	fprintf(o, "}\n\n");
}

static void emit_free_one(FILE *o, struct gfield *f, const char *ind)
{
	if (f->kind == FK_STR || f->kind == FK_BUF) {
		if (f->kind == FK_BUF && f->elem == FK_EMBED)
			fprintf(o, "%sfor (uint64_t i = 0; %s && st_type_%s.free_fields && "
				"i < (uint64_t)o->%s; i++)\n%s\tst_type_%s.free_fields(&(%s)[i]);\n",
				ind, f->acc, f->target, f->len, ind, f->target, f->acc);
		fprintf(o, "%sfree((void *)%s);\n%s%s = NULL;\n", ind, f->acc, ind, f->acc);
	} else if (f->kind == FK_EMBED) {
		fprintf(o, "%sif (st_type_%s.free_fields)\n%s\tst_type_%s.free_fields(&%s);\n",
			ind, f->target, ind, f->target, f->acc);
	} else if (f->kind == FK_ARRAY && f->elem == FK_EMBED) {
		fprintf(o, "%sfor (size_t i = 0; st_type_%s.free_fields && i < sizeof(%s) / "
			"sizeof(%s); i++)\n%s\tst_type_%s.free_fields((struct %s *)%s + i);\n",
			ind, f->target, f->acc, f->type, ind, f->target, f->target, f->acc);
	}
}

static void emit_free(FILE *o, struct gstruct *s)
{
	fprintf(o, "static void st_free_%s(void *p)\n{\n\tstruct %s *o = p;\n\n\t(void)o;\n",
		s->name, s->name);
	for (int i = 0; i < s->nfields; i++) {
		struct gfield *f = &s->fields[i];

		if (f->kind != FK_UNION) {
			emit_free_one(o, f, "\t");
			continue;
		}
		fprintf(o, "\tswitch (o->%s) {\n", f->tag);
		for (int j = 0; j < f->nmembers; j++) {
			if (f->members[j].wire < 0)
				continue;
			fprintf(o, "\tcase %s:\n", f->members[j].case_val);
			emit_free_one(o, &f->members[j], "\t\t");
			fprintf(o, "\t\tbreak;\n");
		}
		fprintf(o, "\tdefault:\n\t\tbreak;\n\t}\n");
	}
	fprintf(o, "}\n\n");
}

static bool has_hook(struct gen *g, const char *type, const char *hook)
{
	char *name = xfmt("%s_%s", type, hook);

	for (int i = 0; i < g->nhooks; i++)
		if (!strcmp(g->hooks[i], name))
			return true;
	return false;
}

static void emit_custom(FILE *o, struct gstruct *s)
{
	fprintf(o, "static const struct st_field st_fields_%s[] = { { NULL, NULL } };\n"
		"static int st_enc_%s(struct st_enc *e, void *p)\n{\n"
		"\treturn %s_save(e, p);\n}\n\n"
		"static int st_dec_%s(struct st_dec *d, void *p)\n{\n"
		"\treturn %s_load(d, p);\n}\n\n", s->name, s->name, s->name, s->name, s->name);
}

static void emit_type(FILE *o, struct gen *g, struct gstruct *s)
{
	struct gfield *w[s->nwire + 1];
	int n = s->custom ? 0 : wire_fields(s, w);
	bool bs = has_hook(g, s->name, "before_save");
	bool al = has_hook(g, s->name, "after_load");

	fprintf(o, "/* struct %s (%s:%d) */\n", s->name, s->file, s->line);
	if (s->custom) {
		emit_custom(o, s);
	} else {
		emit_fields(o, s, w, n);
		emit_enc(o, s, w, n);
		emit_dec(o, s, w, n);
		emit_init(o, g, s);
		emit_free(o, s);
	}
	if (bs)
		fprintf(o, "static int st_bs_%s(void *o, void *ctx)\n{\n"
			"\treturn %s_before_save(o, ctx);\n}\n\n", s->name, s->name);
	if (al)
		fprintf(o, "static int st_al_%s(void *o, void *ctx)\n{\n"
			"\treturn %s_after_load(o, ctx);\n}\n\n", s->name, s->name);
	if (s->base)
		fprintf(o, "static uint64_t st_pk_%s(void)\n{\n\treturn (uint64_t)(uintptr_t)(%s);"
			"\n}\n\n", s->name, s->base->base_key);
	fprintf(o, "const struct st_type st_type_%s = {\n\t.name = \"%s\",\n"
		"\t.size = sizeof(struct %s),\n\t.fields = st_fields_%s,\n\t.nfields = %d,\n",
		s->name, s->name, s->name, s->name, n);
	if (s->custom)
		fprintf(o, "\t.custom = true,\n\t.hash = 0x%016llxull,\n",
			(unsigned long long)fnv(0xcbf29ce484222325ull, s->name));
	else
		fprintf(o, "\t.hash = ST_HASH_%s,\n\t.init = st_init_%s,\n"
			"\t.free_fields = st_free_%s,\n", s->name, s->name, s->name);
	fprintf(o, "\t.enc = st_enc_%s,\n\t.dec = st_dec_%s,\n", s->name, s->name);
	if (bs)
		fprintf(o, "\t.before_save = st_bs_%s,\n", s->name);
	if (al)
		fprintf(o, "\t.after_load = st_al_%s,\n", s->name);
	if (s->keyfield)
		fprintf(o, "\t.key_off = offsetof(struct %s, %s),\n"
			"\t.key_size = sizeof(((struct %s *)0)->%s),\n", s->name, s->keyfield,
			s->name, s->keyfield);
	if (s->base)
		fprintf(o, "\t.poly_base = &st_type_%s,\n\t.poly_off = offsetof(struct %s, %s),\n"
			"\t.poly_key = st_pk_%s,\n", s->base->target, s->name, s->base->name,
			s->name);
	fprintf(o, "};\n\n");
}

static int write_file(const char *path, char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

int emit_all(struct gen *g, const char *name, const char *out_c, const char *out_h,
	     char **headers, int nheaders)
{
	char *text;
	size_t len;
	FILE *o = open_memstream(&text, &len);
	int count = 0;

	fprintf(o, "/* Generated by stgen from the SAVABLE structs of %d headers. Do not edit. */"
		"\n#include <errno.h>\n#include <stddef.h>\n#include <stdint.h>\n"
		"#include <stdlib.h>\n\n#include \"st.h\"\n", nheaders);
	for (int i = 0; i < nheaders; i++)
		fprintf(o, "#include \"%s\"\n", headers[i]);
	fprintf(o, "\n");
	for (int i = 0; i < g->ns; i++)
		fprintf(o, "extern const struct st_type st_type_%s;\n", g->s[i].name);
	fprintf(o, "\n#pragma GCC diagnostic ignored \"-Wunused-value\"\n\n");
	for (int i = 0; i < g->ns; i++)
		if (g->s[i].emit)
			emit_type(o, g, &g->s[i]);
	fprintf(o, "const struct st_type *const st_types_%s[] = {\n", name);
	for (int i = 0; i < g->ns; i++)
		if (g->s[i].emit && ++count)
			fprintf(o, "\t&st_type_%s,\n", g->s[i].name);
	fprintf(o, "\tNULL\n};\nconst size_t st_ntypes_%s = %d;\n\n"
		"__attribute__((constructor)) static void st_register_%s(void)\n{\n"
		"\tst_register_types(st_types_%s, %d);\n}\n", name, count, name, name, count);
	fclose(o);
	if (write_file(out_c, text, len))
		return -1;
	free(text);

	o = open_memstream(&text, &len);
	fprintf(o, "/* Generated by stgen. Do not edit. */\n#ifndef ST_CODECS_%s_H\n"
		"#define ST_CODECS_%s_H\n\n#include \"st.h\"\n\n", name, name);
	for (int i = 0; i < g->ns; i++)
		if (g->s[i].emit)
			fprintf(o, "extern const struct st_type st_type_%s;\n", g->s[i].name);
	fprintf(o, "/* Every type above; reference it so the codecs are linked. */\n"
		"extern const struct st_type *const st_types_%s[];\n"
		"extern const size_t st_ntypes_%s;\n\n#endif\n", name, name);
	fclose(o);
	return write_file(out_h, text, len);
}
