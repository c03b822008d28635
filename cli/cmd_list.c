/* sbx list [--json]: every sandbox under the state root, with its status. A sandbox
 * whose Sentry died shows as stopped, with the reason. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "statedir.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 32)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(struct sbx_meta *m, void *arg)
{
	int *first = arg;

	printf("%s{\"id\":", *first ? "" : ",");
	json_str(m->id);
	printf(",\"pid\":%d,\"status\":", m->pid);
	json_str(m->status);
	printf(",\"platform\":");
	json_str(m->platform);
	printf(",\"created\":%lld,\"command\":", m->created);
	json_str(m->command);
	if (!strcmp(m->status, "stopped")) {
		printf(",\"exit_status\":%d,\"reason\":", m->exit_status);
		json_str(m->reason);
	}
	putchar('}');
	*first = 0;
}

static void print_row(struct sbx_meta *m, void *arg)
{
	char when[32], status[200];
	time_t t = m->created;
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	if (!strcmp(m->status, "stopped") && m->reason[0])
		snprintf(status, sizeof(status), "stopped (%s)", m->reason);
	else if (!strcmp(m->status, "stopped"))
		snprintf(status, sizeof(status), "stopped (exit %d)", m->exit_status);
	else
		snprintf(status, sizeof(status), "%s", m->status);
	printf("%-16s %-8d %-8s %-21s %-24s %s\n", m->id, m->pid, m->platform, when,
	       status, m->command);
}

int cmd_list(int argc, char **argv)
{
	int first = 1, err;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json"))) {
		fprintf(stderr, "usage: sbx list [--json]\n");
		return SBX_EXIT_USAGE;
	}
	if (argc == 2) {
		putchar('[');
		err = statedir_each(print_json, &first);
		printf("]\n");
	} else {
		printf("%-16s %-8s %-8s %-21s %-24s %s\n", "ID", "PID", "PLATFORM", "CREATED",
		       "STATUS", "COMMAND");
		err = statedir_each(print_row, NULL);
	}
	if (err)
		die("cannot read %s: %s", statedir_root(), strerror(-err));
	return 0;
}
