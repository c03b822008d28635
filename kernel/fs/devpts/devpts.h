/*
 * Pseudo-terminals: devpts, the ptmx/pts pairs it names, their line discipline and
 * the controlling terminal of a session. After Linux's fs/devpts, drivers/tty/pty.c,
 * n_tty.c, tty_ioctl.c and tty_jobctrl.c (gVisor's fsimpl/devpts reads the same).
 *
 * A pair is one struct pty: the slave's termios and window size (the master's ioctls
 * act on them, as Linux's tty_mode_ioctl does for a master), three byte rings (what
 * the master wrote and the line discipline has not taken yet, the slave's input
 * buffer, and the slave's output waiting for the master to read) and the session
 * link. The master (struct ptm_file) comes from opening /dev/ptmx or /dev/pts/ptmx,
 * the slave (struct pts_file) from /dev/pts/N, TIOCGPTPEER or /dev/tty. Everything
 * in the pair is under its one lock; everything that waits on it waits on its one
 * queue (readers, writers, poll), as a pipe does.
 *
 * Lock order: kernel->lock, then a pty's lock, then devpts_lock (the index map).
 */
#ifndef SBX_FS_DEVPTS_H
#define SBX_FS_DEVPTS_H

#include <pthread.h>

#include "base/ref.h"
#include "save.h"
#include "task/waitq.h"
#include "vfs/vfs.h"

struct kernel;
struct thread_group;

#define PTY_IN 4096             /* N_TTY_BUF_SIZE: the slave's input buffer */
#define PTY_RAW 16384           /* the master's writes not taken by the ldisc yet */
#define PTY_OUT 16384           /* the slave's output not read by the master yet */
#define PTY_MAX 4096            /* /proc/sys/kernel/pty/max of a devpts instance */
#define PTS_MAJOR 136
#define DEVPTS_DEV 0x18         /* st_dev of the devpts instance */

/* struct termios as the TCGETS family passes it (asm-generic/termbits.h). */
SAVABLE struct pty_termios {
	u32 iflag, oflag, cflag, lflag;
	u8 line;
	u8 cc[19];
};

SAVABLE struct pty_winsize {
	u16 row, col, xpixel, ypixel;
};

SAVABLE struct pty {
	struct ref ref;         /* the master, each slave file, each process it controls */
	u32 index;              /* N of /dev/pts/N */
	u32 uid, gid, mode;     /* the slave's owner and permissions */
	s64 born_sec;           /* the slave inode's times */
	bool locked;            /* TIOCSPTLCK: the slave cannot be opened */
	bool master_open;       /* cleared when the master closes: the slave hangs up */
	u32 slave_opens;        /* open slave files */
	/* the last slave file closed (Linux's TTY_OTHER_CLOSED on the master): a master
	 * read with nothing buffered gets EIO, poll POLLHUP */
	bool other_closed;
	bool packet;            /* TIOCPKT: master reads carry a status byte */
	u8 pktstatus;           /* TIOCPKT_* events not read yet */
	bool stopped;           /* output stopped by VSTOP or TCOOFF: slave writes wait */
	bool lnext;             /* VLNEXT seen: the next input byte is literal */
	bool excl;              /* TIOCEXCL: only CAP_SYS_ADMIN opens the slave */
	u32 sid;                /* the session it is the controlling terminal of, or 0 */
	u32 pgrp;               /* its foreground process group, or 0 */
	struct pty_termios termios;
	u32 ispeed, ospeed;     /* termios2's */
	struct pty_winsize ws;
	u32 column;             /* the output's column, for ONOCR and tabs */
	/* the slave's input: in_len bytes from in_off, wrapping; the first in_canon of
	 * them are complete lines (canonical reads take only those); a set bit in
	 * in_delim marks a line's end, a 0 byte so marked is an end of file (VEOF) */
	u8 in[PTY_IN];
	u8 in_delim[PTY_IN / 8];
	u32 in_off, in_len, in_canon;
	u8 raw[PTY_RAW];
	u32 raw_off, raw_len;
	u8 out[PTY_OUT];
	u32 out_off, out_len;
	struct waitq wq SAVE_SKIP;              /* rebuilt empty: waiters re-block */
	/* the master's and the slave files' O_ASYNC entries (each tty's fasync list
	 * in Linux): SIGIO with POLL_IN when input for that end was processed */
	struct st_list fasync_master SAVE_LIST(struct fasync, link);
	struct st_list fasync_slave SAVE_LIST(struct fasync, link);
	pthread_mutex_t lock SAVE_SKIP;
	struct memfile *mf SAVE_SKIP;           /* the kernel's; charged again on load */
};

int pty_after_load(void *o, void *ctx);

extern const struct vfs_file_ops ptm_ops;
extern const struct vfs_file_ops pts_ops;
extern const struct vfs_inode_ops devpts_inode_ops;

SAVABLE struct ptm_file {
	struct vfs_file base SAVE_BASE(&ptm_ops);
	struct pty *pty;        /* referenced */
};

SAVABLE struct pts_file {
	struct vfs_file base SAVE_BASE(&pts_ops);
	struct pty *pty;        /* referenced */
};

/* What a devpts inode is: the root directory, ptmx, or the slave @index. */
enum devpts_kind { DP_ROOT, DP_PTMX, DP_PTS };

SAVABLE struct devpts_inode {
	struct vfs_inode base SAVE_BASE(&devpts_inode_ops);
	u32 kind;               /* enum devpts_kind */
	u32 index;
};

/* devpts.c: the filesystem. */
int devpts_new(struct vfs_dentry **root);
/* Opens the master of a new pair (/dev/ptmx): locked, as Linux's ptmx_open. */
int devpts_open_ptmx(struct task *t, u32 flags, struct vfs_file **out);
/* A loaded pair takes its number again: 0, or -EINVAL if it is taken. */
int devpts_register(struct pty *p);
/* The live pair numbered @index, referenced, or NULL. */
struct pty *devpts_find(u32 index);
void pty_get(struct pty *p);
void pty_put(struct pty *p);
/* makedev(136, index) */
u64 devpts_rdev(u32 index);

/* pty.c: the files. */
/* Opens the slave of @p for @t: EIO while it is locked or hung up; acquires it as
 * @t's controlling terminal unless O_NOCTTY. */
int pts_open(struct task *t, struct pty *p, u32 flags, bool noctty, struct vfs_file **out);

/* ldisc.c: the line discipline (n_tty), p->lock held. Each returns the signals
 * (sigbit mask) the input asked for, to send to the foreground group once the
 * lock is dropped (pty_unlock_signal). */
u64 ldisc_pump(struct pty *p);
u64 ldisc_receive(struct pty *p, u8 c);
/* After input was received (ldisc_pump does it): SIGIO for the slave's O_ASYNC
 * files if it made a line (canonical) or there is input, for the master's if echoes
 * went out; @canon and @out were in_canon and out_len before. */
void ldisc_input_done(struct pty *p, u32 canon, u32 out);
/* Copies what a read of the slave may take now into @buf: in canonical mode up to
 * the end of the first complete line (0 for an end of file), -EAGAIN without one;
 * otherwise what there is (maybe 0). */
s64 ldisc_read(struct pty *p, u8 *buf, size_t len);
bool ldisc_readable(struct pty *p, bool poll);
/* Output processing (OPOST) of @len bytes into the master's ring: the bytes of
 * @buf consumed. */
size_t ldisc_write(struct pty *p, const u8 *buf, size_t len);
/* The bytes a TIOCINQ/FIONREAD on the slave reports. */
u32 ldisc_inq(struct pty *p);
void ldisc_flush_in(struct pty *p);
/* A TCSETS: applies @nt, with what changing ICANON does to pending input. */
void ldisc_set_termios(struct pty *p, const struct pty_termios *nt);
void pty_default_termios(struct pty *p);

/* tty_jobctl.c: the controlling terminal and job control. */
/* Sends @sigs (sigbit mask) to process group @pgrp; k->lock not held. */
void tty_signal_pgrp(struct kernel *k, u32 pgrp, u64 sigs);
/* Linux's __tty_check_change for @t on @p: 0 to go on, -EIO, or -ERESTARTSYS after
 * sending @sig to @t's process group. */
int tty_check_change(struct task *t, struct pty *p, int sig);
/* A slave open without O_NOCTTY: the caller, a session leader without one,
 * takes @p as its controlling terminal if no session has it. */
void tty_open_acquire(struct task *t, struct pty *p);
/* The controlling-terminal ioctls: TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP,
 * TIOCGSID; @master: issued on the master. -ENOIOCTLCMD for any other. */
#define TTY_ENOIOCTLCMD 515
int tty_jobctl_ioctl(struct task *t, struct pty *p, bool master, u64 cmd, u64 arg);
/* The master closed: every process that has @p as its terminal loses it, and the
 * session's leader gets SIGHUP and SIGCONT (Linux's tty_vhangup of the slave). */
void tty_hangup(struct kernel *k, struct pty *p);
/* Opening /dev/tty: the caller's controlling terminal, or the host terminal the
 * sandbox was started on for the first session; -ENXIO without either. */
int tty_open_ctty(struct task *t, u32 flags, struct vfs_file **out);
/* Process hooks (task/): a fork's child shares its parent's terminal; setsid drops
 * it; the last thread of a group drops it, and a session leader's exit hangs its
 * session's terminal's foreground group up (SIGHUP). */
void tty_fork(struct thread_group *parent, struct thread_group *child);
/* /proc/<pid>/stat's tty_nr (the terminal's device number, 0 for none) and tpgid
 * (its foreground group, -1 for none) for @tg; k->lock held. */
void tty_proc_stat(struct thread_group *tg, u32 *tty_nr, s32 *tpgid);
void tty_setsid(struct thread_group *tg);
void tty_group_exit(struct kernel *k, struct thread_group *tg);

#endif
