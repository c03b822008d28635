/* stgen must refuse this header: a field of no known kind and no marker. */
#include "save.h"

struct host_thing;

SAVABLE struct bad_unmarked {
	int ok;
	struct host_thing *handle;
};
