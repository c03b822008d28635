/* Version 2 of a test struct; tver1/tver.h is version 1 (see test_version.c). */
#ifndef SBX_TESTS_STATE_TVER_H
#define SBX_TESTS_STATE_TVER_H

#include <stdint.h>

#include "st.h"

SAVABLE struct tver_item {
	uint32_t v;
	uint32_t extra SAVE_DEFAULT(9);         /* new in v2 */
};

SAVABLE struct tver {
	uint64_t added SAVE_DEFAULT(42);        /* new in v2 */
	uint32_t a;
	char name[16];                          /* v1: char[8] */
	uint64_t width;                         /* v1: uint16_t */
	uint32_t zeroed;                        /* new in v2, no default */
	struct tver *next;
	struct tver_item item;
	struct tver *newref;                    /* new in v2 */
	/* v1's "gone" field was removed */
};

#endif
