/*
 * The synthetic graph of tgraph.h: its hooks and hand-written codecs, a builder that
 * fills every field, a deep comparison, and a destructor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tg_codecs.h"
#include "tgraph.h"
#include "tgraph_util.h"

const struct tg_shape_ops tg_circle_ops = { "circle" };
const struct tg_shape_ops tg_rect_ops = { "rect" };

int tg_hook_counter;
int tg_fail_hook;

static int dummy_fn(void)
{
	return 42;
}

int tg_node_before_save(struct tg_node *n, void *ctx)
{
	n->saves++;
	return 0;
}

int tg_node_after_load(struct tg_node *n, void *ctx)
{
	n->load_order = ++tg_hook_counter;
	n->cache = n;
	n->fn = dummy_fn;
	if (tg_fail_hook && n->iv == tg_fail_hook)
		return -EIO;
	return 0;
}

int tg_point_after_load(struct tg_point *p, void *ctx)
{
	if (ctx)
		(*(int *)ctx)++;
	return 0;
}

int tg_node_save_checksum(struct st_enc *e, const struct tg_node *n)
{
	return st_put_uint(e, n->checksum ^ 0x5a5a5a5a);
}

int tg_node_load_checksum(struct st_dec *d, struct tg_node *n)
{
	uint64_t v;
	int rc = st_get_uint(d, &v);

	n->checksum = (uint32_t)v ^ 0x5a5a5a5a;
	return rc;
}

int tg_node_save_small(struct st_enc *e, const struct tg_node *n)
{
	return st_put_uint(e, n->small);
}

int tg_node_load_small(struct st_dec *d, struct tg_node *n)
{
	uint64_t v;
	int rc = st_get_uint(d, &v);

	n->small = v;
	return rc;
}

int tg_bits_save(struct st_enc *e, const struct tg_bits *b)
{
	int rc = st_put_array(e, 2);

	if (!rc)
		rc = st_put_uint(e, b->a);
	return rc ? rc : st_put_uint(e, b->b);
}

int tg_bits_load(struct st_dec *d, struct tg_bits *b)
{
	uint32_t n;
	uint64_t a, c;
	int rc = st_get_array(d, &n);

	if (!rc && n != 2)
		return st_dec_fail(d, -EINVAL, "tg_bits: %u items", n);
	if (!rc)
		rc = st_get_uint(d, &a);
	if (!rc)
		rc = st_get_uint(d, &c);
	b->a = a;
	b->b = c;
	return rc;
}

static int item_cmp(const struct st_tree_node *a, const struct st_tree_node *b)
{
	const struct tg_item *x = container_of(a, struct tg_item, tnode);
	const struct tg_item *y = container_of(b, struct tg_item, tnode);

	return x->key < y->key ? -1 : x->key > y->key;
}

static void fill_node(struct tg_node *n, int i, unsigned seed)
{
	n->u8v = 200 + i;
	n->s8v = -100 - (i % 20);
	n->u16v = 60000 + i;
	n->s16v = -30000 + i;
	n->u32v = 4000000000u - i;
	n->s32v = -2000000000 + i;
	n->u64v = 0xfedcba9876543210ull + i;
	n->s64v = INT64_MIN + i;
	n->iv = i;
	n->uv = 3u * i;
	n->lv = -1234567890123l * (i + 1);
	n->ulv = 9876543210ul + i;
	n->szv = 12345 + i;
	n->flag = i & 1;
	n->dv = 3.25 * i;
	n->fv = -0.5f * i;
	n->color = i % 3 == 2 ? TG_BLUE : i % 3;
	snprintf(n->name, sizeof(n->name), "node-%d", i);
	for (int r = 0; r < TG_ROWS; r++)
		n->grid[r][0] = r * 10 + i, n->grid[r][1] = seed + r;
	n->pts[0] = (struct tg_point){ i, -i };
	n->pts[1] = (struct tg_point){ 2 * i, -2 * i };
	n->origin = (struct tg_point){ 7, 8 };
	n->ndata = i % 4 == 3 ? 0 : 5 + i;
	if (n->ndata) {
		n->data = malloc(n->ndata);
		for (uint32_t k = 0; k < n->ndata; k++)
			n->data[k] = k * 7 + seed;
	}
	n->npath = i % 3;
	n->path = n->npath ? calloc(n->npath, sizeof(*n->path)) : NULL;
	for (int k = 0; k < n->npath; k++)
		n->path[k] = (struct tg_point){ k, k + i };
	n->nvals = 2;
	n->vals = calloc(2, sizeof(*n->vals));
	n->vals[0] = i;
	n->vals[1] = ~i;
	n->label = i % 2 ? NULL : strdup("label");
	n->kind = i % 4;
	if (n->kind == TG_KIND_NUM)
		n->u.num = -77 * i;
	else if (n->kind == TG_KIND_STR)
		n->u.str = strdup("in a union");
	else if (n->kind == TG_KIND_PT)
		n->u.pt = (struct tg_point){ 3, 4 };
	n->checksum = 0xabcd0000 + i;
	n->bits.a = i & 7;
	n->bits.b = 31 - (i & 15);
	n->small = i & 15;
}

static void add_items(struct tg_node *n, int i, int nitems)
{
	for (int k = 0; k < nitems; k++) {
		struct tg_item *it = calloc(1, sizeof(*it));

		it->key = (k * 7919u + i) % 1000;
		it->owner = n;
		st_list_add_tail(&it->link, &n->items);
		st_tree_node_init(&it->tnode);
		st_tree_insert(&n->tree, &it->tnode, item_cmp);
	}
}

struct tg_node *tg_build(int nnodes, int nitems)
{
	struct tg_node **v = calloc(nnodes, sizeof(*v));
	struct tg_node *root;

	for (int i = 0; i < nnodes; i++) {
		v[i] = calloc(1, sizeof(**v));
		st_list_init(&v[i]->items);
		fill_node(v[i], i, 17);
		add_items(v[i], i, nitems);
	}
	for (int i = 0; i < nnodes; i++) {
		struct tg_node *n = v[i];

		n->next = v[(i + 1) % nnodes];
		n->peer = i + 1 < nnodes ? v[i + 1] : NULL;
		n->kids[0] = v[(2 * i + 1) % nnodes];
		n->kids[1] = i % 2 ? NULL : v[0];
		n->nfriends = i % 3;
		n->friends = n->nfriends ? calloc(n->nfriends, sizeof(*n->friends)) : NULL;
		for (uint32_t k = 0; k < n->nfriends; k++)
			n->friends[k] = v[(i + k + 3) % nnodes];
		if (i % 2) {
			struct tg_circle *c = calloc(1, sizeof(*c));

			c->radius = 10 + i;
			c->shape.ops = &tg_circle_ops;
			c->shape.id = i;
			n->shape = &c->shape;
		} else if (i % 4 == 0) {
			struct tg_rect *r = calloc(1, sizeof(*r));

			r->shape.ops = &tg_rect_ops;
			r->shape.id = 1000 + i;
			r->a = (struct tg_point){ 1, 2 };
			r->b = (struct tg_point){ 3, i };
			n->shape = &r->shape;
		}
	}
	root = v[0];
	free(v);
	return root;
}

struct tg_node **tg_ring(struct tg_node *root, int *count)
{
	struct tg_node **v = NULL, *n = root;
	int k = 0;

	do {
		for (int i = 0; i < k; i++)
			if (v[i] == n)          /* a hostile graph's ring may not close */
				goto out;
		v = realloc(v, (k + 1) * sizeof(*v));
		v[k++] = n;
		n = n->next;
	} while (n && n != root);
out:
	*count = k;
	return v;
}

int tg_count(struct tg_node *root)
{
	int k;

	free(tg_ring(root, &k));
	return k;
}

static int index_of(struct tg_node **v, int n, const struct tg_node *p)
{
	for (int i = 0; i < n; i++)
		if (v[i] == p)
			return i;
	return p ? -2 : -1;
}

static char diff[256];

#define CHECK(cond, ...) do { if (!(cond)) { snprintf(diff, sizeof(diff), __VA_ARGS__); \
	goto out; } } while (0)

static const char *shape_diff(const struct tg_shape *a, const struct tg_shape *b)
{
	if (!a || !b)
		return a == b ? NULL : "shape NULL";
	if (a->ops != b->ops || a->id != b->id)
		return "shape ops/id";
	if (a->ops == &tg_circle_ops) {
		if (container_of(a, struct tg_circle, shape)->radius !=
		    container_of(b, struct tg_circle, shape)->radius)
			return "circle radius";
	} else if (memcmp(&container_of(a, struct tg_rect, shape)->a,
			  &container_of(b, struct tg_rect, shape)->a, 2 * sizeof(struct tg_point))) {
		return "rect points";
	}
	return NULL;
}

static const char *items_diff(struct tg_node *a, struct tg_node *b, struct tg_node **vb,
			      int n)
{
	struct st_list *x, *y;
	struct st_tree_node *p, *q;

	for (x = a->items.next, y = b->items.next; x != &a->items && y != &b->items;
	     x = x->next, y = y->next) {
		struct tg_item *ia = container_of(x, struct tg_item, link);
		struct tg_item *ib = container_of(y, struct tg_item, link);

		if (ia->key != ib->key || ib->owner != b)
			return "list item";
	}
	if (x != &a->items || y != &b->items)
		return "list length";
	for (p = st_tree_first(&a->tree), q = st_tree_first(&b->tree); p && q;
	     p = st_tree_next(p), q = st_tree_next(q))
		if (container_of(p, struct tg_item, tnode)->key !=
		    container_of(q, struct tg_item, tnode)->key)
			return "tree order";
	return p || q ? "tree length" : NULL;
}

static const char *node_diff(struct tg_node *a, struct tg_node *b, struct tg_node **va,
			     struct tg_node **vb, int n)
{
	const char *why;

	if (a->u8v != b->u8v || a->s8v != b->s8v || a->u16v != b->u16v || a->s16v != b->s16v ||
	    a->u32v != b->u32v || a->s32v != b->s32v || a->u64v != b->u64v ||
	    a->s64v != b->s64v || a->iv != b->iv || a->uv != b->uv || a->lv != b->lv ||
	    a->ulv != b->ulv || a->szv != b->szv || a->flag != b->flag || a->dv != b->dv ||
	    a->fv != b->fv || a->color != b->color)
		return "scalars";
	if (memcmp(a->name, b->name, sizeof(a->name)) || memcmp(a->grid, b->grid, sizeof(a->grid)) ||
	    memcmp(a->pts, b->pts, sizeof(a->pts)) || memcmp(&a->origin, &b->origin, sizeof(a->origin)))
		return "arrays";
	if (index_of(va, n, a->next) != index_of(vb, n, b->next) ||
	    index_of(va, n, a->peer) != index_of(vb, n, b->peer) ||
	    index_of(va, n, a->kids[0]) != index_of(vb, n, b->kids[0]) ||
	    index_of(va, n, a->kids[1]) != index_of(vb, n, b->kids[1]))
		return "references";
	if (a->ndata != b->ndata || (a->ndata && memcmp(a->data, b->data, a->ndata)) ||
	    a->npath != b->npath || (a->npath && memcmp(a->path, b->path, a->npath * sizeof(*a->path))) ||
	    a->nvals != b->nvals || memcmp(a->vals, b->vals, a->nvals * sizeof(*a->vals)))
		return "buffers";
	if (a->nfriends != b->nfriends)
		return "friends";
	for (uint32_t k = 0; k < a->nfriends; k++)
		if (index_of(va, n, a->friends[k]) != index_of(vb, n, b->friends[k]))
			return "friend refs";
	if ((a->label || b->label) && (!a->label || !b->label || strcmp(a->label, b->label)))
		return "label";
	if (a->kind != b->kind || (a->kind == TG_KIND_NUM && a->u.num != b->u.num) ||
	    (a->kind == TG_KIND_STR && strcmp(a->u.str, b->u.str)) ||
	    (a->kind == TG_KIND_PT && memcmp(&a->u.pt, &b->u.pt, sizeof(a->u.pt))))
		return "union";
	if (a->checksum != b->checksum || a->bits.a != b->bits.a || a->bits.b != b->bits.b ||
	    a->small != b->small)
		return "custom";
	why = shape_diff(a->shape, b->shape);
	return why ? why : items_diff(a, b, vb, n);
}

const char *tg_diff(struct tg_node *a, struct tg_node *b)
{
	int na, nb;
	struct tg_node **va = tg_ring(a, &na), **vb = tg_ring(b, &nb);
	const char *why;

	CHECK(na == nb, "ring length %d vs %d", na, nb);
	for (int i = 0; i < na; i++) {
		why = node_diff(va[i], vb[i], va, vb, na);
		CHECK(!why, "node %d: %s", i, why);
	}
	free(va);
	free(vb);
	return NULL;
out:
	free(va);
	free(vb);
	return diff;
}

void tg_free(struct tg_node *root)
{
	int n;
	struct tg_node **v = tg_ring(root, &n);

	for (int i = 0; i < n; i++) {
		struct tg_node *x = v[i];
		struct st_list *it, *next;

		for (it = x->items.next; it != &x->items; it = next) {
			next = it->next;
			free(container_of(it, struct tg_item, link));
		}
		if (x->shape && x->shape->ops == &tg_circle_ops)
			free(container_of(x->shape, struct tg_circle, shape));
		else if (x->shape)
			free(container_of(x->shape, struct tg_rect, shape));
		free(x->data);
		free(x->path);
		free(x->vals);
		free(x->friends);
		free(x->label);
		if (x->kind == TG_KIND_STR)
			free(x->u.str);
		free(x);
	}
	free(v);
}

int tg_encode(struct tg_node *root, void **buf, size_t *len)
{
	struct st_enc *e;
	int rc = st_enc_new(&e, NULL);

	if (rc)
		return rc;
	rc = st_enc_root(e, "root", &st_type_tg_node, root);
	if (!rc)
		rc = st_enc_finish(e, buf, len);
	if (rc)
		fprintf(stderr, "encode: %s\n", st_enc_error(e));
	st_enc_destroy(e);
	return rc;
}

int tg_decode(const void *buf, size_t len, struct tg_node **root, void *ctx, char *err)
{
	struct st_dec *d;
	void *p = NULL;
	int rc = st_dec_new(&d, buf, len, ctx);

	if (rc)
		return rc;
	rc = st_dec_run(d);
	if (!rc)
		rc = st_dec_root(d, "root", &st_type_tg_node, &p);
	if (rc && err)
		snprintf(err, 256, "%s", st_dec_error(d));
	if (rc)
		st_dec_discard(d);      /* after a failed hook; nothing here published them */
	st_dec_destroy(d);
	*root = rc ? NULL : p;
	return rc;
}

