/*
 * Graph decoder, in two phases over an untrusted document. Phase one reads the header,
 * resolves the image's type table against the local registry, walks the object table
 * with bounded skips and allocates every object (within a byte limit). Phase two
 * decodes each body; since every object exists, a reference is resolved the moment it
 * is read, checked for range and type. Then every object must have been referenced,
 * and the after-load hooks run (st_hooks.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_int.h"

int st_dec_fail(struct st_dec *d, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!d->err[0]) {
		va_start(ap, fmt);
		vsnprintf(d->err, sizeof(d->err), fmt, ap);
		va_end(ap);
	}
	return rc;
}

int st_dec_rd_err(struct st_dec *d, int rc)
{
	return st_dec_fail(d, rc, "%s at byte %zu", d->rd.why ? d->rd.why : "bad data",
			   st_rd_pos(&d->rd));
}

int st_dec_field_err(struct st_dec *d, const struct st_type *t, int field, int rc)
{
	const char *f = field >= 0 && field < (int)t->nfields ? t->fields[field].name : "?";

	if (d->err_ctx)
		return rc;
	if (!d->err[0])
		st_dec_rd_err(d, rc);
	st_err_prefix(d->err, "struct %s field %s: ", t->name, f);
	d->err_ctx = true;
	return rc;
}

int st_dec_check_len(struct st_dec *d, uint64_t have, uint64_t want)
{
	if (have == want)
		return 0;
	return st_dec_fail(d, -EINVAL, "length field says %llu, data has %llu",
			   (unsigned long long)have, (unsigned long long)want);
}

int st_dec_new(struct st_dec **out, const void *buf, size_t len, void *ctx)
{
	struct st_dec *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	st_rd_init(&d->rd, buf, len);
	d->ctx = ctx;
	d->limit = (1ull << 30) + 16ull * len;
	*out = d;
	return 0;
}

void st_dec_free_objects(struct st_dec *d)
{
	for (uint32_t i = 0; i < d->nobj; i++) {
		struct st_dobj *o = &d->objs[i];

		if (!o->ptr)
			continue;
		if (o->type->free_fields)
			o->type->free_fields(o->ptr);
		free(o->ptr);
		o->ptr = NULL;
	}
}

void st_dec_discard(struct st_dec *d)
{
	st_dec_free_objects(d);
	d->done = true;
}

void st_dec_destroy(struct st_dec *d)
{
	if (!d)
		return;
	if (!d->done)
		st_dec_free_objects(d);
	for (uint32_t i = 0; i < d->nitypes; i++)
		free(d->itypes[i].fmap);
	free(d->itypes);
	for (uint32_t i = 0; i < d->nroots; i++)
		free(d->roots[i].name);
	free(d->roots);
	free(d->objs);
	st_pmap_free(&d->tmap);
	free(d->waits);
	free(d->hooks);
	free(d);
}

const char *st_dec_error(const struct st_dec *d)
{
	return d->err[0] ? d->err : "no error";
}

void st_dec_set_limit(struct st_dec *d, uint64_t max_bytes)
{
	d->limit = max_bytes;
}

size_t st_dec_count(const struct st_dec *d)
{
	return d->nobj;
}

static int charge(struct st_dec *d, uint64_t bytes)
{
	if (bytes > d->limit - d->allocated)
		return st_dec_fail(d, -EFBIG, "objects need more than the %llu-byte limit",
				   (unsigned long long)d->limit);
	d->allocated += bytes;
	return 0;
}

int st_get_nil(struct st_dec *d)
{
	return st_rd_nil(&d->rd);
}

#define RD(call) ({ int __rc = (call); __rc ? st_dec_rd_err(d, __rc) : 0; })

int st_get_bool(struct st_dec *d, bool *v)
{
	return RD(st_rd_bool(&d->rd, v));
}

int st_get_uint(struct st_dec *d, uint64_t *v)
{
	return RD(st_rd_uint(&d->rd, v));
}

int st_get_int(struct st_dec *d, int64_t *v)
{
	return RD(st_rd_int(&d->rd, v));
}

int st_get_double(struct st_dec *d, double *v)
{
	return RD(st_rd_double(&d->rd, v));
}

int st_get_array(struct st_dec *d, uint32_t *n)
{
	return RD(st_rd_array(&d->rd, n));
}

int st_get_skip(struct st_dec *d)
{
	return RD(st_rd_skip(&d->rd));
}

int st_get_str(struct st_dec *d, char **s)
{
	const char *p;
	uint32_t n;
	int rc;

	*s = NULL;
	if (st_rd_nil(&d->rd))
		return 0;
	rc = RD(st_rd_str(&d->rd, &p, &n));
	if (rc)
		return rc;
	if (memchr(p, 0, n))
		return st_dec_fail(d, -EINVAL, "string holds a NUL byte");
	rc = charge(d, n + 1);
	if (rc)
		return rc;
	*s = malloc(n + 1);
	if (!*s)
		return st_dec_fail(d, -ENOMEM, "out of memory");
	memcpy(*s, p, n);
	(*s)[n] = 0;
	return 0;
}

int st_get_bin_into(struct st_dec *d, void *p, size_t size)
{
	const void *src;
	uint32_t n;
	int rc = RD(st_rd_bin(&d->rd, &src, &n));

	if (rc)
		return rc;
	memcpy(p, src, n < size ? n : size);
	if (n < size)
		memset((char *)p + n, 0, size - n);
	return 0;
}

int st_get_buf(struct st_dec *d, void **p, size_t *len, size_t elem)
{
	const void *src;
	uint32_t n;
	int rc;

	if (*p)
		return st_dec_fail(d, -EINVAL, "field appears twice");
	*len = 0;
	if (st_rd_nil(&d->rd))
		return 0;
	rc = RD(st_rd_bin(&d->rd, &src, &n));
	if (rc)
		return rc;
	if (n % elem)
		return st_dec_fail(d, -EINVAL, "%u bytes is not a multiple of %zu", n, elem);
	*len = n / elem;
	if (!n)
		return 0;
	rc = charge(d, n);
	if (rc)
		return rc;
	*p = malloc(n);
	if (!*p)
		return st_dec_fail(d, -ENOMEM, "out of memory");
	memcpy(*p, src, n);
	return 0;
}

int st_get_alloc(struct st_dec *d, void **p, uint32_t n, size_t elem,
		 const struct st_type *t)
{
	int rc;

	if (*p)
		return st_dec_fail(d, -EINVAL, "field appears twice");
	if (!n)
		return 0;
	rc = charge(d, (uint64_t)n * elem);
	if (rc)
		return rc;
	*p = calloc(n, elem);
	if (!*p)
		return st_dec_fail(d, -ENOMEM, "out of memory");
	for (uint32_t i = 0; t && t->init && i < n; i++)
		t->init((char *)*p + i * elem);
	return 0;
}

int st_get_struct(struct st_dec *d, const struct st_type *t, uint32_t *n,
		  const void **map)
{
	uint32_t idx;

	if (!st_pmap_get(&d->tmap, t, &idx))
		return st_dec_fail(d, -EINVAL, "struct %s is missing from the type table",
				   t->name);
	*map = &d->itypes[idx];
	return RD(st_rd_map(&d->rd, n));
}

int st_get_key(struct st_dec *d, const void *map)
{
	const struct st_itype *it = map;
	uint64_t k;
	int rc = RD(st_rd_uint(&d->rd, &k));

	if (rc)
		return rc;
	if (k >= it->nfields)
		return st_dec_fail(d, -EINVAL, "field index %llu out of range",
				   (unsigned long long)k);
	if (it->fmap[k] >= 0)
		return it->fmap[k];
	rc = st_get_skip(d);
	return rc ? rc : ST_FIELD_SKIPPED;
}

int st_get_embed(struct st_dec *d, const struct st_type *t, void *p)
{
	int rc = t->dec(d, p);

	if (!rc && t->after_load)
		rc = st_dec_add_hook(d, t, p);
	return rc;
}

/* Object number of id, checked for range and exact type. */
static int resolve(struct st_dec *d, uint64_t id, const struct st_type *t, uint32_t *idx)
{
	*idx = 0;	/* for -O3, which cannot tell that failures are non-zero */
	if (!id || id > d->nobj)
		return st_dec_fail(d, -EINVAL, "reference to object #%llu, out of range",
				   (unsigned long long)id);
	*idx = id - 1;
	if (t && d->objs[*idx].type != t)
		return st_dec_fail(d, -EINVAL, "object #%llu is a %s, not a %s",
				   (unsigned long long)id, d->objs[*idx].type->name, t->name);
	d->objs[*idx].flags |= ST_DOBJ_REFD;
	return 0;
}

int st_get_ref(struct st_dec *d, const struct st_type *t, void **p, bool wait)
{
	uint64_t id;
	uint32_t idx;
	int rc;

	*p = NULL;
	if (st_rd_nil(&d->rd))
		return 0;
	rc = st_get_uint(d, &id);
	if (rc || !id)
		return rc;
	rc = resolve(d, id, t, &idx);
	if (!rc && wait)
		rc = st_dec_add_wait(d, idx);
	if (!rc)
		*p = d->objs[idx].ptr;
	return rc;
}

int st_get_poly(struct st_dec *d, const struct st_type *base, void **p, bool wait)
{
	const struct st_type *t;
	uint64_t tidx, id;
	uint32_t n, idx;
	int rc;

	*p = NULL;
	if (st_rd_nil(&d->rd))
		return 0;
	rc = st_get_array(d, &n);
	if (!rc && n != 2)
		rc = st_dec_fail(d, -EINVAL, "polymorphic reference of %u items", n);
	if (!rc)
		rc = st_get_uint(d, &tidx);
	if (!rc)
		rc = st_get_uint(d, &id);
	if (rc)
		return rc;
	if (tidx >= d->nitypes || !d->itypes[tidx].local)
		return st_dec_fail(d, -EINVAL, "polymorphic reference to an unknown type");
	t = d->itypes[tidx].local;
	if (t != base && t->poly_base != base)
		return st_dec_fail(d, -EINVAL, "%s does not derive from %s", t->name,
				   base->name);
	rc = resolve(d, id, t, &idx);
	if (!rc && wait)
		rc = st_dec_add_wait(d, idx);
	if (!rc)
		*p = (char *)d->objs[idx].ptr + (t == base ? 0 : t->poly_off);
	return rc;
}

int st_get_list(struct st_dec *d, const struct st_type *t, struct st_list *head,
		size_t member_off, bool wait)
{
	uint32_t n, idx;
	uint64_t id;
	int rc;

	if (!head->next)
		st_list_init(head);
	if (!st_list_empty(head))
		return st_dec_fail(d, -EINVAL, "list appears twice");
	rc = st_get_array(d, &n);
	while (!rc && n--) {
		struct st_list *node;

		rc = st_get_uint(d, &id);
		if (!rc)
			rc = resolve(d, id, t, &idx);
		if (!rc && wait)
			rc = st_dec_add_wait(d, idx);
		if (rc)
			break;
		node = (struct st_list *)((char *)d->objs[idx].ptr + member_off);
		if (node == head || node->next != node)
			return st_dec_fail(d, -EINVAL, "object #%llu is linked twice",
					   (unsigned long long)id);
		st_list_add_tail(node, head);
	}
	return rc;
}

int st_get_tree(struct st_dec *d, const struct st_type *t, struct st_tree *root,
		size_t member_off, bool wait)
{
	struct st_tree_node **nodes = NULL;
	uint32_t n, i, idx;
	uint64_t id;
	int rc;

	if (root->root)
		return st_dec_fail(d, -EINVAL, "tree appears twice");
	rc = st_get_array(d, &n);
	if (!rc && n && !(nodes = malloc(n * sizeof(*nodes))))
		rc = st_dec_fail(d, -ENOMEM, "out of memory");
	for (i = 0; !rc && i < n; i++) {
		rc = st_get_uint(d, &id);
		if (!rc)
			rc = resolve(d, id, t, &idx);
		if (!rc && wait)
			rc = st_dec_add_wait(d, idx);
		if (rc)
			break;
		nodes[i] = (struct st_tree_node *)((char *)d->objs[idx].ptr + member_off);
		if (st_tree_node_linked(nodes[i]))
			rc = st_dec_fail(d, -EINVAL, "object #%llu is linked twice",
					 (unsigned long long)id);
		else
			nodes[i]->parent = NULL;  /* claimed */
	}
	if (!rc)
		st_tree_build(root, nodes, n);
	free(nodes);
	return rc;
}
