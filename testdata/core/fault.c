/* fault KIND: dies of a fault signal. KIND is segv (store to an unmapped address), fpe
 * (integer division by zero), ill (ud2), trap (int3) or abrt (abort(3)). Checks that a
 * synchronous fault kills pid 1 even though init ignores unhandled signals sent from
 * inside, and that the sandbox exits 128+N. abort() raises SIGABRT with kill-like
 * semantics, which pid 1 ignores; glibc then falls back to its abort instruction, and
 * whatever Linux does then the sandbox must do too. Prints the stage reached so a wrong
 * survival is visible. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Through a volatile pointer, so the compiler neither warns nor folds the store. */
static volatile int *volatile null16 = (volatile int *)16;

int main(int argc, char **argv)
{
	const char *k = argc > 1 ? argv[1] : "segv";

	printf("fault: %s\n", k);
	fflush(stdout);
	if (!strcmp(k, "segv")) {
		*null16 = 1;
	} else if (!strcmp(k, "fpe")) {
		volatile int a = 1, b = 0;
		a = a / b;
	} else if (!strcmp(k, "ill")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(k, "trap")) {
		__asm__ volatile("int3");
	} else if (!strcmp(k, "abrt")) {
		abort();
	} else {
		fprintf(stderr, "fault: unknown kind %s\n", k);
		return 2;
	}
	printf("fault: survived %s\n", k);
	return 1;
}
