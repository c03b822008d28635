/*
 * Synthetic filesystems: procfs, devfs and sysfs. Their inodes are made on lookup from
 * tables and the kernel's state, never cached (a pid directory comes and goes with
 * its process); a regular file's text is generated when it is opened (as Linux's
 * seq_file does on first read) and read from that snapshot; devices are served
 * directly. Nothing here touches the host: /proc shows the sandbox, not the machine,
 * except what a container shows too (cpuinfo). /sys shows the sandbox's CPUs
 * (kernel->cpumask, the set sched_getaffinity reports) and one memory node holding
 * them all, with the directories Linux has at its top, empty where the sandbox has
 * nothing to show.
 */
#ifndef SBX_FS_SYNTH_H
#define SBX_FS_SYNTH_H

#include <stdio.h>

#include "save.h"
#include "vfs/vfs.h"

extern const struct vfs_inode_ops synth_inode_ops;
extern const struct vfs_file_ops synth_file_ops;
extern const struct vfs_file_ops synth_dev_ops;
extern const struct vfs_file_ops synth_dir_ops;

/* What an inode is; with @id naming the table, generator or device. */
enum synth_kind {
	SK_DIR,         /* a static directory: table @id */
	SK_PROC_ROOT,   /* /proc: its table plus a directory per process, and self */
	SK_PID_DIR,     /* /proc/<pid> (id 0): table t_pid; /proc/<pid>/task/<tid> (id 1):
			 * the same without "task" */
	SK_FD_DIR,      /* /proc/<pid>/fd (id 0) and fdinfo (id 1) */
	SK_FILE,        /* generated text: generator @id */
	SK_LINK,        /* generated symlink: link @id */
	SK_DEV,         /* character device @id */
	SK_TASK_DIR,    /* /proc/<pid>/task: a directory per thread of the process */
	SK_SYS_CPUS,    /* table @id plus an entry per CPU: a directory cpuN in
			 * /sys/devices/system/cpu, a link cpuN in node/node0 */
};

/* Saved in images: new tables go last. ST_SHM (/dev/shm) has no table: it was
 * ST_NTABLES's value before there were more. */
enum synth_table { ST_PROC, ST_PID, ST_SYS, ST_SYS_KERNEL, ST_SYS_RANDOM, ST_SYS_VM,
		   ST_DEV, ST_SHM, ST_SYS_FS, ST_SYS_FS_INOTIFY,
		   /* sysfs: one table per directory, so that each has an inode number of
		    * its own (the empty ones have no entries) */
		   ST_SYSFS_ROOT, ST_SYSFS_BLOCK, ST_SYSFS_BUS, ST_SYSFS_CLASS,
		   ST_SYSFS_DEV, ST_SYSFS_DEV_BLOCK, ST_SYSFS_DEV_CHAR, ST_SYSFS_DEVICES,
		   ST_SYSFS_FIRMWARE, ST_SYSFS_FS, ST_SYSFS_CGROUP, ST_SYSFS_KERNEL,
		   ST_SYSFS_MODULE, ST_SYSFS_POWER, ST_SYSFS_SYSTEM, ST_SYSFS_CPUS,
		   ST_SYSFS_CPU0, ST_SYSFS_CPU, ST_SYSFS_TOPOLOGY, ST_SYSFS_NODES,
		   ST_SYSFS_NODE, ST_PID_NET, ST_NTABLES };

enum synth_dev { DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM, DEV_URANDOM, DEV_TTY, DEV_PTMX };

enum synth_gen {
	G_CPUINFO, G_MEMINFO, G_UPTIME, G_LOADAVG, G_STAT, G_FILESYSTEMS, G_VERSION,
	G_HOSTNAME, G_OSRELEASE, G_OSTYPE, G_PIDMAX, G_BOOTID, G_UUID, G_OVERCOMMIT,
	G_PID_MAPS, G_PID_SMAPS_ROLLUP, G_PID_STATUS, G_PID_STAT, G_PID_STATM,
	G_PID_CMDLINE, G_PID_ENVIRON, G_PID_MOUNTS, G_PID_MOUNTINFO, G_PID_COMM,
	G_FDINFO, G_PID_LIMITS, G_VMSTAT, G_PID_OOM_SCORE_ADJ, G_PID_OOM_ADJ, G_PID_OOM_SCORE,
	G_INOTIFY_QUEUED, G_INOTIFY_INSTANCES, G_INOTIFY_WATCHES,
	/* sysfs (sysfs_gen.c); a per-CPU file's CPU is its inode's pid */
	G_SYS_ONLINE, G_SYS_POSSIBLE, G_SYS_PRESENT, G_SYS_OFFLINE, G_SYS_KERNEL_MAX,
	G_SYS_CPU_ONLINE, G_SYS_PACKAGE_ID, G_SYS_DIE_ID, G_SYS_CORE_ID,
	G_SYS_CORE_CPUS, G_SYS_CORE_CPUS_LIST, G_SYS_THREAD_SIBLINGS,
	G_SYS_THREAD_SIBLINGS_LIST, G_SYS_CORE_SIBLINGS, G_SYS_CORE_SIBLINGS_LIST,
	G_SYS_DIE_CPUS, G_SYS_DIE_CPUS_LIST, G_SYS_PACKAGE_CPUS, G_SYS_PACKAGE_CPUS_LIST,
	G_SYS_NODE_ONLINE, G_SYS_NODE_POSSIBLE, G_SYS_NODE_HAS_CPU, G_SYS_NODE_HAS_MEMORY,
	G_SYS_NODE_HAS_NORMAL_MEMORY, G_SYS_NODE_CPUMAP, G_SYS_NODE_CPULIST,
	G_SYS_NODE_MEMINFO, G_SYS_NODE_DISTANCE,
	/* /proc/<pid>/net (ipc/net_proc.c) */
	G_NET_TCP, G_NET_TCP6, G_NET_UDP, G_NET_UDP6, G_NET_UNIX,
	/* new ones last: images name generators by number */
	G_PID_CGROUP,
};

enum synth_link { L_SELF, L_EXE, L_CWD, L_ROOT, L_FD, L_MOUNTS, L_DEVFD, L_STDIN,
		  L_STDOUT, L_STDERR, L_THREAD_SELF,
		  L_SYS_NODE,   /* cpuN/node0 */
		  L_SYS_CPU,    /* node0/cpuN (N: the inode's pid) */
		  L_NET,        /* /proc/net: self/net */
};

SAVABLE struct synth_inode {
	struct vfs_inode base SAVE_BASE(&synth_inode_ops);
	u32 kind;               /* enum synth_kind */
	u32 id;
	u32 pid;                /* the process of a /proc/<pid> entry; the CPU of a
				 * /sys/devices/system/cpu/cpuN entry */
	s32 fd;                 /* the fd of a /proc/<pid>/fd/N entry */
	bool proc;              /* procfs (else devfs or sysfs): which st_dev */
	bool sys;               /* sysfs (false in images made before it) */
};

SAVABLE struct synth_file {
	struct vfs_file base SAVE_BASE(&synth_file_ops);
	char *text SAVE_LEN(len);       /* generated at open */
	u64 len;
};

SAVABLE struct synth_dev_file {
	struct vfs_file base SAVE_BASE(&synth_dev_ops);
	u32 dev;                /* enum synth_dev */
};

SAVABLE struct synth_dir_file {
	struct vfs_file base SAVE_BASE(&synth_dir_ops);
};

int synth_file_after_load(void *o, void *ctx);

static inline struct synth_inode *SYN_I(struct vfs_inode *i)
{
	return container_of(i, struct synth_inode, base);
}

/* synth.c */
int synth_inode_new(u32 kind, u32 id, u32 mode, u32 pid, s32 fd, bool proc,
		    struct vfs_inode **out);
/* The root dentries of a new procfs, a new devfs and a new sysfs. */
int procfs_new(struct vfs_dentry **root);
int devfs_new(struct vfs_dentry **root);
int sysfs_new(struct vfs_dentry **root);
/* Appends an entry (name copied) to a growing listing for readdir. */
int synth_dirent_add(struct vfs_dirent **ents, u32 *n, u32 *cap, const char *name, u64 ino,
		     u8 type);

/* procfs_gen.c: generated contents and links. */
int procfs_generate(struct task *t, struct synth_inode *si, char **text, size_t *len);
/* A write(2) of @len bytes to a writable /proc file (comm, oom_score_adj, oom_adj):
 * applied at once, as Linux does; the bytes taken or -errno. */
s64 procfs_write(struct task *t, struct synth_inode *si, const char *buf, size_t len);
int procfs_readlink(struct task *t, struct synth_inode *si, char *buf, size_t len);
int procfs_get_link(struct task *t, struct synth_inode *si, struct vfs_path *out);
/* The entries of a generated directory (/proc root's pids, fd/, fdinfo/). */
int procfs_readdir_dynamic(struct task *t, struct synth_inode *si, struct vfs_dirent **ents,
			   u32 *n, u32 *cap);
/* sysfs_gen.c: the text of a /sys file, and the cpuN entries of
 * /sys/devices/system/cpu (one per CPU of the sandbox). */
int sysfs_generate(struct task *t, struct synth_inode *si, char **text, size_t *len);
bool sysfs_is_cpu(struct task *t, const char *name, u32 *cpu);
int sysfs_readdir_cpus(struct task *t, struct synth_inode *si, struct vfs_dirent **ents,
		       u32 *n, u32 *cap);
/* The target of a /sys link (relative, as Linux's are), its length or -errno. */
int sysfs_readlink(struct synth_inode *si, char *buf, size_t len);

/* The task whose /proc/<pid> this is, or NULL. */
/* CPU sets as Linux prints them (sysfs_gen.c), each line ending in a newline: a
 * cpulist "0-3,6" (empty for no CPU), and a cpumask, 32-bit hex words most
 * significant first, separated by commas, the first as wide as its bits need. */
void synth_put_cpulist(FILE *f, const u64 *mask, unsigned nbits);
void synth_put_cpumask(FILE *f, const u64 *mask, unsigned nbits);
struct task *procfs_task(struct task *t, u32 pid);
/* /proc/<pid> is there: a live task or a zombie process not reaped yet. */
bool procfs_pid_exists(struct task *t, u32 pid);
/* @tid is a live thread of @pid's process. */
bool procfs_same_process(struct task *t, u32 pid, u32 tid);

#endif
