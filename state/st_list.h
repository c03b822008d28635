/*
 * The intrusive containers the codec generator knows: a circular doubly-linked list
 * (struct st_list, the head and the links are the same type; an empty head points to
 * itself) and a binary tree (struct st_tree with struct st_tree_node links; an unlinked
 * node's parent points to itself). A savable struct marks a head SAVE_LIST(type,
 * member) or a root SAVE_TREE(type, member); the links inside the element type are
 * SAVE_SKIP: the container restores them. Saved as the sequence of element ids in list
 * order (tree: in order); a loaded tree is rebuilt balanced in the same order.
 */
#ifndef SBX_STATE_ST_LIST_H
#define SBX_STATE_ST_LIST_H

#include <stdbool.h>
#include <stddef.h>

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

struct st_list {
	struct st_list *next, *prev;
};

#define ST_LIST_INIT(name) { &(name), &(name) }

static inline void st_list_init(struct st_list *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool st_list_empty(const struct st_list *h)
{
	return h->next == h;
}

static inline void st_list_add_tail(struct st_list *n, struct st_list *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void st_list_del(struct st_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	st_list_init(n);
}

#define st_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

struct st_tree_node {
	struct st_tree_node *left, *right, *parent;
};

struct st_tree {
	struct st_tree_node *root;
};

static inline void st_tree_init(struct st_tree *t)
{
	t->root = NULL;
}

static inline void st_tree_node_init(struct st_tree_node *n)
{
	n->left = n->right = NULL;
	n->parent = n;
}

static inline bool st_tree_node_linked(const struct st_tree_node *n)
{
	return n->parent != n;
}

/* In-order walk; NULL at the end. */
struct st_tree_node *st_tree_first(const struct st_tree *t);
struct st_tree_node *st_tree_next(const struct st_tree_node *n);
/* Insert n (unbalanced) ordered by cmp(a, b) < 0 meaning a before b. */
void st_tree_insert(struct st_tree *t, struct st_tree_node *n,
		    int (*cmp)(const struct st_tree_node *a, const struct st_tree_node *b));
/* Link nodes[0..n) (already in order) as a balanced tree into the empty t. */
void st_tree_build(struct st_tree *t, struct st_tree_node **nodes, size_t n);

#endif
