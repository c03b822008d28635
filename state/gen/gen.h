/*
 * stgen: the codec generator. Reads C headers, finds the structs marked SAVABLE
 * (markers in state/markers/save.h) and writes one C file of struct st_type
 * descriptors and codecs for them, plus a header declaring those descriptors. It
 * parses the subset of C that struct declarations use; anything in a savable struct
 * that it cannot save and that is not marked stops the build with file:line.
 */
#ifndef SBX_STATE_GEN_H
#define SBX_STATE_GEN_H

#include <stdbool.h>
#include <stddef.h>

enum tok_kind { T_IDENT, T_NUM, T_STR, T_PUNCT, T_PP, T_EOF };

struct tok {
	enum tok_kind kind;
	char *text;
	int line;
};

struct toks {
	struct tok *v;
	size_t n, cap;
	const char *file;
};

/* What a field is saved as. */
enum fkind {
	FK_NONE, FK_UINT, FK_INT, FK_BOOL, FK_FLOAT, FK_EMBED, FK_REF, FK_POLY,
	FK_LIST, FK_TREE, FK_BYTES, FK_ARRAY, FK_BUF, FK_STR, FK_CUSTOM, FK_SKIP,
	FK_UNION, FK_POLYKEY,
};

struct gfield {
	char *name;
	char *type;             /* canonical base type: "u64", "struct foo", "enum e" */
	int ptr;                /* pointer depth */
	int ndims;
	bool bitfield, fnptr, anon;
	int line;
	/* markers */
	bool skip, custom, wait, poly, polykey, str;
	char *len;              /* SAVE_LEN / SAVE_COUNT field */
	char *ctype, *cmember;  /* SAVE_LIST / SAVE_TREE */
	bool tree;
	char *tag, *case_val, *dflt, *base_key;
	/* union members */
	struct gfield *members;
	int nmembers;
	/* resolved */
	enum fkind kind;
	enum fkind elem;        /* FK_ARRAY / FK_BUF element */
	char *target;           /* struct name of embed/ref/list elements */
	char *acc;              /* C expression of the field, with o-> */
	int wire;               /* index in the wire field table */
};

struct gstruct {
	char *name;
	const char *file;
	int line;
	bool custom, emit;
	bool before_save, after_load;
	struct gfield *fields;
	int nfields;
	char *keyfield;         /* SAVE_POLY_KEY field (a polymorphic base) */
	struct gfield *base;    /* SAVE_BASE field (a derived type) */
	int nwire;
};

struct gen {
	struct gstruct *s;
	int ns;
	char **hooks;           /* identifiers declared as functions */
	int nhooks;
	int errors;
};

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int lex_file(const char *path, struct toks *out);
void parse_file(struct gen *g, struct toks *t, bool emit);
void gen_error(struct gen *g, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct gstruct *gen_find(struct gen *g, const char *name);
void resolve_all(struct gen *g);
int emit_all(struct gen *g, const char *name, const char *out_c, const char *out_h,
	     char **headers, int nheaders);

#endif
