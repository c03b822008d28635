/* Helpers for the synthetic graph of tgraph.h. */
#ifndef SBX_TESTS_STATE_TGRAPH_UTIL_H
#define SBX_TESTS_STATE_TGRAPH_UTIL_H

#include <stdio.h>

#include "tgraph.h"

extern int tg_hook_counter;
extern int tg_fail_hook;        /* node iv whose after_load fails with -EIO */

/* nnodes nodes in a ring through next, each with nitems items. */
struct tg_node *tg_build(int nnodes, int nitems);
/* NULL if the graphs from a and b are the same, else what differs. */
const char *tg_diff(struct tg_node *a, struct tg_node *b);
int tg_count(struct tg_node *root);
void tg_free(struct tg_node *root);
/* Encode the graph from root into *buf. */
int tg_encode(struct tg_node *root, void **buf, size_t *len);
/* Decode buf; *root is NULL on an error, whose message goes to err (256 bytes). */
int tg_decode(const void *buf, size_t len, struct tg_node **root, void *ctx, char *err);
/* The ring as an array of count nodes (caller frees). */
struct tg_node **tg_ring(struct tg_node *root, int *count);

#endif
