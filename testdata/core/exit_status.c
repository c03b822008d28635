/* exit_status N: exits with status N (0-255; other values are truncated to 8 bits as by
 * exit_group). Checks that the sandbox reports the program's exit status unchanged. With
 * no argument it exits 0. */
#include <stdlib.h>

int main(int argc, char **argv)
{
	exit(argc > 1 ? atoi(argv[1]) : 0);
}
