/*
 * System V IPC syscalls: shared memory (shmget, shmat, shmdt, shmctl), decoded here
 * and served by ipc/shm.c. Semaphores and message queues are not offered (ENOSYS).
 */
#define _GNU_SOURCE
#include <errno.h>

#include "ipc/shm.h"
#include "syscalls/handlers.h"
#include "task/task.h"

SYS(shmget)
{
	return shm_get(t, (s32)a[0], a[1], (int)a[2]);
}

SYS(shmat)
{
	return shm_at(t, (int)a[0], a[1], (int)a[2]);
}

SYS(shmdt)
{
	return shm_dt(t, a[0]);
}

SYS(shmctl)
{
	return shm_ctl(t, (int)a[0], (int)a[1], a[2]);
}
