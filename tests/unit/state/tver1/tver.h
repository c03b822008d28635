/* Version 1 of the test struct in ../tver.h. */
#ifndef SBX_TESTS_STATE_TVER1_H
#define SBX_TESTS_STATE_TVER1_H

#include <stdint.h>

#include "st.h"

SAVABLE struct tver_item {
	uint32_t v;
};

SAVABLE struct tver {
	uint32_t a;
	uint32_t gone;
	char name[8];
	uint16_t width;
	struct tver *next;
	struct tver_item item;
};

#endif
