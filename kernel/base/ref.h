/* Embedded reference counts. Underflow is a bug. */
#ifndef SBX_BASE_REF_H
#define SBX_BASE_REF_H

#include "base/log.h"
#include "base/types.h"
#include "save.h"

SAVABLE struct ref {
	int count;
};

static inline void ref_init(struct ref *r) { r->count = 1; }
static inline void ref_get(struct ref *r) { __atomic_add_fetch(&r->count, 1, __ATOMIC_RELAXED); }
/* Takes a reference unless the count already reached 0 (the object is being
 * released): for finding an object through a list that its release empties. */
static inline bool ref_try_get(struct ref *r)
{
	int n = __atomic_load_n(&r->count, __ATOMIC_RELAXED);

	while (n > 0)
		if (__atomic_compare_exchange_n(&r->count, &n, n + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	return false;
}
/* Drops a reference; true when it was the last, and the caller must release. */
static inline bool ref_put(struct ref *r)
{
	int n = __atomic_sub_fetch(&r->count, 1, __ATOMIC_ACQ_REL);

	BUG_ON(n < 0);
	return n == 0;
}

#endif
