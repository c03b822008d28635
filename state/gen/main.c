/*
 * stgen: usage
 *   stgen -n NAME -c OUT.c -H OUT.h [-x EXTERN.h]... HEADER...
 * Generates codecs for the SAVABLE structs of HEADER...; EXTERN headers are read only
 * to know which structs elsewhere are savable (their codecs come from another run).
 * Exit status 1 with file:line messages on anything it refuses.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "stgen: out of memory\n");
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "stgen: out of memory\n");
		exit(1);
	}
	return p;
}

char *xstrdup(const char *s)
{
	return strcpy(xmalloc(strlen(s) + 1), s);
}

char *xfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		fprintf(stderr, "stgen: out of memory\n");
		exit(1);
	}
	va_end(ap);
	return s;
}

void gen_error(struct gen *g, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: error: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	g->errors++;
}

struct gstruct *gen_find(struct gen *g, const char *name)
{
	for (int i = 0; i < g->ns; i++)
		if (!strcmp(g->s[i].name, name))
			return &g->s[i];
	return NULL;
}

static int load(struct gen *g, const char *path, bool emit)
{
	struct toks *t = calloc(1, sizeof(*t));

	if (!t || lex_file(path, t)) {
		perror(path);
		return -1;
	}
	parse_file(g, t, emit);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: stgen -n NAME -c OUT.c -H OUT.h [-x EXTERN.h]... HEADER...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *name = NULL, *out_c = NULL, *out_h = NULL;
	char **externs = calloc(argc, sizeof(char *));
	struct gen g = { 0 };
	int c, nx = 0;

	while ((c = getopt(argc, argv, "n:c:H:x:")) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'c': out_c = optarg; break;
		case 'H': out_h = optarg; break;
		case 'x': externs[nx++] = optarg; break;
		default: usage();
		}
	}
	if (!name || !out_c || !out_h || optind >= argc)
		usage();
	for (int i = optind; i < argc; i++)
		if (load(&g, argv[i], true))
			return 1;
	for (int i = 0; i < nx; i++)
		if (load(&g, externs[i], false))
			return 1;
	if (!g.errors)
		resolve_all(&g);
	if (g.errors) {
		fprintf(stderr, "stgen: %d error%s; no codecs written\n", g.errors,
			g.errors > 1 ? "s" : "");
		return 1;
	}
	return emit_all(&g, name, out_c, out_h, argv + optind, argc - optind) ? 1 : 0;
}
