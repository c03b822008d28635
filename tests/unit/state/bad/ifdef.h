/* stgen must refuse this header: #ifdef inside a savable struct. */
#include "save.h"

SAVABLE struct bad_ifdef {
	int a;
#ifdef SOMETHING
	int b;
#endif
};
