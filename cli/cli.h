/* The sbx CLI: one cmd_<name>.c per command. */
#ifndef SBX_CLI_H
#define SBX_CLI_H

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int cmd_run(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_syscalls(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_gofer(int argc, char **argv);
int cmd_image(int argc, char **argv);

/* Exit status of sbx itself when it fails (not the application's), as runc's 125. */
#define SBX_EXIT_ERROR 125
#define SBX_EXIT_USAGE 2

/* Fixed descriptors between "sbx run" and the Sentry it starts. */
#define BOOT_EXEC_FD 3          /* the program to run */
#define BOOT_STATUS_FD 4        /* the Sentry reports "exit STATUS" or "error MSG" */
#define BOOT_CONTROL_FD 5       /* the listening control socket */
#define BOOT_GOFER_FD 6         /* the root gofer's socket; volumes' follow */

/* Prints "sbx: <msg>" and exits with SBX_EXIT_ERROR; only for cli/. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
