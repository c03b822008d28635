/*
 * The type registry (filled by constructors in generated codec files, so it is
 * complete before main), the pointer map used for object ids, and the tree helpers of
 * st_list.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_int.h"

static const struct st_type **registry;
static size_t nregistry, capregistry;

int st_register_types(const struct st_type *const *types, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct st_type *old = st_type_find(types[i]->name);

		if (old == types[i])
			continue;
		if (old)
			return -EEXIST;
		if (nregistry == capregistry) {
			size_t cap = capregistry ? capregistry * 2 : 64;
			const struct st_type **r = realloc(registry, cap * sizeof(*r));

			if (!r)
				return -ENOMEM;
			registry = r;
			capregistry = cap;
		}
		registry[nregistry++] = types[i];
	}
	return 0;
}

const struct st_type *st_type_find(const char *name)
{
	for (size_t i = 0; i < nregistry; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

const struct st_type *st_type_derived(const struct st_type *base, uint64_t key)
{
	uint64_t mask = base->key_size >= 8 ? ~0ull : (1ull << (base->key_size * 8)) - 1;

	for (size_t i = 0; i < nregistry; i++)
		if (registry[i]->poly_base == base &&
		    (registry[i]->poly_key() & mask) == (key & mask))
			return registry[i];
	return NULL;
}

void st_err_set(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, ST_ERR_LEN, fmt, ap);
	va_end(ap);
}

void st_err_prefix(char *buf, const char *fmt, ...)
{
	char old[ST_ERR_LEN];
	va_list ap;
	size_t n;

	memcpy(old, buf, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(buf, ST_ERR_LEN, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	if (n < ST_ERR_LEN - 1) {
		memcpy(buf + n, old, ST_ERR_LEN - 1 - n);
		buf[ST_ERR_LEN - 1] = 0;
	}
}

static size_t slot(uintptr_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k & (cap - 1);
}

static int pmap_grow(struct st_pmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	uintptr_t *keys = calloc(cap, sizeof(*keys));
	uint32_t *vals = malloc(cap * sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t s;

		if (!m->keys[i])
			continue;
		for (s = slot(m->keys[i], cap); keys[s]; s = (s + 1) & (cap - 1))
			;
		keys[s] = m->keys[i];
		vals[s] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

/* key must not be NULL; a key put twice keeps the first value. */
int st_pmap_put(struct st_pmap *m, const void *key, uint32_t val)
{
	uintptr_t k = (uintptr_t)key;
	size_t s;
	int rc;

	if ((m->n + 1) * 2 > m->cap) {
		rc = pmap_grow(m);
		if (rc)
			return rc;
	}
	for (s = slot(k, m->cap); m->keys[s]; s = (s + 1) & (m->cap - 1))
		if (m->keys[s] == k)
			return 0;
	m->keys[s] = k;
	m->vals[s] = val;
	m->n++;
	return 0;
}

bool st_pmap_get(const struct st_pmap *m, const void *key, uint32_t *val)
{
	uintptr_t k = (uintptr_t)key;

	if (!m->cap)
		return false;
	for (size_t s = slot(k, m->cap); m->keys[s]; s = (s + 1) & (m->cap - 1)) {
		if (m->keys[s] == k) {
			*val = m->vals[s];
			return true;
		}
	}
	return false;
}

void st_pmap_free(struct st_pmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

struct st_tree_node *st_tree_first(const struct st_tree *t)
{
	struct st_tree_node *n = t->root;

	while (n && n->left)
		n = n->left;
	return n;
}

struct st_tree_node *st_tree_next(const struct st_tree_node *n)
{
	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct st_tree_node *)n;
	}
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent;
}

void st_tree_insert(struct st_tree *t, struct st_tree_node *n,
		    int (*cmp)(const struct st_tree_node *a, const struct st_tree_node *b))
{
	struct st_tree_node **link = &t->root, *parent = NULL;

	while (*link) {
		parent = *link;
		link = cmp(n, parent) < 0 ? &parent->left : &parent->right;
	}
	n->left = n->right = NULL;
	n->parent = parent;
	*link = n;
}

/* Iterative: a stack of pending (lo, hi, parent, link) ranges. */
void st_tree_build(struct st_tree *t, struct st_tree_node **nodes, size_t n)
{
	struct range {
		size_t lo, hi;
		struct st_tree_node *parent, **link;
	} stack[64];
	int top = 0;

	t->root = NULL;
	if (!n)
		return;
	stack[top++] = (struct range){ 0, n, NULL, &t->root };
	while (top) {
		struct range r = stack[--top];
		size_t mid = r.lo + (r.hi - r.lo) / 2;
		struct st_tree_node *m = nodes[mid];

		m->parent = r.parent;
		m->left = m->right = NULL;
		*r.link = m;
		if (mid + 1 < r.hi)
			stack[top++] = (struct range){ mid + 1, r.hi, m, &m->right };
		if (r.lo < mid)
			stack[top++] = (struct range){ r.lo, mid, m, &m->left };
	}
}
