#include "proj.h"
#include "table.h"

long sum_table(void)
{
	long s = 0;

	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		s += table[i];
	return s;
}
