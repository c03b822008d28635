/*
 * Graph encoder. Objects are numbered as they are first referenced and encoded from
 * a work list in that order, so a long chain of objects costs no stack. The body of
 * objects is packed first; st_enc_finish then writes the header, the type table and
 * the roots in front of it (the type table is only complete once every object has
 * been encoded).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "st_int.h"

static int pk_rc(struct st_enc *e, int rc)
{
	if (rc)
		return st_enc_fail(e, -ENOMEM, "out of memory while packing");
	return 0;
}

int st_enc_fail(struct st_enc *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!e->err[0]) {
		va_start(ap, fmt);
		vsnprintf(e->err, sizeof(e->err), fmt, ap);
		va_end(ap);
	}
	return rc;
}

int st_enc_new(struct st_enc **out, void *ctx)
{
	struct st_enc *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	msgpack_sbuffer_init(&e->body);
	msgpack_packer_init(&e->pk, &e->body, msgpack_sbuffer_write);
	e->ctx = ctx;
	*out = e;
	return 0;
}

void st_enc_destroy(struct st_enc *e)
{
	if (!e)
		return;
	msgpack_sbuffer_destroy(&e->body);
	free(e->objs);
	st_pmap_free(&e->ids);
	free(e->types);
	st_pmap_free(&e->tidx);
	for (size_t i = 0; i < e->nroots; i++)
		free(e->root_names[i]);
	free(e->root_names);
	free(e->root_ids);
	free(e);
}

const char *st_enc_error(const struct st_enc *e)
{
	return e->err[0] ? e->err : "no error";
}

size_t st_enc_count(const struct st_enc *e)
{
	return e->nobj;
}

uint64_t st_enc_schema_hash(const struct st_enc *e)
{
	return e->hash;
}

static int type_index(struct st_enc *e, const struct st_type *t, uint32_t *idx)
{
	int rc;

	if (st_pmap_get(&e->tidx, t, idx))
		return 0;
	if (e->ntypes == e->captypes) {
		size_t cap = e->captypes ? e->captypes * 2 : 16;
		const struct st_type **n = realloc(e->types, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->types = n;
		e->captypes = cap;
	}
	*idx = e->ntypes;
	rc = st_pmap_put(&e->tidx, t, *idx);
	if (rc)
		return rc;
	e->types[e->ntypes++] = t;
	e->hash = (e->hash ^ t->hash) * 0x100000001b3ull;
	return 0;
}

/* The id of p as an object of type t, numbering it if new. */
static int object_id(struct st_enc *e, const struct st_type *t, void *p, uint32_t *id)
{
	uint32_t idx;
	int rc;

	*id = 0;
	if (st_pmap_get(&e->ids, p, &idx)) {
		if (e->objs[idx].type != t)
			return st_enc_fail(e, -EINVAL, "object %p saved as both %s and %s",
					   p, e->objs[idx].type->name, t->name);
		*id = idx + 1;
		return 0;
	}
	if (e->nobj >= UINT32_MAX - 1)
		return st_enc_fail(e, -E2BIG, "too many objects");
	if (e->nobj == e->capobj) {
		size_t cap = e->capobj ? e->capobj * 2 : 256;
		struct st_eobj *n = realloc(e->objs, cap * sizeof(*n));

		if (!n)
			return st_enc_fail(e, -ENOMEM, "out of memory");
		e->objs = n;
		e->capobj = cap;
	}
	rc = st_pmap_put(&e->ids, p, e->nobj);
	if (rc)
		return st_enc_fail(e, rc, "out of memory");
	e->objs[e->nobj].ptr = p;
	e->objs[e->nobj].type = t;
	*id = ++e->nobj;
	return 0;
}

int st_enc_root(struct st_enc *e, const char *name, const struct st_type *t, void *obj)
{
	char **names;
	uint32_t *ids, id;
	int rc;

	if (!obj)
		return st_enc_fail(e, -EINVAL, "root %s is NULL", name);
	names = realloc(e->root_names, (e->nroots + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	e->root_names = names;
	ids = realloc(e->root_ids, (e->nroots + 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	e->root_ids = ids;
	rc = object_id(e, t, obj, &id);
	if (rc)
		return rc;
	names[e->nroots] = strdup(name);
	if (!names[e->nroots])
		return -ENOMEM;
	ids[e->nroots++] = id;
	return 0;
}

int st_put_nil(struct st_enc *e)
{
	return pk_rc(e, msgpack_pack_nil(&e->pk));
}

int st_put_bool(struct st_enc *e, bool v)
{
	return pk_rc(e, v ? msgpack_pack_true(&e->pk) : msgpack_pack_false(&e->pk));
}

int st_put_uint(struct st_enc *e, uint64_t v)
{
	return pk_rc(e, msgpack_pack_uint64(&e->pk, v));
}

int st_put_int(struct st_enc *e, int64_t v)
{
	return pk_rc(e, msgpack_pack_int64(&e->pk, v));
}

int st_put_double(struct st_enc *e, double v)
{
	return pk_rc(e, msgpack_pack_double(&e->pk, v));
}

int st_put_str(struct st_enc *e, const char *s)
{
	size_t n;

	if (!s)
		return st_put_nil(e);
	n = strlen(s);
	if (n > UINT32_MAX)
		return st_enc_fail(e, -E2BIG, "string too long");
	if (msgpack_pack_str(&e->pk, n) || msgpack_pack_str_body(&e->pk, s, n))
		return pk_rc(e, -1);
	return 0;
}

int st_put_bin(struct st_enc *e, const void *p, size_t len)
{
	if (!p && len)
		return st_enc_fail(e, -EINVAL, "NULL buffer of %zu bytes", len);
	if (len > UINT32_MAX)
		return st_enc_fail(e, -E2BIG, "buffer too long");
	if (msgpack_pack_bin(&e->pk, len) || msgpack_pack_bin_body(&e->pk, p, len))
		return pk_rc(e, -1);
	return 0;
}

int st_put_array(struct st_enc *e, uint32_t n)
{
	return pk_rc(e, msgpack_pack_array(&e->pk, n));
}

int st_put_map(struct st_enc *e, uint32_t n)
{
	return pk_rc(e, msgpack_pack_map(&e->pk, n));
}

int st_put_struct(struct st_enc *e, const struct st_type *t, uint32_t n)
{
	uint32_t idx;

	if (type_index(e, t, &idx))
		return st_enc_fail(e, -ENOMEM, "out of memory");
	return st_put_map(e, n);
}

/* One value for p: its before-save hook, then its codec. */
static int put_value(struct st_enc *e, const struct st_type *t, void *p)
{
	uint32_t idx;
	int rc;

	if (t->before_save) {
		rc = t->before_save(p, e->ctx);
		if (rc)
			return st_enc_fail(e, rc, "%s_before_save: %s", t->name, strerror(-rc));
	}
	if (t->custom && type_index(e, t, &idx))
		return st_enc_fail(e, -ENOMEM, "out of memory");
	return t->enc(e, p);
}

int st_put_embed(struct st_enc *e, const struct st_type *t, void *p)
{
	return put_value(e, t, p);
}

int st_put_ref(struct st_enc *e, const struct st_type *t, void *p)
{
	uint32_t id;
	int rc;

	if (!p)
		return st_put_uint(e, 0);
	rc = object_id(e, t, p, &id);
	return rc ? rc : st_put_uint(e, id);
}

int st_put_poly(struct st_enc *e, const struct st_type *base, void *p)
{
	const struct st_type *t;
	uint64_t key = 0;
	uint32_t id, idx;
	int rc;

	if (!p)
		return st_put_nil(e);
	memcpy(&key, (char *)p + base->key_off, base->key_size);
	t = st_type_derived(base, key);
	if (!t)
		return st_enc_fail(e, -EINVAL, "no savable type derives from %s with key %#llx",
				   base->name, (unsigned long long)key);
	rc = object_id(e, t, (char *)p - t->poly_off, &id);
	if (!rc)
		rc = type_index(e, t, &idx);
	if (!rc)
		rc = st_put_array(e, 2);
	if (!rc)
		rc = st_put_uint(e, idx);
	return rc ? rc : st_put_uint(e, id);
}

int st_put_list(struct st_enc *e, const struct st_type *t, struct st_list *head,
		size_t member_off)
{
	struct st_list *it;
	uint32_t n = 0;
	int rc;

	st_list_for_each(it, head)
		n++;
	rc = st_put_array(e, n);
	st_list_for_each(it, head) {
		if (rc)
			break;
		rc = st_put_ref(e, t, (char *)it - member_off);
	}
	return rc;
}

int st_put_tree(struct st_enc *e, const struct st_type *t, struct st_tree *root,
		size_t member_off)
{
	struct st_tree_node *it;
	uint32_t n = 0;
	int rc;

	for (it = st_tree_first(root); it; it = st_tree_next(it))
		n++;
	rc = st_put_array(e, n);
	for (it = st_tree_first(root); it && !rc; it = st_tree_next(it))
		rc = st_put_ref(e, t, (char *)it - member_off);
	return rc;
}

static int pack_type(msgpack_packer *pk, const struct st_type *t)
{
	int rc = msgpack_pack_array(pk, 2);

	rc |= msgpack_pack_str_with_body(pk, t->name, strlen(t->name));
	rc |= msgpack_pack_array(pk, t->nfields);
	for (unsigned i = 0; i < t->nfields; i++) {
		const struct st_field *f = &t->fields[i];

		rc |= msgpack_pack_array(pk, 2);
		rc |= msgpack_pack_str_with_body(pk, f->name, strlen(f->name));
		rc |= msgpack_pack_str_with_body(pk, f->kind, strlen(f->kind));
	}
	return rc;
}

/* Header, type table and roots, then the packed objects. */
static int assemble(struct st_enc *e, void **buf, size_t *len)
{
	msgpack_sbuffer head;
	msgpack_packer pk;
	int rc;
	char *out;

	msgpack_sbuffer_init(&head);
	msgpack_packer_init(&pk, &head, msgpack_sbuffer_write);
	rc = msgpack_pack_array(&pk, 6);
	rc |= msgpack_pack_str_with_body(&pk, ST_MAGIC, strlen(ST_MAGIC));
	rc |= msgpack_pack_uint32(&pk, ST_GRAPH_MAJOR);
	rc |= msgpack_pack_uint32(&pk, ST_GRAPH_MINOR);
	rc |= msgpack_pack_array(&pk, e->ntypes);
	for (size_t i = 0; i < e->ntypes; i++)
		rc |= pack_type(&pk, e->types[i]);
	rc |= msgpack_pack_array(&pk, e->nroots);
	for (size_t i = 0; i < e->nroots; i++) {
		rc |= msgpack_pack_array(&pk, 2);
		rc |= msgpack_pack_str_with_body(&pk, e->root_names[i],
						 strlen(e->root_names[i]));
		rc |= msgpack_pack_uint32(&pk, e->root_ids[i]);
	}
	rc |= msgpack_pack_array(&pk, e->nobj);
	out = rc ? NULL : malloc(head.size + e->body.size);
	if (!out) {
		msgpack_sbuffer_destroy(&head);
		return st_enc_fail(e, -ENOMEM, "out of memory");
	}
	memcpy(out, head.data, head.size);
	memcpy(out + head.size, e->body.data, e->body.size);
	*buf = out;
	*len = head.size + e->body.size;
	msgpack_sbuffer_destroy(&head);
	return 0;
}

int st_enc_finish(struct st_enc *e, void **buf, size_t *len)
{
	uint32_t idx;
	int rc;

	for (size_t i = 0; i < e->nobj; i++) {
		struct st_eobj o = e->objs[i];

		rc = type_index(e, o.type, &idx);
		if (rc)
			return st_enc_fail(e, rc, "out of memory");
		rc = st_put_array(e, 2);
		if (!rc)
			rc = st_put_uint(e, idx);
		if (!rc)
			rc = put_value(e, o.type, o.ptr);
		if (rc)
			return rc;
	}
	return assemble(e, buf, len);
}
