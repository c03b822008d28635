/*
 * stgen lexer: identifiers, numbers, strings and character constants, punctuation
 * (one character each, which is all a struct declaration needs), and preprocessor
 * lines as one T_PP token holding the directive's name. Comments are dropped.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static void push(struct toks *t, enum tok_kind k, const char *s, size_t n, int line)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n].kind = k;
	t->v[t->n].text = xmalloc(n + 1);
	memcpy(t->v[t->n].text, s, n);
	t->v[t->n].text[n] = 0;
	t->v[t->n].line = line;
	t->n++;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc(n + 1);
	if (n < 0 || fread(buf, 1, n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	fclose(f);
	*len = n;
	return buf;
}

/* Skip a preprocessor line (with continuations and comments); p is at '#'. */
static const char *pp_line(struct toks *t, const char *p, const char *end, int *line)
{
	const char *name;

	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	name = p;
	while (p < end && isalnum((unsigned char)*p))
		p++;
	push(t, T_PP, name, p - name, *line);
	while (p < end && *p != '\n') {
		if (*p == '\\' && p + 1 < end && p[1] == '\n') {
			(*line)++;
			p += 2;
			continue;
		}
		if (*p == '/' && p + 1 < end && p[1] == '*') {
			for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					(*line)++;
			p += 2;
			continue;
		}
		p++;
	}
	return p;
}

static const char *quoted(const char *p, const char *end)
{
	char q = *p++;

	while (p < end && *p != q) {
		if (*p == '\\' && p + 1 < end)
			p++;
		p++;
	}
	return p < end ? p + 1 : p;
}

int lex_file(const char *path, struct toks *t)
{
	size_t len;
	char *buf = slurp(path, &len);
	const char *p, *end, *s;
	int line = 1;
	bool bol = true;

	if (!buf)
		return -errno;
	t->file = path;
	for (p = buf, end = buf + len; p < end;) {
		if (*p == '\n') {
			line++;
			bol = true;
			p++;
		} else if (isspace((unsigned char)*p)) {
			p++;
		} else if (p[0] == '/' && p + 1 < end && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
		} else if (p[0] == '/' && p + 1 < end && p[1] == '*') {
			for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					line++;
			p += 2;
		} else if (*p == '#' && bol) {
			p = pp_line(t, p, end, &line);
		} else if (isalpha((unsigned char)*p) || *p == '_') {
			for (s = p; p < end && (isalnum((unsigned char)*p) || *p == '_'); p++)
				;
			push(t, T_IDENT, s, p - s, line);
			bol = false;
		} else if (isdigit((unsigned char)*p)) {
			for (s = p; p < end && (isalnum((unsigned char)*p) || *p == '.'); p++)
				;
			push(t, T_NUM, s, p - s, line);
			bol = false;
		} else if (*p == '"' || *p == '\'') {
			s = p;
			p = quoted(p, end);
			push(t, T_STR, s, p - s, line);
			bol = false;
		} else {
			push(t, T_PUNCT, p, 1, line);
			p++;
			bol = false;
		}
	}
	push(t, T_EOF, "", 0, line);
	free(buf);
	return 0;
}
