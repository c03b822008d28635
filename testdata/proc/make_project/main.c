#include <stdio.h>

#include "proj.h"
#include "table.h"

int main(void)
{
	char buf[64];

	shout("built in parallel", buf);
	printf("%s\n", buf);
	printf("fib(50) = %lu\n", fib(50));
	printf("table: %zu entries, last %ld, sum %ld\n", sizeof(table) / sizeof(table[0]),
	       table[sizeof(table) / sizeof(table[0]) - 1], sum_table());
	return 0;
}
