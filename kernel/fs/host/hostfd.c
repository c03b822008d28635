/* Host-fd files (see hostfd.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "fs/host/hostfd.h"
#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"

#define KERNEL_TERMIOS_SIZE 36  /* struct termios as the kernel's ioctls use it */

static struct hostfd_file *HF(struct vfs_file *f)
{
	return container_of(f, struct hostfd_file, base);
}

/* Waits until the host fd is ready, unless it is a regular file or the sandbox file
 * is non-blocking. >0 ready, -EAGAIN, -ERESTARTSYS. */
static int wait_ready(struct task *t, struct vfs_file *f, short events)
{
	struct pollfd p = { .fd = HF(f)->fd, .events = events };
	int n;

	n = poll(&p, 1, 0);
	if (n > 0)
		return 1;
	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	n = task_wait_fd(t, HF(f)->fd, events, -1);
	if (n == -EINTR)
		return -ERESTARTSYS;
	return n;
}

/* I/O of a file with an offset of its own: at base.pos, which it moves. */
static s64 own_pos_io(struct vfs_file *f, void *buf, size_t len, bool write)
{
	ssize_t n;

	pthread_mutex_lock(&f->pos_lock);
	if (write && (f->flags & O_APPEND)) {
		struct stat st;

		if (!fstat(HF(f)->fd, &st))
			f->pos = st.st_size;
	}
	n = write ? pwrite(HF(f)->fd, buf, len, f->pos) : pread(HF(f)->fd, buf, len, f->pos);
	if (n > 0)
		f->pos += n;
	pthread_mutex_unlock(&f->pos_lock);
	return n < 0 ? -errno : n;
}

/*
 * A read of the host terminal from a background job: on Linux the terminal stops the
 * job with SIGTTIN and the read goes on once fg has continued it; a program that
 * blocks or ignores SIGTTIN gets EIO. The Sentry's threads block SIGTTIN (the
 * Sentry is a pid 1, which would drop it and have the host restart the read for
 * ever), so the host answers a background read with EIO, and an empty read asks it
 * without waiting for input: EIO there, with no hang-up, means the sandbox's host
 * job is in the background (or orphaned, which is not told apart: that job, no
 * longer anyone's, stays stopped until sbx resume or kill). The sandbox then stops
 * as a job, as at ^Z (k->host_jobctl_fd), and the read restarts once it goes on.
 * Returns 0 to read, -EIO, or -ERESTARTSYS.
 */
static int host_tty_background(struct task *t, struct vfs_file *f)
{
	struct pollfd p = { .fd = HF(f)->fd };
	char sig = SIGTTIN;
	int err;

	if (!HF(f)->tty || t->k->host_jobctl_fd < 0 || read(HF(f)->fd, &sig, 0) == 0 ||
	    errno != EIO)
		return 0;
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
		return 0;       /* hung up: the read itself says so */
	if (sig_blocked_or_ignored(t, SIGTTIN))
		return -EIO;
	if (write(t->k->host_jobctl_fd, &sig, 1) != 1)
		return -EIO;
	/* Until the stop takes this task (it restarts the read after), or a signal. */
	err = task_sleep_until(t, -1);
	return err == -EINTR || !err ? -ERESTARTSYS : err;
}

static s64 hostfd_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	ssize_t n;
	int err;

	if (!pos && HF(f)->own_pos)
		return own_pos_io(f, buf, len, false);
	if (pos) {
		n = pread(HF(f)->fd, buf, len, *pos);
		return n < 0 ? -errno : n;
	}
	err = host_tty_background(t, f);
	if (!err)
		err = wait_ready(t, f, POLLIN);
	if (err < 0)
		return err;
	n = read(HF(f)->fd, buf, len);
	return n < 0 ? -errno : n;
}

static s64 hostfd_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
			s64 *pos)
{
	ssize_t n;
	int err;

	if (!pos && HF(f)->own_pos) {
		n = own_pos_io(f, (void *)buf, len, true);
		if (n >= 0)
			return n;
		errno = -n;
		n = -1;
	} else if (pos) {
		n = pwrite(HF(f)->fd, buf, len, *pos);
	} else {
		err = wait_ready(t, f, POLLOUT);
		if (err < 0)
			return err;
		n = write(HF(f)->fd, buf, len);
	}
	if (n < 0 && errno == EPIPE) {
		struct l_siginfo info = { .signo = SIGPIPE, .code = L_SI_USER };

		sig_send(t, &info, false, false);
	}
	return n < 0 ? -errno : n;
}

static s64 hostfd_lseek(struct vfs_file *f, s64 off, int whence)
{
	struct stat st;
	off_t r;

	if (!HF(f)->own_pos) {
		r = lseek(HF(f)->fd, off, whence);
		return r < 0 ? -errno : r;
	}
	if (fstat(HF(f)->fd, &st))
		return -errno;
	pthread_mutex_lock(&f->pos_lock);
	r = whence == SEEK_SET ? off : whence == SEEK_CUR ? f->pos + off :
	    whence == SEEK_END ? st.st_size + off :
	    whence == SEEK_DATA ? (off < st.st_size ? off : -ENXIO) :
	    whence == SEEK_HOLE ? (off < st.st_size ? st.st_size : -ENXIO) : -EINVAL;
	if (r < 0 && r != -ENXIO)
		r = -EINVAL;
	if (r >= 0)
		f->pos = r;
	pthread_mutex_unlock(&f->pos_lock);
	return r;
}

static int hostfd_fstat(struct vfs_file *f, struct stat *st)
{
	return fstat(HF(f)->fd, st) ? -errno : 0;
}

static int ioctl_copy(struct task *t, int fd, u64 cmd, u64 arg, size_t len, bool in,
		      bool out)
{
	u8 buf[64];

	if (in && mm_copy_in(t->mm, buf, arg, len))
		return -EFAULT;
	if (ioctl(fd, cmd, buf) < 0)
		return -errno;
	if (out && mm_copy_out(t->mm, arg, buf, len))
		return -EFAULT;
	return 0;
}

static int hostfd_ioctl(struct task *t, struct vfs_file *f, u64 cmd, u64 arg)
{
	struct hostfd_file *hf = HF(f);
	int fd = hf->fd, v;

	switch (cmd) {
	case TCGETS:
		return ioctl_copy(t, fd, cmd, arg, KERNEL_TERMIOS_SIZE, false, true);
	case TCSETS: case TCSETSW: case TCSETSF:
		return ioctl_copy(t, fd, cmd, arg, KERNEL_TERMIOS_SIZE, true, false);
	case TIOCGWINSZ:
		return ioctl_copy(t, fd, cmd, arg, sizeof(struct winsize), false, true);
	case TIOCSWINSZ:
		return ioctl_copy(t, fd, cmd, arg, sizeof(struct winsize), true, false);
	case FIONREAD:
		return ioctl_copy(t, fd, cmd, arg, sizeof(int), false, true);
	case TCFLSH: case TCXONC:
		return ioctl(fd, cmd, (int)arg) < 0 ? -errno : 0;
	case TIOCGPGRP:
		/* The sandbox's own process group, never the host's. */
		if (!isatty(fd))
			return -ENOTTY;
		v = t->tg->pgid;
		return mm_copy_out(t->mm, arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCSPGRP:
		if (!isatty(fd))
			return -ENOTTY;
		if (mm_copy_in(t->mm, &v, arg, sizeof(v)))
			return -EFAULT;
		return v == (int)t->tg->pgid ? 0 : v < 0 ? -EINVAL : -EPERM;
	default:
		return -ENOTTY;
	}
}

static int hostfd_poll_fd(struct vfs_file *f)
{
	return HF(f)->fd;
}

static void hostfd_release(struct vfs_file *f)
{
	vfs_inode_put(HF(f)->lock_ino);
	close(HF(f)->fd);
	free(HF(f));
}

/*
 * Opening /proc/self/fd/N of a host fd: a new file over a dup of the host
 * descriptor, remembering the same starting-command stream, so a restore rebinds it
 * too. Pipes and terminals are one object whatever the description, as in Linux; a
 * regular file gets an offset of its own from 0 (own_pos), as a new open would,
 * while its host status flags stay the shared description's. An access mode the
 * host descriptor was not opened for cannot be had (the file is not reopened by
 * path on the host): EACCES.
 */
static int hostfd_reopen(struct task *t, struct vfs_file *f, u32 flags, struct vfs_file **out)
{
	u32 have = f->flags & O_ACCMODE, want = flags & O_ACCMODE;
	struct hostfd_file *hf;
	struct stat st;
	int fd;

	if (want == O_ACCMODE)
		return -EINVAL;
	if ((want != O_WRONLY && have == O_WRONLY) || (want != O_RDONLY && have == O_RDONLY))
		return -EACCES;
	fd = fcntl(HF(f)->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	hf = calloc(1, sizeof(*hf));
	if (!hf) {
		close(fd);
		return -ENOMEM;
	}
	vfs_file_init(&hf->base, &hostfd_ops, want | (flags & (O_APPEND | O_NONBLOCK)) |
		      L_O_LARGEFILE);
	hf->fd = fd;
	hf->which = HF(f)->which;
	hf->tty = HF(f)->tty;
	hf->own_pos = !fstat(fd, &st) && S_ISREG(st.st_mode);
	/* The same host object: the same advisory locks. */
	hf->lock_ino = vfs_lock_inode_slot(&HF(f)->lock_ino, true);
	if (hf->lock_ino)
		vfs_inode_get(hf->lock_ino);
	*out = &hf->base;
	return 0;
}

static struct vfs_inode *hostfd_lock_inode(struct vfs_file *f, bool create)
{
	return vfs_lock_inode_slot(&HF(f)->lock_ino, create);
}

const struct vfs_file_ops hostfd_ops = {
	.type = "hostfd",
	.read = hostfd_read,
	.write = hostfd_write,
	.lseek = hostfd_lseek,
	.ioctl = hostfd_ioctl,
	.fstat = hostfd_fstat,
	.poll_fd = hostfd_poll_fd,
	.release = hostfd_release,
	.reopen = hostfd_reopen,
	.lock_inode = hostfd_lock_inode,
};

bool hostfd_is_tty(struct vfs_file *f)
{
	return f->ops == &hostfd_ops && HF(f)->tty;
}

int hostfd_new(int fd, int which, struct vfs_file **out)
{
	struct hostfd_file *hf = calloc(1, sizeof(*hf));
	int fl = fcntl(fd, F_GETFL);

	if (!hf)
		return -ENOMEM;
	if (fl < 0)
		fl = O_RDWR;
	/* As the host has it, O_LARGEFILE included (64-bit opens always set it). */
	vfs_file_init(&hf->base, &hostfd_ops, fl & (O_ACCMODE | O_APPEND | L_O_LARGEFILE |
						    O_NONBLOCK | O_DIRECT | O_NOATIME |
						    O_SYNC | O_DSYNC));
	hf->fd = fd;
	hf->which = which;
	hf->tty = isatty(fd);
	*out = &hf->base;
	return 0;
}
