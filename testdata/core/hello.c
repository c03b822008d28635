/* hello: the smallest useful program. Checks that a static binary starts, that glibc's
 * startup (TLS, IRELATIVE relocations, stdio) works, that write(1) reaches the host's
 * stdout, and that exit_group(0) becomes exit status 0. */
#include <stdio.h>

int main(void)
{
	printf("hello, world\n");
	return 0;
}
