/* sbx gofer: the file server (internal; started by sbx run and sbx restore). */
#include "cli.h"
#include "gofer.h"

int cmd_gofer(int argc, char **argv)
{
	return gofer_main(argc, argv);
}
