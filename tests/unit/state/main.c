/* Runner for the state module's unit tests; CK_RUN_SUITE picks one suite. */
#include <stdlib.h>

#include "tgraph.h"
#include "tests.h"

int main(void)
{
	SRunner *sr = srunner_create(graph_suite());
	int failed;

	srunner_add_suite(sr, hostile_suite());
	srunner_add_suite(sr, version_suite());
	srunner_add_suite(sr, image_suite());
	srunner_add_suite(sr, golden_suite());
	srunner_set_fork_status(sr, CK_FORK_GETENV);  /* fork unless CK_FORK=no */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
