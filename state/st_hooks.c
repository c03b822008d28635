/*
 * After-load hooks. Decoding records, per object, the hooks of its embedded structs
 * and then its own (in decode order), and the SAVE_WAIT edges "object A waits for
 * object B". The hooks then run object by object in a topological order of those
 * edges (Kahn's algorithm; ties in object order, which is the order objects were
 * first reached when saving). A cycle of waits is refused before any hook runs. An
 * object waiting on itself is no constraint.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "st_int.h"

int st_dec_add_wait(struct st_dec *d, uint32_t waited)
{
	if (waited == d->cur)
		return 0;
	if (d->nwaits == d->capwaits) {
		size_t cap = d->capwaits ? d->capwaits * 2 : 64;
		void *n = realloc(d->waits, cap * sizeof(*d->waits));

		if (!n)
			return st_dec_fail(d, -ENOMEM, "out of memory");
		d->waits = n;
		d->capwaits = cap;
	}
	d->waits[d->nwaits][0] = d->cur;
	d->waits[d->nwaits][1] = waited;
	d->nwaits++;
	return 0;
}

int st_dec_add_hook(struct st_dec *d, const struct st_type *t, void *p)
{
	if (d->nhooks == d->caphooks) {
		size_t cap = d->caphooks ? d->caphooks * 2 : 64;
		struct st_hook *n = realloc(d->hooks, cap * sizeof(*n));

		if (!n)
			return st_dec_fail(d, -ENOMEM, "out of memory");
		d->hooks = n;
		d->caphooks = cap;
	}
	d->hooks[d->nhooks++] = (struct st_hook){ t, p, d->cur };
	return 0;
}

/* order[] gets the objects so that each comes after everything it waits for. */
static int topo_order(struct st_dec *d, uint32_t *order)
{
	uint32_t n = d->nobj, head = 0, tail = 0;
	uint32_t *indeg = calloc(n + 1, sizeof(*indeg));
	uint32_t *start = calloc(n + 2, sizeof(*start));
	uint32_t *succ = malloc((d->nwaits + 1) * sizeof(*succ));
	int rc = 0;

	if (!indeg || !start || !succ) {
		rc = st_dec_fail(d, -ENOMEM, "out of memory");
		goto out_free;
	}
	/* Edges waited -> waiter, in compressed rows. */
	for (size_t i = 0; i < d->nwaits; i++) {
		start[d->waits[i][1] + 1]++;
		indeg[d->waits[i][0]]++;
	}
	for (uint32_t i = 0; i < n; i++)
		start[i + 1] += start[i];
	for (size_t i = 0; i < d->nwaits; i++)
		succ[start[d->waits[i][1]]++] = d->waits[i][0];
	for (uint32_t i = n; i > 0; i--)
		start[i] = start[i - 1];
	start[0] = 0;

	for (uint32_t i = 0; i < n; i++)
		if (!indeg[i])
			order[tail++] = i;
	while (head < tail) {
		uint32_t v = order[head++];

		for (uint32_t j = start[v]; j < start[v + 1]; j++)
			if (!--indeg[succ[j]])
				order[tail++] = succ[j];
	}
	if (tail < n) {
		uint32_t v = 0;

		while (!indeg[v])
			v++;
		rc = st_dec_fail(d, -EDEADLK,
				 "SAVE_WAIT cycle: %u objects wait on each other, e.g. #%u (%s)",
				 n - tail, v + 1, d->objs[v].type->name);
	}
out_free:
	free(succ);
	free(start);
	free(indeg);
	return rc;
}

int st_hooks_run(struct st_dec *d)
{
	uint32_t *order = NULL, *first = NULL;
	struct st_hook *byobj = NULL;
	int rc;

	if (!d->nhooks && !d->nwaits)
		return 0;
	order = malloc((d->nobj + 1) * sizeof(*order));
	first = calloc(d->nobj + 2, sizeof(*first));
	byobj = malloc((d->nhooks + 1) * sizeof(*byobj));
	if (!order || !first || !byobj) {
		rc = st_dec_fail(d, -ENOMEM, "out of memory");
		goto out_free;
	}
	rc = topo_order(d, order);
	if (rc)
		goto out_free;
	/* Stable bucket sort of the hooks by object. */
	for (size_t i = 0; i < d->nhooks; i++)
		first[d->hooks[i].obj + 1]++;
	for (uint32_t i = 0; i < d->nobj; i++)
		first[i + 1] += first[i];
	for (size_t i = 0; i < d->nhooks; i++)
		byobj[first[d->hooks[i].obj]++] = d->hooks[i];
	for (uint32_t i = d->nobj; i > 0; i--)
		first[i] = first[i - 1];
	first[0] = 0;

	for (uint32_t k = 0; k < d->nobj && !rc; k++) {
		uint32_t v = order[k];

		for (uint32_t j = first[v]; j < first[v + 1]; j++) {
			struct st_hook *h = &byobj[j];

			rc = h->type->after_load(h->ptr, d->ctx);
			if (rc) {
				st_dec_fail(d, rc, "%s_after_load of object #%u: %s",
					    h->type->name, v + 1, strerror(-rc));
				break;
			}
		}
	}
out_free:
	free(byobj);
	free(first);
	free(order);
	return rc;
}
