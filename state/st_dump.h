/*
 * Print a graph document without knowing its types (for "sbx image inspect"): the
 * format, the roots, objects per type and, with ST_DUMP_OBJECTS, every object with
 * its fields by name (references as #id). Writes only to out; 0 or -errno, with
 * err (ST_ERR_LEN bytes) saying why.
 */
#ifndef SBX_STATE_ST_DUMP_H
#define SBX_STATE_ST_DUMP_H

#include <stddef.h>
#include <stdio.h>

#define ST_DUMP_JSON 1
#define ST_DUMP_OBJECTS 2

int st_dump(const void *buf, size_t len, FILE *out, int flags, char *err);

#endif
