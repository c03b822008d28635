/* Sentry logging. Writes whole lines with one write(2) so threads do not interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "base/types.h"

int log_level = 1;

void log_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

void bug(const char *file, int line, const char *what)
{
	log_printf("sbx: BUG at %s:%d: %s\n", file, line, what);
	abort();
}
