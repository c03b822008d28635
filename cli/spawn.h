/* Starting a gofer or the Sentry without a fork (spawn.c). */
#ifndef SBX_CLI_SPAWN_H
#define SBX_CLI_SPAWN_H

#include <sys/types.h>

/*
 * Runs @child(@arg) in a new process that shares this one's memory until it execs
 * or exits, and returns its pid once it has (or -1, errno). @child may only make
 * system calls on its own locals and @arg, never allocate, write stdio or change
 * what the parent uses, and must end in exec or _exit.
 */
pid_t cli_spawn(int (*child)(void *), void *arg);

#endif
