/*
 * stgen parser: finds "SAVABLE [SAVE_CUSTOM] struct NAME { ... };" and parses the
 * member declarations of the C subset structs use (specifiers, several declarators,
 * pointers, arrays, bit-fields, function pointers, inline unions), with the SAVE_*
 * markers that follow a declarator (or precede the type, applying to all of its
 * declarators). Elsewhere it only notes identifiers declared as functions, to find
 * the <type>_before_save / <type>_after_load hooks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

struct pctx {
	struct gen *g;
	struct toks *t;
	size_t i;
	const char *sname;              /* the savable struct being parsed */
};

static struct tok *cur(struct pctx *p)
{
	return &p->t->v[p->i];
}

static bool is(struct pctx *p, const char *s)
{
	struct tok *k = cur(p);

	return k->kind != T_EOF && k->kind != T_PP && !strcmp(k->text, s);
}

static void perr(struct pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void perr(struct pctx *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gen_error(p->g, p->t->file, cur(p)->line, "%s", msg);
}

/* Tokens from the current one up to (not including) a closing bracket at depth 0,
 * joined; the position ends on the closing bracket. */
static char *balanced(struct pctx *p, char close)
{
	char *out = xstrdup("");
	int depth = 0;
	bool prev_word = false;

	while (cur(p)->kind != T_EOF) {
		struct tok *k = cur(p);
		bool word = k->kind == T_IDENT || k->kind == T_NUM;

		if (k->kind == T_PUNCT && depth == 0 && k->text[0] == close)
			break;
		if (k->kind == T_PUNCT && strchr("([{", k->text[0]))
			depth++;
		if (k->kind == T_PUNCT && strchr(")]}", k->text[0]))
			depth--;
		out = xfmt("%s%s%s", out, prev_word && word ? " " : "", k->text);
		prev_word = word;
		p->i++;
	}
	return out;
}

static void marker(struct pctx *p, struct gfield *f)
{
	const char *m = cur(p)->text;
	char *arg = NULL;

	p->i++;
	if (is(p, "(")) {
		p->i++;
		arg = balanced(p, ')');
		p->i++;
	}
	if (!strcmp(m, "SAVE_SKIP")) {
		f->skip = true;
	} else if (!strcmp(m, "SAVE_CUSTOM")) {
		f->custom = true;
	} else if (!strcmp(m, "SAVE_WAIT")) {
		f->wait = true;
	} else if (!strcmp(m, "SAVE_POLY")) {
		f->poly = true;
	} else if (!strcmp(m, "SAVE_POLY_KEY")) {
		f->polykey = true;
	} else if (!strcmp(m, "SAVE_STR")) {
		f->str = true;
	} else if (!strcmp(m, "SAVE_LEN") || !strcmp(m, "SAVE_COUNT")) {
		f->len = arg;
	} else if (!strcmp(m, "SAVE_LIST") || !strcmp(m, "SAVE_TREE")) {
		char *comma = arg ? strrchr(arg, ',') : NULL;

		if (!comma) {
			perr(p, "%s needs (type, member)", m);
			return;
		}
		*comma = 0;
		f->ctype = xstrdup(!strncmp(arg, "struct ", 7) ? arg + 7 : arg);
		f->cmember = xstrdup(comma + 1);
		f->tree = !strcmp(m, "SAVE_TREE");
	} else if (!strcmp(m, "SAVE_UNION")) {
		f->tag = arg;
	} else if (!strcmp(m, "SAVE_CASE")) {
		f->case_val = arg;
	} else if (!strcmp(m, "SAVE_DEFAULT")) {
		f->dflt = arg;
	} else if (!strcmp(m, "SAVE_BASE")) {
		f->base_key = arg;
	} else {
		perr(p, "unknown marker %s", m);
	}
}

static bool is_marker(struct pctx *p)
{
	return cur(p)->kind == T_IDENT && !strncmp(cur(p)->text, "SAVE_", 5);
}

/* Builtin type words, canonicalised: "long unsigned int" is "unsigned long". */
static const char *const builtin_words[] = {
	"unsigned", "signed", "short", "long", "int", "char", "float", "double",
	"_Bool", "void", NULL,
};

static bool is_builtin(const char *s)
{
	for (int i = 0; builtin_words[i]; i++)
		if (!strcmp(s, builtin_words[i]))
			return true;
	return false;
}

static char *canon_builtin(int uns, int sgn, int shrt, int lng, int chr, const char *other)
{
	const char *sign = uns ? "unsigned " : "";

	if (other)
		return xstrdup(other);
	if (chr)
		return xfmt("%schar", uns ? "unsigned " : sgn ? "signed " : "");
	if (shrt)
		return xfmt("%sshort", sign);
	if (lng == 1)
		return xfmt("%slong", sign);
	if (lng >= 2)
		return xfmt("%slong long", sign);
	return xfmt("%sint", sign);
}

static void parse_union(struct pctx *p, struct gfield *u);

/* Declaration specifiers; common markers go to proto. Returns the type or NULL. */
static char *specifiers(struct pctx *p, struct gfield *proto)
{
	int uns = 0, sgn = 0, shrt = 0, lng = 0, chr = 0, any = 0;
	const char *other = NULL;
	char *type = NULL;

	for (;;) {
		struct tok *k = cur(p);

		if (is_marker(p)) {
			marker(p, proto);
			continue;
		}
		if (k->kind != T_IDENT)
			break;
		if (!strcmp(k->text, "const") || !strcmp(k->text, "volatile") ||
		    !strcmp(k->text, "__restrict")) {
			p->i++;
		} else if (!strcmp(k->text, "struct") || !strcmp(k->text, "enum") ||
			   !strcmp(k->text, "union")) {
			p->i++;
			if (is(p, "{") || (cur(p)->kind == T_IDENT && p->t->v[p->i + 1].kind == T_PUNCT &&
					   !strcmp(p->t->v[p->i + 1].text, "{"))) {
				if (strcmp(k->text, "union")) {
					perr(p, "inline %s definition in a savable struct: declare it "
					     "as a named savable struct, or mark the struct SAVE_CUSTOM",
					     k->text);
					return NULL;
				}
				if (cur(p)->kind == T_IDENT)
					p->i++;
				p->i++;
				parse_union(p, proto);
				return xstrdup("union");
			}
			type = xfmt("%s %s", k->text, cur(p)->text);
			p->i++;
		} else if (is_builtin(k->text)) {
			any = 1;
			uns |= !strcmp(k->text, "unsigned");
			sgn |= !strcmp(k->text, "signed");
			shrt |= !strcmp(k->text, "short");
			lng += !strcmp(k->text, "long");
			chr |= !strcmp(k->text, "char");
			if (!strcmp(k->text, "float") || !strcmp(k->text, "double") ||
			    !strcmp(k->text, "_Bool") || !strcmp(k->text, "void"))
				other = k->text;
			p->i++;
		} else if (!type && !any) {
			type = xstrdup(k->text);        /* a typedef name */
			p->i++;
		} else {
			break;
		}
	}
	if (any)
		return canon_builtin(uns, sgn, shrt, lng, chr, other);
	if (!type)
		perr(p, "expected a type");
	return type;
}

static void copy_markers(struct gfield *f, const struct gfield *proto)
{
	f->skip |= proto->skip;
	f->custom |= proto->custom;
	f->wait |= proto->wait;
	f->poly |= proto->poly;
	f->polykey |= proto->polykey;
	f->str |= proto->str;
}

/* One declarator and its markers. */
static bool declarator(struct pctx *p, struct gfield *f)
{
	while (is(p, "*") || is(p, "const") || is(p, "volatile") || is(p, "__restrict")) {
		if (is(p, "*"))
			f->ptr++;
		p->i++;
	}
	if (is(p, "(")) {                       /* function pointer: (*name)(args) */
		p->i++;
		while (is(p, "*"))
			p->i++;
		f->fnptr = true;
	}
	if (cur(p)->kind != T_IDENT || is_marker(p)) {
		if (!f->fnptr && (is(p, ";") || is_marker(p)) && !strcmp(f->type, "union")) {
			f->anon = true;         /* anonymous union */
		} else {
			perr(p, "expected a member name");
			return false;
		}
	} else {
		f->name = xstrdup(cur(p)->text);
		f->line = cur(p)->line;
		p->i++;
	}
	if (f->fnptr) {
		if (is(p, ")"))
			p->i++;
		if (is(p, "(")) {
			p->i++;
			free(balanced(p, ')'));
			p->i++;
		}
	}
	while (is(p, "[")) {
		p->i++;
		free(balanced(p, ']'));
		p->i++;
		f->ndims++;
	}
	if (is(p, ":")) {
		p->i++;
		f->bitfield = true;
		while (!is(p, ",") && !is(p, ";") && !is_marker(p) && cur(p)->kind != T_EOF)
			p->i++;
	}
	while (is_marker(p))
		marker(p, f);
	return true;
}

/* A declaration: specifiers and declarators up to ';', appended to *v. */
static bool declaration(struct pctx *p, struct gfield **v, int *n)
{
	struct gfield proto = { 0 };
	char *type;

	proto.line = cur(p)->line;
	type = specifiers(p, &proto);
	if (!type)
		return false;
	for (;;) {
		struct gfield f = proto;

		f.type = type;
		if (!strcmp(type, "union"))
			f.members = proto.members, f.nmembers = proto.nmembers;
		if (!declarator(p, &f))
			return false;
		copy_markers(&f, &proto);
		if (!f.name)
			f.name = xstrdup("");
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = f;
		if (is(p, ",")) {
			p->i++;
			continue;
		}
		if (!is(p, ";")) {
			perr(p, "expected ';' after member %s", f.name);
			return false;
		}
		p->i++;
		return true;
	}
}

static void skip_to_semicolon(struct pctx *p)
{
	int depth = 0;

	while (cur(p)->kind != T_EOF) {
		if (is(p, "{"))
			depth++;
		if (is(p, "}") && --depth < 0)
			return;
		if (is(p, ";") && depth == 0) {
			p->i++;
			return;
		}
		p->i++;
	}
}

/* Members of a struct or union body; the position is just past '{'. */
static void members(struct pctx *p, struct gfield **v, int *n)
{
	while (!is(p, "}") && cur(p)->kind != T_EOF) {
		if (cur(p)->kind == T_PP) {
			perr(p, "struct %s: #%s inside a savable struct: mark the struct "
			     "SAVE_CUSTOM", p->sname, cur(p)->text);
			p->i++;
			continue;
		}
		if (!declaration(p, v, n))
			skip_to_semicolon(p);
	}
	if (is(p, "}"))
		p->i++;
}

static void parse_union(struct pctx *p, struct gfield *u)
{
	members(p, &u->members, &u->nmembers);
}

static void add_struct(struct pctx *p, struct gstruct *s)
{
	struct gen *g = p->g;

	if (gen_find(g, s->name)) {
		perr(p, "struct %s is declared SAVABLE twice", s->name);
		return;
	}
	g->s = xrealloc(g->s, (g->ns + 1) * sizeof(*g->s));
	g->s[g->ns++] = *s;
}

static void savable(struct pctx *p, bool emit)
{
	struct gstruct s = { 0 };

	p->i++;
	if (is(p, "SAVE_CUSTOM")) {
		s.custom = true;
		p->i++;
	}
	if (!is(p, "struct") || p->t->v[p->i + 1].kind != T_IDENT) {
		perr(p, "SAVABLE must be followed by [SAVE_CUSTOM] struct NAME {");
		return;
	}
	s.name = xstrdup(p->t->v[p->i + 1].text);
	s.file = p->t->file;
	s.line = cur(p)->line;
	s.emit = emit;
	p->sname = s.name;
	p->i += 2;
	if (!is(p, "{")) {
		perr(p, "SAVABLE struct %s must be a definition", s.name);
		return;
	}
	p->i++;
	if (s.custom) {
		/* The body of a custom type is not parsed: anything goes. */
		for (int depth = 1; depth && cur(p)->kind != T_EOF; p->i++) {
			if (is(p, "{"))
				depth++;
			if (is(p, "}"))
				depth--;
		}
	} else {
		members(p, &s.fields, &s.nfields);
	}
	add_struct(p, &s);
}

static void note_function(struct gen *g, const char *name)
{
	g->hooks = xrealloc(g->hooks, (g->nhooks + 1) * sizeof(*g->hooks));
	g->hooks[g->nhooks++] = xstrdup(name);
}

void parse_file(struct gen *g, struct toks *t, bool emit)
{
	struct pctx p = { g, t, 0, NULL };

	while (cur(&p)->kind != T_EOF) {
		struct tok *k = cur(&p);

		if (k->kind == T_IDENT && !strcmp(k->text, "SAVABLE")) {
			savable(&p, emit);
			continue;
		}
		if (k->kind == T_IDENT && t->v[p.i + 1].kind == T_PUNCT &&
		    !strcmp(t->v[p.i + 1].text, "(") &&
		    (strstr(k->text, "_after_load") || strstr(k->text, "_before_save")))
			note_function(g, k->text);
		p.i++;
	}
}
