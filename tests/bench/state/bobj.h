/* The small savable object the state benchmark saves a million of. */
#ifndef SBX_BENCH_STATE_BOBJ_H
#define SBX_BENCH_STATE_BOBJ_H

#include <stdint.h>

#include "st.h"

SAVABLE struct bobj {
	uint64_t a;
	uint32_t b;
	int16_t c;
	struct bobj *next;
	struct bobj *peer;
};

#endif
