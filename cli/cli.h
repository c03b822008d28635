/* The sbx CLI: one cmd_<name>.c per command. */
#ifndef SBX_CLI_H
#define SBX_CLI_H

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int cmd_run(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_syscalls(int argc, char **argv);

/* Print "sbx: <msg>" and exit 1 (or the given code); only for cli/. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
