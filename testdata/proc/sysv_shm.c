/*
 * sysv_shm: System V shared memory. Segments by key and private, attached more than
 * once, inherited by fork and shared with a child, read-only attaches, IPC_STAT and
 * IPC_SET, IPC_RMID while attached (the segment lives on, keyless, until its last
 * detach), the attach count, /proc/self/maps' name for an attach, a non-root user's
 * EACCES and EPERM, and the errors of each call. Ids and addresses differ from run to
 * run and are never printed. Compared with a native run.
 *   sysv_shm        the checks, then "done"
 *   sysv_shm cr     zdtm form (testdata/cr/cr.h): a keyed and a removed private
 *                   segment, attached by the parent and a child, cross the restore.
 */
#include "../cr/cr.h"

#include <setjmp.h>
#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>

#define PG 4096

static sigjmp_buf jb;
static int failures;

static void on_fault(int sig)
{
	siglongjmp(jb, sig);
}

/* The signal a write to @p raises (0 if none). */
static int poke(volatile char *p)
{
	int sig = sigsetjmp(jb, 1);

	if (sig)
		return sig;
	*p = 1;
	return 0;
}

static const char *err(long r)
{
	return r < 0 ? strerrorname_np(errno) : "ok";
}

/* A key unlikely to be in use on the host (the native run shares its IPC namespace). */
static key_t fresh_key(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (key_t)((ts.tv_nsec ^ (ts.tv_sec << 8) ^ getpid() << 20) & 0x3fffffff) | 0x1000;
}

static unsigned long nattch(int id)
{
	struct shmid_ds ds;

	return shmctl(id, IPC_STAT, &ds) ? ~0UL : ds.shm_nattch;
}

static bool maps_names(void *addr)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/maps", "r");
	bool found = false;

	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			found = strstr(line, "/SYSV00000000 (deleted)") != NULL;
	if (f)
		fclose(f);
	return found;
}

static void errors(void)
{
	char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int id = shmget(IPC_PRIVATE, PG, 0600);
	struct shmid_ds ds;
	long r1, r2;
	void *a;

	printf("shmget size 0: %s\n", err(shmget(IPC_PRIVATE, 0, 0600)));
	printf("shmget unknown key: %s\n", err(shmget(fresh_key(), PG, 0600)));
	printf("shmat -1: %s\n", err((long)shmat(-1, NULL, 0)));
	printf("shmat a bad id: %s\n", err((long)shmat(id + 1, NULL, 0)));
	printf("shmat unaligned: %s\n", err((long)shmat(id, m + 100, 0)));
	a = shmat(id, m + 100, SHM_RND);
	printf("shmat unaligned SHM_RND over a mapping: %s\n", err((long)a));
	a = shmat(id, m + PG, 0);
	printf("shmat over a mapping: %s\n", err((long)a));
	a = shmat(id, m + PG, SHM_REMAP);
	printf("shmat SHM_REMAP over it: %s, at the address: %d\n", err((long)a),
	       a == m + PG);
	printf("shmat SHM_REMAP without an address: %s\n",
	       err((long)shmat(id, NULL, SHM_REMAP)));
	printf("shmdt unaligned: %s\n", err(shmdt(m + 1)));
	printf("shmdt not attached: %s\n", err(shmdt(m)));
	r1 = shmdt(m + PG);
	r2 = shmdt(m + PG);
	printf("shmdt: %s, again: %s\n", err(r1), err(r2));
	printf("shmctl bad cmd: %s\n", err(shmctl(id, 12345, &ds)));
	printf("shmctl -1 IPC_STAT: %s\n", err(shmctl(-1, IPC_STAT, &ds)));
	printf("shmctl IPC_STAT to a bad buffer: %s\n", err(shmctl(id, IPC_STAT, (void *)8)));
	printf("shmctl IPC_SET from a bad buffer: %s\n", err(shmctl(id, IPC_SET, (void *)8)));
	r1 = shmctl(id, IPC_RMID, NULL);
	r2 = shmctl(id, IPC_RMID, NULL);
	printf("IPC_RMID: %s, again: %s\n", err(r1), err(r2));
	munmap(m, 2 * PG);
}

static void checks(void)
{
	key_t key = fresh_key();
	int id = shmget(IPC_PRIVATE, 10000, 0600), kid, st;
	struct shmid_ds ds;
	struct shminfo si;
	char *a, *b, *ro;
	pid_t pid;

	a = shmat(id, NULL, 0);
	b = shmat(id, NULL, 0);
	if (id < 0 || a == (void *)-1 || b == (void *)-1) {
		printf("setup failed: %s\n", strerror(errno));
		exit(1);
	}
	printf("fresh segment reads zero: %d %d\n", a[0], a[9999]);
	memcpy(a + 5000, "shared bytes", 12);
	printf("second attach sees: %.12s\n", b + 5000);
	printf("past the segment's last page: signal %d\n", poke(a + 3 * PG));
	printf("maps names the attach: %d\n", maps_names(a));
	shmctl(id, IPC_STAT, &ds);
	printf("IPC_STAT: size %zu, mode %o, nattch %lu, key %d, cpid is me %d\n",
	       (size_t)ds.shm_segsz, ds.shm_perm.mode, (unsigned long)ds.shm_nattch,
	       ds.shm_perm.__key, ds.shm_cpid == getpid());

	/* fork: the child inherits both attaches and makes a third. */
	pid = fork();
	if (pid == 0) {
		char *c = shmat(id, NULL, 0);

		printf("child: nattch %lu, sees %.12s\n", nattch(id), c + 5000);
		fflush(stdout);
		memcpy(a + 100, "from the child", 14);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("after the child: nattch %lu, parent sees %.14s\n", nattch(id), b + 100);

	/* Read-only attach. */
	ro = shmat(id, NULL, SHM_RDONLY);
	printf("read-only attach reads %.12s, write: signal %d\n", ro + 5000, poke(ro));
	shmdt(ro);

	/* A keyed segment. */
	kid = shmget(key, PG, IPC_CREAT | IPC_EXCL | 0640);
	printf("keyed: %s;", err(kid));
	printf(" IPC_EXCL again: %s;", err(shmget(key, PG, IPC_CREAT | IPC_EXCL | 0640)));
	printf(" same key: %d;", shmget(key, PG, 0) == kid);
	printf(" larger: %s;", err(shmget(key, 2 * PG, 0)));
	printf(" size 0: %d\n", shmget(key, 0, 0) == kid);
	ds.shm_perm.mode = 0604;
	printf("IPC_SET: %s\n", err(shmctl(kid, IPC_SET, &ds)));
	shmctl(kid, IPC_STAT, &ds);
	printf("after IPC_SET: mode %o, key matches %d\n", ds.shm_perm.mode,
	       ds.shm_perm.__key == key);

	/* Another user: no access to a 0600 segment, no IPC_RMID of it. */
	pid = fork();
	if (pid == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(9);
		printf("uid 1000: shmat 0600: %s,", err((long)shmat(id, NULL, 0)));
		printf(" IPC_STAT: %s,", err(shmctl(id, IPC_STAT, &ds)));
		printf(" IPC_RMID: %s,", err(shmctl(id, IPC_RMID, NULL)));
		printf(" shmget by key: %s,", err(shmget(key, 0, 0644)));
		printf(" reads 0604: %s\n", err((long)shmat(kid, NULL, SHM_RDONLY)));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);

	/* IPC_RMID while attached: lives on without its key until the last detach. */
	printf("IPC_RMID attached: %s\n", err(shmctl(id, IPC_RMID, NULL)));
	shmctl(id, IPC_STAT, &ds);
	printf("removed: SHM_DEST %d, key %d, nattch %lu, still shared %.12s\n",
	       !!(ds.shm_perm.mode & SHM_DEST), ds.shm_perm.__key,
	       (unsigned long)ds.shm_nattch, a + 5000);
	printf("attach a removed segment: %s\n", err((long)(ro = shmat(id, NULL, 0))));
	shmdt(ro);
	shmdt(a);
	printf("one detach left: IPC_STAT %s\n", err(shmctl(id, IPC_STAT, &ds)));
	shmdt(b);
	printf("all detached: IPC_STAT %s\n", err(shmctl(id, IPC_STAT, &ds)));
	shmctl(kid, IPC_RMID, NULL);
	printf("keyed removed unattached: IPC_STAT %s, by key %s\n",
	       err(shmctl(kid, IPC_STAT, &ds)), err(shmget(key, 0, 0)));
	st = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	printf("IPC_INFO: %s, shmmni %lu, shmmin %lu\n", err(st < 0 ? -1 : 0),
	       (unsigned long)si.shmmni, (unsigned long)si.shmmin);
	errors();
}

static void cr(void)
{
	key_t key = fresh_key();
	int kid = shmget(key, 3 * PG, IPC_CREAT | IPC_EXCL | 0600);
	int pid_ = shmget(IPC_PRIVATE, 2 * PG, 0600), go[2], st;
	char *k = shmat(kid, NULL, 0), *p = shmat(pid_, NULL, 0), c;
	struct shmid_ds ds;
	pid_t child;

	if (kid < 0 || pid_ < 0 || k == (void *)-1 || p == (void *)-1 || pipe(go)) {
		printf("setup failed: %s\n", strerror(errno));
		exit(1);
	}
	memset(k, 'k', 3 * PG);
	memset(p, 'p', 2 * PG);
	cr_arm();
	child = fork();
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(9);
		/* After the restore: both attaches still there, shared with the parent. */
		memcpy(k + 10, "child wrote", 11);
		memcpy(p + PG, "child in the removed one", 24);
		_exit(k[3 * PG - 1] == 'k' && p[0] == 'p' ? 0 : 3);
	}
	close(go[0]);
	shmctl(pid_, IPC_RMID, NULL);  /* removed, attached by both */
	cr_say("ready\n");
	cr_wait();
	if (write(go[1], "g", 1) != 1 || waitpid(child, &st, 0) != child)
		return;
	printf("child: %d\n", WEXITSTATUS(st));
	printf("keyed: %.11s, by key: %d,", k + 10, shmget(key, 0, 0) == kid);
	printf(" nattch %lu\n", nattch(kid));
	shmctl(pid_, IPC_STAT, &ds);
	printf("removed: %.24s, SHM_DEST %d, nattch %lu\n", p + PG,
	       !!(ds.shm_perm.mode & SHM_DEST), (unsigned long)ds.shm_nattch);
	shmdt(p);
	printf("after its last detach: %s\n", err(shmctl(pid_, IPC_STAT, &ds)));
	/* A new segment after the restore. */
	{
		int n = shmget(IPC_PRIVATE, PG, 0600);
		char *q = shmat(n, NULL, 0);

		printf("new segment: %s %d\n", err(n), q != (void *)-1 && q[0] == 0);
		shmdt(q);
		shmctl(n, IPC_RMID, NULL);
	}
	shmdt(k);
	shmctl(kid, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (argc > 1 && !strcmp(argv[1], "cr"))
		cr();
	else
		checks();
	printf("done, %d failures\n", failures);
	return failures != 0;
}
