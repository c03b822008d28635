#include <ctype.h>

#include "proj.h"

void shout(const char *s, char *out)
{
	while (*s)
		*out++ = toupper((unsigned char)*s++);
	*out = 0;
}
