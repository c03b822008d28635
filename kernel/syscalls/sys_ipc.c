/*
 * System V IPC syscalls, decoded here: shared memory (shmget, shmat, shmdt, shmctl)
 * served by ipc/shm.c, semaphores (semget, semop, semtimedop, semctl) by ipc/sem.c,
 * message queues (msgget, msgsnd, msgrcv, msgctl) by ipc/msg.c.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "ipc/msg.h"
#include "ipc/sem.h"
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

SYS(semget)
{
	return sem_get(t, (s32)a[0], (int)a[1], (int)a[2]);
}

SYS(semop)
{
	return sem_timedop(t, (int)a[0], a[1], a[2], 0);
}

SYS(semtimedop)
{
	return sem_timedop(t, (int)a[0], a[1], a[2], a[3]);
}

SYS(semctl)
{
	/* The fourth argument, union semun, comes by value: an int or a pointer. */
	return sem_ctl(t, (int)a[0], (int)a[1], (int)a[2], a[3]);
}

SYS(msgget)
{
	return msg_get(t, (s32)a[0], (int)a[1]);
}

SYS(msgsnd)
{
	return msg_snd(t, (int)a[0], a[1], a[2], (int)a[3]);
}

SYS(msgrcv)
{
	return msg_rcv(t, (int)a[0], a[1], a[2], (s64)a[3], (int)a[4]);
}

SYS(msgctl)
{
	return msg_ctl(t, (int)a[0], (int)a[1], a[2]);
}
