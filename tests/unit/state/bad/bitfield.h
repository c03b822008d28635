/* stgen must refuse this header: a bit-field without SAVE_CUSTOM. */
#include "save.h"

SAVABLE struct bad_bits {
	unsigned a : 3;
};
