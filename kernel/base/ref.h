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
/* Drops a reference; true when it was the last, and the caller must release. */
static inline bool ref_put(struct ref *r)
{
	int n = __atomic_sub_fetch(&r->count, 1, __ATOMIC_ACQ_REL);

	BUG_ON(n < 0);
	return n == 0;
}

#endif
