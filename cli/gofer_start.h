/* Starting the gofers beside the Sentry (see gofer_start.c). */
#ifndef SBX_CLI_GOFER_START_H
#define SBX_CLI_GOFER_START_H

#include <stdbool.h>

struct launch;

#define GOFER_MAX_STARTED 9

/* Starts the root gofer and one per volume; their Sentry ends in fds[0..*n). */
int gofer_start_all(const struct launch *l, int *fds, int *n);
bool gofer_parse_volume(const char *spec, char *host, char *path, bool *ro);

#endif
