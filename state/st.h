/*
 * st: the object-graph codec. Generated codecs (state/gen/) describe each savable C
 * struct with a struct st_type; the encoder walks a graph of objects from named roots
 * and writes it as one msgpack document, the decoder reads such a document back
 * (bounded: never trusts a count) in two phases, then runs after-load hooks in
 * SAVE_WAIT order. This module knows no kernel type. See state/README.md.
 *
 * Errors: every function returns 0 or -errno. The encoder and decoder keep a message
 * for the last error, read with st_enc_error()/st_dec_error().
 */
#ifndef SBX_STATE_ST_H
#define SBX_STATE_ST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "save.h"
#include "st_list.h"

#define ST_GRAPH_MAJOR 1
#define ST_GRAPH_MINOR 0
#define ST_ERR_LEN 256

struct st_enc;
struct st_dec;

/* One field of a generated type: its wire name and a kind string for tools. */
struct st_field {
	const char *name;
	const char *kind;
};

/*
 * A savable struct, described by generated code (never written by hand). Objects of a
 * type are allocated by the decoder with calloc(1, size) and owned by the caller
 * afterwards; buffers and strings they point to come from malloc.
 */
struct st_type {
	const char *name;
	size_t size;
	const struct st_field *fields;
	unsigned nfields;
	uint64_t hash;                  /* of the name, field names and kinds */
	bool custom;                    /* whole type saved by <type>_save/_load */
	void (*init)(void *o);          /* empty list heads and tree nodes; may be NULL */
	void (*free_fields)(void *o);   /* free loaded buffers and strings; may be NULL */
	int (*enc)(struct st_enc *e, void *o);
	int (*dec)(struct st_dec *d, void *o);
	int (*before_save)(void *o, void *ctx);
	int (*after_load)(void *o, void *ctx);
	/* Polymorphism: a base names where its key is, a derived type which base it
	 * embeds at which offset and which key value selects it. */
	size_t key_off;
	unsigned key_size;              /* 0: not a polymorphic base */
	const struct st_type *poly_base;
	size_t poly_off;
	uint64_t (*poly_key)(void);
};

/* Registry of types, filled by constructors in generated code. */
int st_register_types(const struct st_type *const *types, size_t n);
const struct st_type *st_type_find(const char *name);
const struct st_type *st_type_derived(const struct st_type *base, uint64_t key);

/* ---- encoder ---- */

/* ctx is passed to every before_save hook. */
int st_enc_new(struct st_enc **out, void *ctx);
void st_enc_destroy(struct st_enc *e);
const char *st_enc_error(const struct st_enc *e);
/* Add a named root; obj and all it reaches are saved. */
int st_enc_root(struct st_enc *e, const char *name, const struct st_type *t, void *obj);
/* Encode everything reachable; *buf (malloc'ed, caller frees) holds the document. */
int st_enc_finish(struct st_enc *e, void **buf, size_t *len);
/* Number of objects and combined schema hash of the types written (after finish). */
size_t st_enc_count(const struct st_enc *e);
uint64_t st_enc_schema_hash(const struct st_enc *e);

/* Primitive writers for generated and custom codecs: each writes one value. */
int st_put_nil(struct st_enc *e);
int st_put_bool(struct st_enc *e, bool v);
int st_put_uint(struct st_enc *e, uint64_t v);
int st_put_int(struct st_enc *e, int64_t v);
int st_put_double(struct st_enc *e, double v);
int st_put_str(struct st_enc *e, const char *s);        /* NULL writes nil */
int st_put_bin(struct st_enc *e, const void *p, size_t len);
int st_put_array(struct st_enc *e, uint32_t n);
int st_put_map(struct st_enc *e, uint32_t n);
/* Embedded savable struct, reference (id, 0 for NULL), polymorphic reference. */
int st_put_embed(struct st_enc *e, const struct st_type *t, void *p);
int st_put_ref(struct st_enc *e, const struct st_type *t, void *p);
int st_put_poly(struct st_enc *e, const struct st_type *base, void *p);
int st_put_list(struct st_enc *e, const struct st_type *t, struct st_list *head,
		size_t member_off);
int st_put_tree(struct st_enc *e, const struct st_type *t, struct st_tree *root,
		size_t member_off);
/* Begin a struct body: the map header of n fields, registering t's field names. */
int st_put_struct(struct st_enc *e, const struct st_type *t, uint32_t n);
int st_enc_fail(struct st_enc *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- decoder ---- */

/* The decoder reads buf (not copied; must outlive st_dec_run). */
int st_dec_new(struct st_dec **out, const void *buf, size_t len, void *ctx);
void st_dec_destroy(struct st_dec *d);
const char *st_dec_error(const struct st_dec *d);
/* Bytes of objects the decoder may allocate (default 1 GiB + 16 x input length). */
void st_dec_set_limit(struct st_dec *d, uint64_t max_bytes);
/* Decode and run the after-load hooks. On an error before the hooks ran, every
 * object is freed; a hook's error leaves the objects to their hooks' care. */
int st_dec_run(struct st_dec *d);
/* The named root, after st_dec_run; t must be its type. */
int st_dec_root(struct st_dec *d, const char *name, const struct st_type *t, void **obj);
size_t st_dec_count(const struct st_dec *d);
/* Free every object st_dec_run made (their loaded buffers and strings too): for a
 * caller that rejects a graph after loading it, before anything else uses it. */
void st_dec_discard(struct st_dec *d);

/* Primitive readers for generated and custom codecs: each reads one value. */
int st_get_nil(struct st_dec *d);       /* 1 and consumed if nil, else 0 */
int st_get_bool(struct st_dec *d, bool *v);
int st_get_uint(struct st_dec *d, uint64_t *v);
int st_get_int(struct st_dec *d, int64_t *v);
int st_get_double(struct st_dec *d, double *v);
int st_get_str(struct st_dec *d, char **s);               /* malloc'ed; nil: NULL */
int st_get_bin_into(struct st_dec *d, void *p, size_t size); /* fixed array */
int st_get_buf(struct st_dec *d, void **p, size_t *len, size_t elem); /* malloc'ed */
int st_get_array(struct st_dec *d, uint32_t *n);
int st_get_skip(struct st_dec *d);
int st_get_embed(struct st_dec *d, const struct st_type *t, void *p);
int st_get_ref(struct st_dec *d, const struct st_type *t, void **p, bool wait);
int st_get_poly(struct st_dec *d, const struct st_type *base, void **p, bool wait);
int st_get_list(struct st_dec *d, const struct st_type *t, struct st_list *head,
		size_t member_off, bool wait);
int st_get_tree(struct st_dec *d, const struct st_type *t, struct st_tree *root,
		size_t member_off, bool wait);
/* A dynamic array of n elements of size elem, each init'ed by t (may be NULL). */
int st_get_alloc(struct st_dec *d, void **p, uint32_t n, size_t elem,
		 const struct st_type *t);
/* Begin a struct body: *n fields follow; each key through st_get_key. */
int st_get_struct(struct st_dec *d, const struct st_type *t, uint32_t *n,
		  const void **map);
/* The local index of the next field, or ST_FIELD_SKIPPED (value already skipped). */
#define ST_FIELD_SKIPPED 0x7fffffff
int st_get_key(struct st_dec *d, const void *map);
int st_dec_fail(struct st_dec *d, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the pending error with "struct <t> field <f>: ". */
int st_dec_field_err(struct st_dec *d, const struct st_type *t, int field, int rc);
int st_dec_check_len(struct st_dec *d, uint64_t have, uint64_t want);

/* Integer fields of any width, with a range check on load. */
#define ST_GET_UINT(d, lv) ({						\
	uint64_t __v;							\
	int __rc = st_get_uint((d), &__v);				\
	if (!__rc) {							\
		(lv) = __v;						\
		if ((uint64_t)(lv) != __v)				\
			__rc = st_dec_fail((d), -ERANGE, "%llu out of range", \
					   (unsigned long long)__v);	\
	}								\
	__rc; })
#define ST_GET_INT(d, lv) ({						\
	int64_t __v;							\
	int __rc = st_get_int((d), &__v);				\
	if (!__rc) {							\
		(lv) = __v;						\
		if ((int64_t)(lv) != __v)				\
			__rc = st_dec_fail((d), -ERANGE, "%lld out of range", \
					   (long long)__v);		\
	}								\
	__rc; })

#endif
