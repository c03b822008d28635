/* Sentry logging: warnings and debug lines to the Sentry's stderr. */
#ifndef SBX_BASE_LOG_H
#define SBX_BASE_LOG_H

#include <stdbool.h>

extern int log_level; /* 0 quiet, 1 warnings, 2 debug */

void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define warn(fmt, ...) \
	do { if (log_level >= 1) log_printf("sbx: " fmt "\n", ##__VA_ARGS__); } while (0)
#define debug(fmt, ...) \
	do { if (log_level >= 2) log_printf("sbx: " fmt "\n", ##__VA_ARGS__); } while (0)

/* An impossible state: report and abort. Never for anything an application can cause. */
#define BUG_ON(c) \
	do { if (unlikely(c)) bug(__FILE__, __LINE__, #c); } while (0)
void bug(const char *file, int line, const char *what) __attribute__((noreturn));

#endif
