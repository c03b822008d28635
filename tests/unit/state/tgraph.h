/*
 * A synthetic object graph that uses every kind of field the codec generator knows;
 * the state tests save and load it. Not a kernel type.
 */
#ifndef SBX_TESTS_STATE_TGRAPH_H
#define SBX_TESTS_STATE_TGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint64_t u64;
typedef int64_t s64;

#define TG_NAME_LEN 16
#define TG_ROWS 3

enum tg_color { TG_RED, TG_GREEN, TG_BLUE = 7 };
enum tg_kind { TG_KIND_NONE, TG_KIND_NUM, TG_KIND_STR, TG_KIND_PT };

SAVABLE struct tg_point {
	int32_t x, y;
};

/* A polymorphic base: ops names the concrete type. */
struct tg_shape_ops {
	const char *name;
};

SAVABLE struct tg_shape {
	const struct tg_shape_ops *ops SAVE_POLY_KEY;
	uint32_t id;
};

extern const struct tg_shape_ops tg_circle_ops, tg_rect_ops;

SAVABLE struct tg_circle {
	u64 radius;
	struct tg_shape shape SAVE_BASE(&tg_circle_ops);
};

SAVABLE struct tg_rect {
	struct tg_shape shape SAVE_BASE(&tg_rect_ops);
	struct tg_point a, b;
};

SAVABLE struct tg_item {
	struct st_list link SAVE_SKIP;          /* linked by tg_node.items */
	struct st_tree_node tnode SAVE_SKIP;    /* linked by tg_node.tree */
	u64 key;
	struct tg_node *owner;                  /* back reference: a cycle */
};

/* Saved by hand: bit-fields and #ifdef are fine in a SAVE_CUSTOM type. */
SAVABLE SAVE_CUSTOM struct tg_bits {
	unsigned a : 3;
	unsigned b : 5;
#ifdef TG_NEVER
	int never;
#endif
};

SAVABLE struct tg_node {
	u8 u8v;
	int8_t s8v;
	u16 u16v;
	int16_t s16v;
	uint32_t u32v;
	int32_t s32v;
	u64 u64v;
	s64 s64v;
	int iv;
	unsigned uv;
	long lv;
	unsigned long ulv;
	size_t szv;
	bool flag;
	double dv;
	float fv;
	enum tg_color color;
	char name[TG_NAME_LEN];
	uint32_t grid[TG_ROWS][2];
	struct tg_point pts[2];
	struct tg_point origin;
	struct tg_node *next;                   /* a ring: cycles */
	struct tg_node *peer SAVE_WAIT;         /* our after_load runs after peer's */
	struct tg_node *kids[2];
	u8 *data SAVE_LEN(ndata);
	uint32_t ndata;
	struct tg_point *path SAVE_COUNT(npath);
	u16 npath;
	uint32_t *vals SAVE_LEN(nvals);
	size_t nvals;
	struct tg_node **friends SAVE_LEN(nfriends);
	uint32_t nfriends;
	char *label SAVE_STR;
	struct st_list items SAVE_LIST(struct tg_item, link);
	struct st_tree tree SAVE_TREE(tg_item, tnode);
	enum tg_kind kind;
	union {
		s64 num SAVE_CASE(TG_KIND_NUM);
		char *str SAVE_CASE(TG_KIND_STR) SAVE_STR;
		struct tg_point pt SAVE_CASE(TG_KIND_PT);
	} u SAVE_UNION(kind);
	struct tg_shape *shape SAVE_POLY;
	void *cache SAVE_SKIP;                  /* rebuilt by tg_node_after_load */
	int (*fn)(void) SAVE_SKIP;              /* set by tg_node_after_load */
	uint32_t checksum SAVE_CUSTOM;
	struct tg_bits bits;
	unsigned small : 4 SAVE_CUSTOM;
	int saves SAVE_SKIP;                    /* before_save calls */
	int load_order SAVE_SKIP;               /* set by after_load, in hook order */
	int point_hooks SAVE_SKIP;
};

int tg_node_before_save(struct tg_node *n, void *ctx);
int tg_node_after_load(struct tg_node *n, void *ctx);
int tg_point_after_load(struct tg_point *p, void *ctx);
int tg_node_save_checksum(struct st_enc *e, const struct tg_node *n);
int tg_node_load_checksum(struct st_dec *d, struct tg_node *n);
int tg_node_save_small(struct st_enc *e, const struct tg_node *n);
int tg_node_load_small(struct st_dec *d, struct tg_node *n);
int tg_bits_save(struct st_enc *e, const struct tg_bits *b);
int tg_bits_load(struct st_dec *d, struct tg_bits *b);

#endif
