/*
 * The decoder's driver: the document header and type table, phase one (allocate every
 * object), phase two (decode every body), the reachability check and the roots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "st_int.h"

#define RD(call) ({ int __rc = (call); __rc ? st_dec_rd_err(d, __rc) : 0; })

static int32_t local_field(const struct st_type *t, const char *name, uint32_t len)
{
	for (unsigned i = 0; i < t->nfields; i++)
		if (strlen(t->fields[i].name) == len && !memcmp(t->fields[i].name, name, len))
			return i;
	return -1;
}

static int read_type(struct st_dec *d, struct st_itype *it, uint32_t idx)
{
	char name[128];
	uint32_t n;
	int rc;

	rc = RD(st_rd_array(&d->rd, &n));
	if (!rc && n != 2)
		return st_dec_fail(d, -EINVAL, "type entry of %u items", n);
	if (!rc)
		rc = RD(st_rd_str(&d->rd, &it->name, &it->name_len));
	if (!rc)
		rc = RD(st_rd_array(&d->rd, &it->nfields));
	if (rc)
		return rc;
	if (it->name_len >= sizeof(name))
		return st_dec_fail(d, -EINVAL, "type name too long");
	memcpy(name, it->name, it->name_len);
	name[it->name_len] = 0;
	it->local = st_type_find(name);
	it->fmap = malloc((it->nfields + 1) * sizeof(*it->fmap));
	if (!it->fmap)
		return st_dec_fail(d, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < it->nfields; i++) {
		const char *f;
		uint32_t flen;

		rc = RD(st_rd_array(&d->rd, &n));
		if (!rc && n != 2)
			return st_dec_fail(d, -EINVAL, "field entry of %u items", n);
		if (!rc)
			rc = RD(st_rd_str(&d->rd, &f, &flen));
		if (!rc)
			rc = RD(st_rd_skip(&d->rd));    /* kind: for tools */
		if (rc)
			return rc;
		it->fmap[i] = it->local ? local_field(it->local, f, flen) : -1;
	}
	if (it->local && st_pmap_put(&d->tmap, it->local, idx))
		return st_dec_fail(d, -ENOMEM, "out of memory");
	return 0;
}

static int read_types(struct st_dec *d)
{
	uint32_t n;
	int rc = RD(st_rd_array(&d->rd, &n));

	if (rc)
		return rc;
	d->itypes = calloc(n + 1, sizeof(*d->itypes));
	if (!d->itypes)
		return st_dec_fail(d, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		d->nitypes = i + 1;
		rc = read_type(d, &d->itypes[i], i);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_roots(struct st_dec *d)
{
	uint32_t n, m, len;
	const char *name;
	uint64_t id;
	int rc = RD(st_rd_array(&d->rd, &n));

	if (rc)
		return rc;
	d->roots = calloc(n + 1, sizeof(*d->roots));
	if (!d->roots)
		return st_dec_fail(d, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		rc = RD(st_rd_array(&d->rd, &m));
		if (!rc && m != 2)
			return st_dec_fail(d, -EINVAL, "root entry of %u items", m);
		if (!rc)
			rc = RD(st_rd_str(&d->rd, &name, &len));
		if (!rc)
			rc = RD(st_rd_uint(&d->rd, &id));
		if (rc)
			return rc;
		if (id > UINT32_MAX)
			return st_dec_fail(d, -EINVAL, "root id out of range");
		d->roots[i].name = strndup(name, len);
		if (!d->roots[i].name)
			return st_dec_fail(d, -ENOMEM, "out of memory");
		d->roots[i].id = id;
		d->nroots = i + 1;
	}
	return 0;
}

int st_dec_header(struct st_dec *d)
{
	uint64_t major, minor;
	uint32_t n;
	int rc;

	rc = RD(st_rd_array(&d->rd, &n));
	if (!rc && n < 6)
		return st_dec_fail(d, -EINVAL, "not an sbx object graph");
	if (!rc && st_rd_expect_str(&d->rd, ST_MAGIC))
		return st_dec_fail(d, -EINVAL, "not an sbx object graph (bad magic)");
	if (!rc)
		rc = RD(st_rd_uint(&d->rd, &major));
	if (!rc)
		rc = RD(st_rd_uint(&d->rd, &minor));
	if (rc)
		return rc;
	if (major != ST_GRAPH_MAJOR)
		return st_dec_fail(d, -EPROTONOSUPPORT,
				   "object graph format %llu.%llu; this build reads %u.x",
				   (unsigned long long)major, (unsigned long long)minor,
				   ST_GRAPH_MAJOR);
	rc = read_types(d);
	if (!rc)
		rc = read_roots(d);
	return rc;
}

static int alloc_object(struct st_dec *d, struct st_dobj *o)
{
	const struct st_type *t = o->type;

	if (t->size > d->limit - d->allocated)
		return st_dec_fail(d, -EFBIG, "objects need more than the %llu-byte limit",
				   (unsigned long long)d->limit);
	d->allocated += t->size;
	o->ptr = calloc(1, t->size);
	if (!o->ptr)
		return st_dec_fail(d, -ENOMEM, "out of memory");
	if (t->poly_base) {
		uint64_t key = t->poly_key();

		memcpy((char *)o->ptr + t->poly_off + t->poly_base->key_off, &key,
		       t->poly_base->key_size);
	}
	if (t->init)
		t->init(o->ptr);
	return 0;
}

/* Phase one: the object table, each body skipped, each object allocated. */
static int read_objects(struct st_dec *d)
{
	uint32_t n, m;
	uint64_t tidx;
	int rc = RD(st_rd_array(&d->rd, &n));

	if (rc)
		return rc;
	if ((uint64_t)n * 3 > st_rd_left(&d->rd))
		return st_dec_fail(d, -EINVAL, "object count %u beyond the end of data", n);
	d->objs = calloc(n + 1, sizeof(*d->objs));
	if (!d->objs)
		return st_dec_fail(d, -ENOMEM, "out of memory");
	d->nobj = n;
	for (uint32_t i = 0; i < n; i++) {
		struct st_dobj *o = &d->objs[i];

		rc = RD(st_rd_array(&d->rd, &m));
		if (!rc && m != 2)
			return st_dec_fail(d, -EINVAL, "object #%u: record of %u items", i + 1, m);
		if (!rc)
			rc = RD(st_rd_uint(&d->rd, &tidx));
		if (rc)
			return rc;
		if (tidx >= d->nitypes)
			return st_dec_fail(d, -EINVAL, "object #%u: type index out of range", i + 1);
		o->type = d->itypes[tidx].local;
		if (!o->type)
			return st_dec_fail(d, -EINVAL, "object #%u: type %.*s unknown to this build",
					   i + 1, (int)d->itypes[tidx].name_len,
					   d->itypes[tidx].name);
		o->off = st_rd_pos(&d->rd);
		rc = RD(st_rd_skip(&d->rd));
		if (!rc)
			rc = alloc_object(d, o);
		if (rc)
			return rc;
	}
	if (st_rd_left(&d->rd))
		return st_dec_fail(d, -EINVAL, "%zu bytes of trailing data", st_rd_left(&d->rd));
	return 0;
}

/* Phase two: every body, with references resolved as they are read. */
static int decode_objects(struct st_dec *d)
{
	int rc;

	for (uint32_t i = 0; i < d->nobj; i++) {
		struct st_dobj *o = &d->objs[i];

		d->cur = i;
		d->rd.p = d->rd.base + o->off;
		rc = st_get_embed(d, o->type, o->ptr);
		if (rc) {
			st_err_prefix(d->err, "object #%u (%s): ", i + 1, o->type->name);
			return rc;
		}
	}
	return 0;
}

static int check_roots(struct st_dec *d)
{
	for (uint32_t i = 0; i < d->nroots; i++) {
		if (!d->roots[i].id || d->roots[i].id > d->nobj)
			return st_dec_fail(d, -EINVAL, "root %s: object #%u out of range",
					   d->roots[i].name, d->roots[i].id);
		d->objs[d->roots[i].id - 1].flags |= ST_DOBJ_REFD;
	}
	for (uint32_t i = 0; i < d->nobj; i++)
		if (!(d->objs[i].flags & ST_DOBJ_REFD))
			return st_dec_fail(d, -EINVAL, "object #%u (%s) is not referenced",
					   i + 1, d->objs[i].type->name);
	return 0;
}

int st_dec_run(struct st_dec *d)
{
	int rc;

	if (d->done || d->nobj)
		return st_dec_fail(d, -EALREADY, "already decoded");
	rc = st_dec_header(d);
	if (!rc)
		rc = read_objects(d);
	if (!rc)
		rc = decode_objects(d);
	if (!rc)
		rc = check_roots(d);
	if (!rc) {
		/* A wait cycle is found before any hook runs; other hook errors leave
		 * the objects to what the hooks that ran did with them. */
		rc = st_hooks_run(d);
		if (rc != -EDEADLK) {
			d->done = true;
			return rc;
		}
	}
	st_dec_free_objects(d);
	return rc;
}

int st_dec_root(struct st_dec *d, const char *name, const struct st_type *t, void **obj)
{
	for (uint32_t i = 0; i < d->nroots; i++) {
		struct st_dobj *o;

		if (strcmp(d->roots[i].name, name))
			continue;
		o = &d->objs[d->roots[i].id - 1];
		if (o->type != t)
			return st_dec_fail(d, -EINVAL, "root %s is a %s, not a %s", name,
					   o->type->name, t->name);
		*obj = o->ptr;
		return 0;
	}
	return st_dec_fail(d, -ENOENT, "no root named %s", name);
}
