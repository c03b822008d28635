/*
 * stgen: decide how each field of each savable struct is saved, from its type and
 * markers, and refuse (with file:line, struct and field) every field that is neither
 * of a known kind nor marked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static const char *const uint_types[] = {
	"unsigned char", "unsigned short", "unsigned int", "unsigned long",
	"unsigned long long", "u8", "u16", "u32", "u64", "uint8_t", "uint16_t",
	"uint32_t", "uint64_t", "size_t", "uintptr_t", "uid_t", "gid_t", "mode_t",
	"dev_t", "ino_t", "nlink_t", "__u8", "__u16", "__u32", "__u64", "uint", NULL,
};

static const char *const int_types[] = {
	"char", "signed char", "short", "int", "long", "long long", "s8", "s16", "s32",
	"s64", "int8_t", "int16_t", "int32_t", "int64_t", "ssize_t", "off_t", "loff_t",
	"pid_t", "intptr_t", "ptrdiff_t", "time_t", "clockid_t", "__s8", "__s16",
	"__s32", "__s64", NULL,
};

static const char *const byte_types[] = {
	"char", "signed char", "unsigned char", "u8", "s8", "uint8_t", "int8_t",
	"__u8", "__s8", "void", NULL,
};

static bool in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static enum fkind scalar_kind(const char *type)
{
	if (in(uint_types, type))
		return FK_UINT;
	if (in(int_types, type) || !strncmp(type, "enum ", 5))
		return FK_INT;
	if (!strcmp(type, "bool") || !strcmp(type, "_Bool"))
		return FK_BOOL;
	if (!strcmp(type, "float") || !strcmp(type, "double"))
		return FK_FLOAT;
	return FK_NONE;
}

static struct gstruct *savable_target(struct gen *g, const char *type)
{
	if (strncmp(type, "struct ", 7))
		return NULL;
	return gen_find(g, type + 7);
}

static void ferr(struct gen *g, struct gstruct *s, struct gfield *f, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void ferr(struct gen *g, struct gstruct *s, struct gfield *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gen_error(g, s->file, f->line, "struct %s: field '%s' (%s%s%s%s): %s", s->name,
		  f->name, f->type, f->ptr ? " " : "", f->ptr == 1 ? "*" : f->ptr ? "**" : "",
		  f->ndims ? "[]" : "", msg);
}

/* Element kind for an array or buffer of type with ptr extra pointer levels. */
static enum fkind elem_kind(struct gen *g, struct gfield *f, int ptr)
{
	struct gstruct *t = savable_target(g, f->type);

	if (ptr == 0 && in(byte_types, f->type))
		return FK_BYTES;
	if (ptr == 0 && scalar_kind(f->type) != FK_NONE)
		return scalar_kind(f->type);
	if (ptr == 0 && t) {
		f->target = t->name;
		return FK_EMBED;
	}
	if (ptr == 1 && t) {
		f->target = t->name;
		return FK_REF;
	}
	return FK_NONE;
}

static struct gfield *find_field(struct gstruct *s, const char *name)
{
	for (int i = 0; i < s->nfields; i++)
		if (!strcmp(s->fields[i].name, name))
			return &s->fields[i];
	return NULL;
}

static void resolve_buf(struct gen *g, struct gstruct *s, struct gfield *f)
{
	struct gfield *lf = find_field(s, f->len);

	if (f->ndims || f->ptr < 1)
		return ferr(g, s, f, "SAVE_LEN/SAVE_COUNT needs a pointer");
	f->elem = elem_kind(g, f, f->ptr - 1);
	if (f->elem == FK_NONE)
		return ferr(g, s, f, "elements of this type cannot be saved");
	if (!lf || lf->ptr || lf->ndims || !strcmp(lf->type, "union") ||
	    (scalar_kind(lf->type) != FK_UINT && scalar_kind(lf->type) != FK_INT))
		return ferr(g, s, f, "length field '%s' must be an integer member of %s",
			    f->len, s->name);
	f->kind = FK_BUF;
}

static void resolve_plain(struct gen *g, struct gstruct *s, struct gfield *f)
{
	struct gstruct *t = savable_target(g, f->type);

	if (f->ptr == 0 && f->ndims == 0) {
		f->kind = scalar_kind(f->type);
		if (f->kind == FK_NONE && t) {
			f->kind = FK_EMBED;
			f->target = t->name;
		} else if (f->kind == FK_NONE && !strncmp(f->type, "struct st_", 10)) {
			return ferr(g, s, f, "a list or tree: mark a head SAVE_LIST(type, member)"
				    " or SAVE_TREE(type, member), a link SAVE_SKIP");
		}
	} else if (f->ptr == 0) {
		f->elem = elem_kind(g, f, 0);
		f->kind = f->elem == FK_BYTES ? FK_BYTES : FK_ARRAY;
		if (f->elem == FK_NONE)
			f->kind = FK_NONE;
	} else if (f->ptr == 1 && f->ndims == 0 && t) {
		f->kind = f->poly ? FK_POLY : FK_REF;
		f->target = t->name;
	} else if (f->ptr == 1 && t) {
		f->kind = FK_ARRAY;
		f->elem = FK_REF;
		f->target = t->name;
	}
	if (f->kind != FK_NONE)
		return;
	if (f->ptr && in(byte_types, f->type))
		return ferr(g, s, f, "not savable: mark it SAVE_STR, SAVE_LEN(field), SAVE_SKIP "
			    "(saying how it is rebuilt) or SAVE_CUSTOM");
	ferr(g, s, f, "not savable: mark it SAVE_SKIP (saying how it is rebuilt) or "
	     "SAVE_CUSTOM%s", f->ptr ? ", or make the target SAVABLE" : "");
}

static void resolve_field(struct gen *g, struct gstruct *s, struct gfield *f,
			  bool member);

static void resolve_union(struct gen *g, struct gstruct *s, struct gfield *f)
{
	struct gfield *tag = f->tag ? find_field(s, f->tag) : NULL;

	if (!f->tag)
		return ferr(g, s, f, "a union needs SAVE_UNION(tag), SAVE_SKIP or SAVE_CUSTOM");
	if (!tag || (scalar_kind(tag->type) != FK_INT && scalar_kind(tag->type) != FK_UINT))
		return ferr(g, s, f, "tag '%s' must be an integer or enum member of %s",
			    f->tag, s->name);
	f->kind = FK_UNION;
	for (int i = 0; i < f->nmembers; i++) {
		struct gfield *m = &f->members[i];

		m->acc = f->anon ? xfmt("o->%s", m->name) : xfmt("o->%s.%s", f->name, m->name);
		if (m->tag)
			ferr(g, s, m, "nested unions are not supported");
		m->tag = f->tag;
		if (!m->case_val && !m->skip) {
			ferr(g, s, m, "a union member needs SAVE_CASE(value) or SAVE_SKIP");
			continue;
		}
		resolve_field(g, s, m, true);
	}
}

static void resolve_field(struct gen *g, struct gstruct *s, struct gfield *f, bool member)
{
	if (!f->acc)
		f->acc = xfmt("o->%s", f->name);
	if (f->bitfield && !f->custom && !f->skip)
		return ferr(g, s, f, "a bit-field: mark it SAVE_CUSTOM or SAVE_SKIP");
	if (f->skip) {
		f->kind = FK_SKIP;
	} else if (f->polykey) {
		f->kind = FK_POLYKEY;
		if (s->keyfield)
			return ferr(g, s, f, "a second SAVE_POLY_KEY");
		s->keyfield = f->name;
	} else if (f->custom) {
		f->kind = FK_CUSTOM;
	} else if (f->fnptr) {
		return ferr(g, s, f, "a function pointer: mark it SAVE_SKIP (saying how it is "
			    "rebuilt) or SAVE_CUSTOM");
	} else if (!strcmp(f->type, "union")) {
		if (member)
			return ferr(g, s, f, "nested unions are not supported");
		return resolve_union(g, s, f);
	} else if (f->ctype) {
		if (f->ptr || f->ndims ||
		    strcmp(f->type, f->tree ? "struct st_tree" : "struct st_list"))
			return ferr(g, s, f, "%s needs a struct %s member",
				    f->tree ? "SAVE_TREE" : "SAVE_LIST",
				    f->tree ? "st_tree" : "st_list");
		if (!gen_find(g, f->ctype))
			return ferr(g, s, f, "element type %s is not SAVABLE", f->ctype);
		f->kind = f->tree ? FK_TREE : FK_LIST;
		f->target = f->ctype;
	} else if (f->str) {
		if (f->ptr != 1 || f->ndims || strcmp(f->type, "char"))
			return ferr(g, s, f, "SAVE_STR needs a char *");
		f->kind = FK_STR;
	} else if (f->len) {
		resolve_buf(g, s, f);
	} else {
		resolve_plain(g, s, f);
	}
	if (member && (f->kind == FK_LIST || f->kind == FK_TREE || f->kind == FK_CUSTOM ||
		       f->kind == FK_POLYKEY))
		return ferr(g, s, f, "not supported inside a union");
	if (f->wait && f->kind != FK_REF && f->kind != FK_POLY && f->kind != FK_LIST &&
	    f->kind != FK_TREE && !(f->kind == FK_ARRAY && f->elem == FK_REF) &&
	    !(f->kind == FK_BUF && f->elem == FK_REF))
		return ferr(g, s, f, "SAVE_WAIT needs a reference, list or tree");
	if (f->dflt && f->kind != FK_INT && f->kind != FK_UINT && f->kind != FK_BOOL &&
	    f->kind != FK_FLOAT)
		return ferr(g, s, f, "SAVE_DEFAULT needs a scalar");
	if (f->base_key && f->kind != FK_EMBED)
		return ferr(g, s, f, "SAVE_BASE needs an embedded savable struct");
	if (f->base_key && s->base)
		return ferr(g, s, f, "a second SAVE_BASE");
	if (f->base_key)
		s->base = f;
}

static void check_poly(struct gen *g, struct gstruct *s)
{
	for (int i = 0; i < s->nfields; i++) {
		struct gfield *f = &s->fields[i];
		struct gstruct *t;

		if (f->kind != FK_POLY && !f->base_key)
			continue;
		t = gen_find(g, f->target);
		if (t && !t->custom && !t->keyfield)
			ferr(g, s, f, "struct %s has no SAVE_POLY_KEY field", t->name);
	}
}

/* Wire indexes: plain fields first, then union members, in declaration order. */
static void number(struct gstruct *s)
{
	int w = 0;

	for (int i = 0; i < s->nfields; i++) {
		struct gfield *f = &s->fields[i];

		f->wire = -1;
		if (f->kind != FK_SKIP && f->kind != FK_POLYKEY && f->kind != FK_UNION)
			f->wire = w++;
	}
	for (int i = 0; i < s->nfields; i++) {
		struct gfield *f = &s->fields[i];

		for (int j = 0; f->kind == FK_UNION && j < f->nmembers; j++) {
			struct gfield *m = &f->members[j];

			m->wire = m->kind == FK_SKIP ? -1 : w++;
		}
	}
	s->nwire = w;
}

void resolve_all(struct gen *g)
{
	for (int i = 0; i < g->ns; i++) {
		struct gstruct *s = &g->s[i];

		if (s->custom)
			continue;
		for (int j = 0; j < s->nfields; j++) {
			if (s->emit)
				resolve_field(g, s, &s->fields[j], false);
			else if (s->fields[j].polykey)
				s->keyfield = s->fields[j].name;
		}
	}
	for (int i = 0; i < g->ns; i++) {
		if (!g->s[i].custom && g->s[i].emit) {
			check_poly(g, &g->s[i]);
			number(&g->s[i]);
		}
	}
}
