/*
 * Internals of the graph codec shared by st_enc.c, st_dec.c, st_hooks.c and
 * st_dump.c. Not part of the public API.
 *
 * Graph document (msgpack), format ST_GRAPH_MAJOR.ST_GRAPH_MINOR:
 *   array(6) [ "sbx-graph", major, minor,
 *              types:   array of [name, array of [field name, kind]],
 *              roots:   array of [name, id],
 *              objects: array of [type index, body] ]
 * Object ids are 1-based positions in objects; 0 is NULL. A struct body is a map from
 * field index (in its type's entry) to value; absent fields load as zero or default.
 * A reference is an id; a polymorphic reference is [type index, id]; a list or tree
 * is an array of ids; a whole-custom type's body is whatever its codec writes.
 */
#ifndef SBX_STATE_ST_INT_H
#define SBX_STATE_ST_INT_H

#include <msgpack.h>

#include "st.h"
#include "st_rd.h"

#define ST_MAGIC "sbx-graph"

/* Open-addressing map from a pointer to a 32-bit value. */
struct st_pmap {
	uintptr_t *keys;
	uint32_t *vals;
	size_t cap, n;
};

int st_pmap_put(struct st_pmap *m, const void *key, uint32_t val);
bool st_pmap_get(const struct st_pmap *m, const void *key, uint32_t *val);
void st_pmap_free(struct st_pmap *m);

struct st_eobj {
	void *ptr;
	const struct st_type *type;
};

struct st_enc {
	msgpack_sbuffer body;
	msgpack_packer pk;
	struct st_eobj *objs;
	size_t nobj, capobj;
	struct st_pmap ids;             /* object address -> index */
	const struct st_type **types;   /* type table, in first-use order */
	size_t ntypes, captypes;
	struct st_pmap tidx;            /* type -> index */
	char **root_names;
	uint32_t *root_ids;
	size_t nroots;
	void *ctx;
	uint64_t hash;
	char err[ST_ERR_LEN];
};

/* An image type, resolved against the local registry. */
struct st_itype {
	const char *name;               /* points into the document */
	uint32_t name_len;
	const struct st_type *local;    /* NULL: unknown here */
	uint32_t nfields;
	int32_t *fmap;                  /* image field index -> local index, or -1 */
};

struct st_dobj {
	void *ptr;
	const struct st_type *type;
	size_t off;                     /* body position in the document */
	uint32_t flags;
};

#define ST_DOBJ_REFD 1

struct st_hook {
	const struct st_type *type;
	void *ptr;
	uint32_t obj;
};

struct st_dec {
	struct st_rd rd;
	void *ctx;
	struct st_itype *itypes;
	uint32_t nitypes;
	struct st_dobj *objs;
	uint32_t nobj;
	struct {
		char *name;
		uint32_t id;
	} *roots;
	uint32_t nroots;
	struct st_pmap tmap;            /* local type -> image type index */
	uint32_t cur;                   /* object being decoded */
	uint32_t (*waits)[2];           /* (waiter, waited) object pairs */
	size_t nwaits, capwaits;
	struct st_hook *hooks;
	size_t nhooks, caphooks;
	uint64_t limit, allocated;
	bool err_ctx;                   /* the message already names its field */
	bool done;
	char err[ST_ERR_LEN];
};

int st_dec_header(struct st_dec *d);
int st_dec_rd_err(struct st_dec *d, int rc);
int st_hooks_run(struct st_dec *d);
void st_dec_free_objects(struct st_dec *d);
int st_dec_add_wait(struct st_dec *d, uint32_t waited);
int st_dec_add_hook(struct st_dec *d, const struct st_type *t, void *p);
void st_err_set(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Put a formatted prefix in front of the message in buf. */
void st_err_prefix(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
