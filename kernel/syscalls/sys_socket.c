/*
 * Socket syscalls (after Linux's net/socket.c and net/core/scm.c): argument decoding,
 * sockaddr and msghdr copy-in/out, control messages (SCM_RIGHTS, SCM_CREDENTIALS) and
 * installing received files. Families: AF_UNIX (kernel/ipc/unix.c), and AF_INET and
 * AF_INET6 on the sandbox's own loopback network (kernel/ipc/inet.c; there is no
 * host network), AF_NETLINK's NETLINK_ROUTE describing it (kernel/ipc/netlink.c);
 * every other one gets EAFNOSUPPORT, as a kernel built without it would answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "ipc/unix.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "time/ktime.h"

#define MAX_RW_COUNT (INT_MAX & PAGE_MASK)
#define L_UIO_MAXIOV 1024
#define L_NPROTO 46                     /* AF_MAX: families past it are EAFNOSUPPORT */
#define CTL_MAX 65536                   /* beyond optmem_max: ENOBUFS */
#define L_SOCK_TYPE_MASK 0xf
#define L_SOCK_MAX 11                   /* SOCK_PACKET + 1 */

static u64 nofile_limit(struct task *t)
{
	return t->rlim[RLIMIT_NOFILE].cur;
}

/* The socket at @fd, referenced: -EBADF, or -ENOTSOCK for another file. */
static int sock_get(struct task *t, int fd, struct vfs_file **out)
{
	struct vfs_file *f = fdt_get(t->fdt, fd);

	if (!f)
		return -EBADF;
	if (!file_is_unix(f)) {
		vfs_file_put(f);
		return -ENOTSOCK;
	}
	*out = f;
	return 0;
}

_Static_assert(sizeof(((struct unix_io *)0)->name) >= sizeof(struct sockaddr_storage),
	       "addr_in copies up to a sockaddr_storage into unix_io.name");

/* Linux's move_addr_to_kernel. */
static int addr_in(struct task *t, u64 uaddr, u64 len, void *buf)
{
	if ((int)len < 0 || len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (len && mm_copy_in(t->mm, buf, uaddr, len))
		return -EFAULT;
	return 0;
}

/* Linux's move_addr_to_user: @klen bytes at @kaddr to @uaddr, whose capacity is the
 * int at @ulen, which gets @klen. */
static int addr_out(struct task *t, const void *kaddr, int klen, u64 uaddr, u64 ulen)
{
	int len;

	if (mm_copy_in(t->mm, &len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (len > klen)
		len = klen;
	if (len && mm_copy_out(t->mm, uaddr, kaddr, len))
		return -EFAULT;
	return mm_copy_out(t->mm, ulen, &klen, sizeof(klen)) ? -EFAULT : 0;
}

static bool is_inet(u64 domain)
{
	return domain == AF_INET || domain == AF_INET6;
}

static int check_type(struct task *t, u64 domain, u64 type, u64 protocol)
{
	if (type & ~(L_SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (is_inet(domain) || domain == AF_NETLINK) {
		if ((type & L_SOCK_TYPE_MASK) >= L_SOCK_MAX)
			return -EINVAL;
		if (domain == AF_NETLINK)
			return 0;       /* netlink_socket_new checks the rest */
		return inet_check_type(t, domain, type & L_SOCK_TYPE_MASK, (int)protocol);
	}
	if (domain >= L_NPROTO || domain != AF_UNIX)
		return -EAFNOSUPPORT;
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	switch (type & L_SOCK_TYPE_MASK) {
	case SOCK_STREAM: case SOCK_DGRAM: case SOCK_SEQPACKET: case SOCK_RAW:
		return 0;
	}
	return -ESOCKTNOSUPPORT;
}

/* SOCK_RAW on a unix socket is SOCK_DGRAM, as in Linux's unix_create. */
static int base_type(u64 type)
{
	int ty = type & L_SOCK_TYPE_MASK;

	return ty == SOCK_RAW ? SOCK_DGRAM : ty;
}

SYS(socket)
{
	struct vfs_file *f;
	int err = check_type(t, a[0], a[1], a[2]), fd;

	if (err)
		return err;
	if (a[0] == AF_NETLINK)
		err = netlink_socket_new(t, a[1] & L_SOCK_TYPE_MASK, a[2], a[1] & SOCK_NONBLOCK, &f);
	else if (is_inet(a[0]))
		err = inet_socket_new(t, a[0], a[1] & L_SOCK_TYPE_MASK, a[1] & SOCK_NONBLOCK, &f);
	else
		err = unix_socket_new(t, base_type(a[1]), a[1] & SOCK_NONBLOCK, &f);
	if (err)
		return err;
	fd = fdt_alloc(t->fdt, f, 0, a[1] & SOCK_CLOEXEC ? FD_CLOEXEC : 0, nofile_limit(t));
	vfs_file_put(f);
	return fd;
}

SYS(socketpair)
{
	struct vfs_file *x, *y;
	u32 fdflags = a[1] & SOCK_CLOEXEC ? FD_CLOEXEC : 0;
	int err = check_type(t, a[0], a[1], a[2]), fds[2];

	if (err)
		return err;
	if (is_inet(a[0]) || a[0] == AF_NETLINK)
		return -EOPNOTSUPP;
	err = unix_socketpair(t, base_type(a[1]), a[1] & SOCK_NONBLOCK, &x, &y);
	if (err)
		return err;
	fds[0] = fdt_alloc(t->fdt, x, 0, fdflags, nofile_limit(t));
	fds[1] = fds[0] < 0 ? fds[0] : fdt_alloc(t->fdt, y, 0, fdflags, nofile_limit(t));
	vfs_file_put(x);
	vfs_file_put(y);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fdt_close(t->fdt, fds[0]);
		return fds[1];
	}
	if (mm_copy_out(t->mm, a[3], fds, sizeof(fds))) {
		fdt_close(t->fdt, fds[0]);
		fdt_close(t->fdt, fds[1]);
		return -EFAULT;
	}
	return 0;
}

static long bind_or_connect(struct task *t, const u64 *a, bool bind)
{
	struct sockaddr_storage ss;
	struct vfs_file *f;
	int err = sock_get(t, a[0], &f);

	if (err)
		return err;
	err = addr_in(t, a[1], a[2], &ss);
	if (err)
		goto out;
	if (unix_family(f) == AF_NETLINK)
		err = bind ? netlink_bind(t, f, &ss, a[2]) : netlink_connect(t, f, &ss, a[2]);
	else if (unix_family(f) != AF_UNIX)
		err = bind ? inet_bind(t, f, &ss, a[2]) : inet_connect(t, f, &ss, a[2]);
	else
		err = bind ? unix_bind(t, f, &ss, a[2]) : unix_connect(t, f, &ss, a[2]);
out:
	vfs_file_put(f);
	return err;
}

SYS(bind) { return bind_or_connect(t, a, true); }
SYS(connect) { return bind_or_connect(t, a, false); }

SYS(listen)
{
	struct vfs_file *f;
	int err = sock_get(t, a[0], &f);

	if (err)
		return err;
	if (unix_family(f) == AF_NETLINK)
		err = -EOPNOTSUPP;
	else if (unix_family(f) != AF_UNIX)
		err = inet_listen(t, f, (int)a[1]);
	else
		err = unix_listen(t, f, (int)a[1]);
	vfs_file_put(f);
	return err;
}

/* The name of @f's socket, or its peer's, into @out: its length or -ENOTCONN. */
static int sock_name(struct vfs_file *f, bool peer, struct sockaddr_storage *out)
{
	if (unix_family(f) == AF_NETLINK)
		return netlink_getname(f, peer, out);
	if (unix_family(f) != AF_UNIX)
		return inet_getname(f, peer, out);
	return unix_getname(f, peer, out);
}

static long do_accept4(struct task *t, u64 fd, u64 uaddr, u64 ulen, u64 flags)
{
	struct sockaddr_storage sun;
	struct vfs_file *f, *nf;
	int err, nfd, len;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	err = sock_get(t, fd, &f);
	if (err)
		return err;
	err = unix_accept(t, f, flags & SOCK_NONBLOCK, &nf);
	vfs_file_put(f);
	if (err)
		return err;
	if (uaddr) {
		len = sock_name(nf, true, &sun);
		err = len < 0 ? -ECONNABORTED : addr_out(t, &sun, len, uaddr, ulen);
		if (err) {
			vfs_file_put(nf);
			return err;
		}
	}
	nfd = fdt_alloc(t->fdt, nf, 0, flags & SOCK_CLOEXEC ? FD_CLOEXEC : 0, nofile_limit(t));
	vfs_file_put(nf);
	return nfd;
}

SYS(accept) { return do_accept4(t, a[0], a[1], a[2], 0); }
SYS(accept4) { return do_accept4(t, a[0], a[1], a[2], a[3]); }

static long getname(struct task *t, const u64 *a, bool peer)
{
	struct sockaddr_storage sun;
	struct vfs_file *f;
	int err = sock_get(t, a[0], &f), len;

	if (err)
		return err;
	len = sock_name(f, peer, &sun);
	vfs_file_put(f);
	return len < 0 ? len : addr_out(t, &sun, len, a[1], a[2]);
}

SYS(getsockname) { return getname(t, a, false); }
SYS(getpeername) { return getname(t, a, true); }

SYS(shutdown)
{
	struct vfs_file *f;
	int err = sock_get(t, a[0], &f);

	if (err)
		return err;
	if (unix_family(f) == AF_NETLINK)
		err = -EOPNOTSUPP;
	else if (unix_family(f) != AF_UNIX)
		err = inet_shutdown(f, (int)a[1]);
	else
		err = unix_shutdown(f, (int)a[1]);
	vfs_file_put(f);
	return err;
}

/* --- sendmsg/recvmsg --- */

/* Copies in and checks @n iovecs at @uiov (Linux's import_iovec): their total,
 * clamped to MAX_RW_COUNT, into io->len. */
static int iov_in(struct task *t, u64 uiov, u64 n, struct iovec **out, struct unix_io *io)
{
	struct iovec *iov;
	u64 total = 0;

	if (n > L_UIO_MAXIOV)
		return -EMSGSIZE;
	iov = malloc(n * sizeof(*iov) + 1);
	if (!iov)
		return -ENOMEM;
	if (n && mm_copy_in(t->mm, iov, uiov, n * sizeof(*iov))) {
		free(iov);
		return -EFAULT;
	}
	for (u64 i = 0; i < n; i++) {
		if ((s64)iov[i].iov_len < 0) {
			free(iov);
			return -EINVAL;
		}
		if (!l_access_ok((u64)iov[i].iov_base, iov[i].iov_len)) {
			free(iov);
			return -EFAULT;
		}
		iov[i].iov_len = MIN(iov[i].iov_len, MAX_RW_COUNT - total);
		total += iov[i].iov_len;
	}
	io->iov = iov;
	io->niov = n;
	io->len = total;
	*out = iov;
	return 0;
}

static void put_files(struct unix_io *io)
{
	for (u32 i = 0; i < io->nfiles; i++)
		vfs_file_put(io->files[i]);
	free(io->files);
	io->files = NULL;
	io->nfiles = 0;
}

/* Linux's __scm_send: SCM_RIGHTS (files referenced into io) and SCM_CREDENTIALS. */
static int cmsg_parse(struct task *t, const u8 *ctl, u64 len, struct unix_io *io)
{
	u64 off = 0;

	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr h;
		u64 dlen;

		memcpy(&h, ctl + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			return -EINVAL;
		dlen = h.cmsg_len - CMSG_LEN(0);
		if (h.cmsg_level == SOL_SOCKET) {
			if (h.cmsg_type == SCM_RIGHTS) {
				u32 n = dlen / sizeof(int);
				struct vfs_file **nf;

				if (!n)
					goto next;
				if (io->nfiles + n > UNIX_SCM_MAX_FD)
					return -EINVAL;
				nf = realloc(io->files, (io->nfiles + n) * sizeof(*nf));
				if (!nf)
					return -ENOMEM;
				io->files = nf;
				for (u32 i = 0; i < n; i++) {
					int fd;

					memcpy(&fd, ctl + off + CMSG_LEN(0) + i * sizeof(int),
					       sizeof(fd));
					nf[io->nfiles] = fdt_get(t->fdt, fd);
					if (!nf[io->nfiles])
						return -EBADF;
					io->nfiles++;
				}
			} else if (h.cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;

				if (h.cmsg_len != CMSG_LEN(sizeof(uc)))
					return -EINVAL;
				memcpy(&uc, ctl + off + CMSG_LEN(0), sizeof(uc));
				io->has_cred = true;
				io->cred.pid = uc.pid;
				io->cred.uid = uc.uid;
				io->cred.gid = uc.gid;
			} else {
				return -EINVAL;
			}
		}
next:
		off += CMSG_ALIGN(h.cmsg_len);
	}
	return 0;
}

/* One sendmsg from the msghdr at @umsg. */
static s64 send_one(struct task *t, struct vfs_file *f, u64 umsg, int flags)
{
	struct unix_io io = { .flags = flags };
	struct msghdr mh;
	struct iovec *iov = NULL;
	u8 *ctl = NULL;
	s64 ret;

	if (mm_copy_in(t->mm, &mh, umsg, sizeof(mh)))
		return -EFAULT;
	if (mh.msg_name && mh.msg_namelen) {
		ret = addr_in(t, (u64)mh.msg_name, mh.msg_namelen, io.name);
		if (ret)
			return ret;
		io.namelen = mh.msg_namelen;
		io.has_name = true;
	}
	ret = iov_in(t, (u64)mh.msg_iov, mh.msg_iovlen, &iov, &io);
	if (ret)
		return ret;
	if (mh.msg_controllen > INT_MAX) {
		ret = -ENOBUFS;
		goto out;
	}
	if (mh.msg_controllen >= sizeof(struct cmsghdr)) {
		ret = -ENOBUFS;
		if (mh.msg_controllen > CTL_MAX)
			goto out;
		ret = -ENOMEM;
		ctl = malloc(mh.msg_controllen);
		if (!ctl)
			goto out;
		ret = -EFAULT;
		if (mm_copy_in(t->mm, ctl, (u64)mh.msg_control, mh.msg_controllen))
			goto out;
		ret = cmsg_parse(t, ctl, mh.msg_controllen, &io);
		/* Linux's inet sendmsg takes no SCM_RIGHTS or SCM_CREDENTIALS */
		if (!ret && unix_family(f) != AF_UNIX && (io.nfiles || io.has_cred))
			ret = -EINVAL;
		if (ret)
			goto out;
	}
	ret = unix_sendmsg(t, f, &io);
out:
	put_files(&io);
	free(ctl);
	free(iov);
	return ret;
}

/* Linux's put_cmsg into the application's control buffer at *uctl of *left bytes;
 * sets MSG_CTRUNC in *mflags when it does not fit. */
static int cmsg_put(struct task *t, u64 *uctl, u64 *left, int type, const void *data,
		    u32 len, int *mflags)
{
	struct cmsghdr h = { .cmsg_level = SOL_SOCKET, .cmsg_type = type };
	u64 cmlen = CMSG_LEN(len);

	if (*left < sizeof(h)) {
		*mflags |= MSG_CTRUNC;
		return 0;
	}
	if (*left < cmlen) {
		*mflags |= MSG_CTRUNC;
		cmlen = *left;
	}
	h.cmsg_len = cmlen;
	if (mm_copy_out(t->mm, *uctl, &h, sizeof(h)) ||
	    mm_copy_out(t->mm, *uctl + sizeof(h), data, cmlen - sizeof(h)))
		return -EFAULT;
	cmlen = MIN(CMSG_SPACE(len), *left);
	*uctl += cmlen;
	*left -= cmlen;
	return 0;
}

/* Linux's scm_detach_fds: installs what fits of the received files. */
static int rights_put(struct task *t, struct unix_io *io, u64 *uctl, u64 *left, int flags,
		      int *mflags)
{
	u32 max = *left > sizeof(struct cmsghdr) ? (*left - sizeof(struct cmsghdr)) / sizeof(int)
						 : 0;
	u32 n = MIN(max, io->nfiles), i;
	int *fds = malloc(n * sizeof(int) + 1), err = 0;

	if (!fds)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		int fd = fdt_alloc(t->fdt, io->files[i], 0,
				   flags & MSG_CMSG_CLOEXEC ? FD_CLOEXEC : 0, nofile_limit(t));

		if (fd < 0)
			break;
		fds[i] = fd;
	}
	if (i)
		err = cmsg_put(t, uctl, left, SCM_RIGHTS, fds, i * sizeof(int), mflags);
	if (i < io->nfiles)
		*mflags |= MSG_CTRUNC;
	free(fds);
	return err;
}

/* One recvmsg into the msghdr at @umsg; writes back its namelen, controllen and
 * flags. */
static s64 recv_one(struct task *t, struct vfs_file *f, u64 umsg, int flags)
{
	struct unix_io io = { .flags = flags };
	struct msghdr mh;
	struct iovec *iov = NULL;
	u64 uctl, left;
	s64 ret;
	int err;

	if (mm_copy_in(t->mm, &mh, umsg, sizeof(mh)))
		return -EFAULT;
	if ((int)mh.msg_namelen < 0)
		return -EINVAL;
	ret = iov_in(t, (u64)mh.msg_iov, mh.msg_iovlen, &iov, &io);
	if (ret)
		return ret;
	ret = unix_recvmsg(t, f, &io);
	if (ret < 0)
		goto out;
	uctl = (u64)mh.msg_control;
	left = mh.msg_controllen;
	err = 0;
	if (io.has_cred) {
		struct ucred uc = { io.cred.pid, io.cred.uid, io.cred.gid };

		err = cmsg_put(t, &uctl, &left, SCM_CREDENTIALS, &uc, sizeof(uc), &io.msg_flags);
	}
	if (!err && io.nfiles)
		err = rights_put(t, &io, &uctl, &left, flags, &io.msg_flags);
	/* As Linux, msg_namelen is written back only when there is a msg_name. */
	if (!err && mh.msg_name) {
		int klen = io.namelen;

		if ((int)mh.msg_namelen < klen)
			klen = mh.msg_namelen;
		if (klen && mm_copy_out(t->mm, (u64)mh.msg_name, io.name, klen))
			err = -EFAULT;
		mh.msg_namelen = io.namelen;
		if (!err && mm_copy_out(t->mm, umsg + offsetof(struct msghdr, msg_namelen),
					&mh.msg_namelen, sizeof(mh.msg_namelen)))
			err = -EFAULT;
	}
	mh.msg_controllen -= left;
	mh.msg_flags = io.msg_flags;
	if (!err && (mm_copy_out(t->mm, umsg + offsetof(struct msghdr, msg_controllen),
				 &mh.msg_controllen, sizeof(mh.msg_controllen)) ||
		     mm_copy_out(t->mm, umsg + offsetof(struct msghdr, msg_flags),
				 &mh.msg_flags, sizeof(mh.msg_flags))))
		err = -EFAULT;
	if (err)
		ret = err;
out:
	put_files(&io);
	free(iov);
	return ret;
}

static s64 msg_call(struct task *t, const u64 *a, bool send)
{
	struct vfs_file *f;
	s64 ret = sock_get(t, a[0], &f);

	if (ret)
		return ret;
	ret = send ? send_one(t, f, a[1], a[2]) : recv_one(t, f, a[1], a[2]);
	vfs_file_put(f);
	return ret;
}

SYS(sendmsg) { return msg_call(t, a, true); }
SYS(recvmsg) { return msg_call(t, a, false); }

SYS(sendto)
{
	struct iovec iov = { (void *)a[1], MIN(a[2], (u64)MAX_RW_COUNT) };
	struct unix_io io = { .iov = &iov, .niov = 1, .len = iov.iov_len, .flags = a[3] };
	struct vfs_file *f;
	s64 ret = sock_get(t, a[0], &f);

	if (ret)
		return ret;
	if (!l_access_ok(a[1], a[2]))
		ret = -EFAULT;
	if (!ret && a[4] && a[5]) {
		ret = addr_in(t, a[4], a[5], io.name);
		io.namelen = a[5];
		io.has_name = true;
	}
	if (!ret)
		ret = unix_sendmsg(t, f, &io);
	vfs_file_put(f);
	return ret;
}

SYS(recvfrom)
{
	struct iovec iov = { (void *)a[1], MIN(a[2], (u64)MAX_RW_COUNT) };
	struct unix_io io = { .iov = &iov, .niov = 1, .len = iov.iov_len, .flags = a[3] };
	struct vfs_file *f;
	s64 ret = sock_get(t, a[0], &f);
	int err;

	if (ret)
		return ret;
	ret = l_access_ok(a[1], a[2]) ? unix_recvmsg(t, f, &io) : -EFAULT;
	if (ret >= 0 && a[4]) {
		err = addr_out(t, io.name, io.namelen, a[4], a[5]);
		if (err)
			ret = err;
	}
	put_files(&io);
	vfs_file_put(f);
	return ret;
}

/* struct mmsghdr: a msghdr and the length sent or received. */
#define MMSG_SIZE 64
#define MMSG_LEN_OFF 56

/* sendmmsg and recvmmsg over the mmsghdr array at a[1]: how many went, or the
 * first one's error. A receive stops after @deadline (0: none) is past, looked at
 * between datagrams only, as Linux does. */
static s64 mmsg(struct task *t, const u64 *a, bool send, s64 deadline)
{
	struct vfs_file *f;
	u32 vlen = MIN(a[2], (u64)L_UIO_MAXIOV), i;
	int flags = a[3];
	s64 ret = sock_get(t, a[0], &f);

	if (ret)
		return ret;
	for (i = 0; i < vlen; i++) {
		u64 um = a[1] + i * MMSG_SIZE;
		u32 n;

		ret = send ? send_one(t, f, um, flags) : recv_one(t, f, um, flags & ~MSG_WAITFORONE);
		if (ret < 0)
			break;
		n = ret;
		if (mm_copy_out(t->mm, um + MMSG_LEN_OFF, &n, sizeof(n))) {
			ret = -EFAULT;
			break;
		}
		if (!send && (flags & MSG_WAITFORONE))
			flags |= MSG_DONTWAIT;
		if (deadline && ktime_host_mono_now() >= deadline) {
			i++;
			break;
		}
	}
	vfs_file_put(f);
	return i ? (s64)i : ret;
}

SYS(sendmmsg) { return mmsg(t, a, true, 0); }

SYS(recvmmsg)
{
	struct timespec ts;
	s64 ret, deadline = 0, rem;

	if (a[4]) {
		if (mm_copy_in(t->mm, &ts, a[4], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = ktime_host_mono_now() + ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	ret = mmsg(t, a, false, deadline);
	if (ret > 0 && a[4]) {
		rem = MAX(deadline - ktime_host_mono_now(), 0);
		ts.tv_sec = rem / 1000000000;
		ts.tv_nsec = rem % 1000000000;
		if (mm_copy_out(t->mm, a[4], &ts, sizeof(ts)))
			return -EFAULT;
	}
	return ret;
}

/* --- options --- */

SYS(getsockopt)
{
	struct vfs_file *f;
	u8 val[256];
	int ulen;
	u32 len;
	long err = sock_get(t, a[0], &f);

	if (err)
		return err;
	err = -EFAULT;
	if (mm_copy_in(t->mm, &ulen, a[4], sizeof(ulen)))
		goto out;
	err = -EINVAL;
	if (ulen < 0)
		goto out;
	len = MIN((u32)ulen, sizeof(val));
	err = -EOPNOTSUPP;
	if ((int)a[1] == SOL_SOCKET)
		err = unix_getsockopt(t, f, a[2], val, &len);
	else if (unix_family(f) == AF_NETLINK)
		err = netlink_getsockopt(f, a[1], a[2], val, &len);
	else if (unix_family(f) != AF_UNIX)
		err = inet_getsockopt(f, a[1], a[2], val, &len);
	if (err)
		goto out;
	err = -EFAULT;
	if ((len && mm_copy_out(t->mm, a[3], val, len)) ||
	    mm_copy_out(t->mm, a[4], &len, sizeof(int)))
		goto out;
	err = 0;
out:
	vfs_file_put(f);
	return err;
}

SYS(setsockopt)
{
	struct vfs_file *f;
	u8 val[256] = { 0 };
	u32 len = a[4];
	long err = sock_get(t, a[0], &f);

	if (err)
		return err;
	err = -EINVAL;
	if ((int)a[4] < 0)
		goto out;
	err = -EOPNOTSUPP;
	if ((int)a[1] != SOL_SOCKET && unix_family(f) == AF_UNIX)
		goto out;
	len = MIN(len, sizeof(val));
	err = -EFAULT;
	if (len && mm_copy_in(t->mm, val, a[3], len))
		goto out;
	if ((int)a[1] == SOL_SOCKET)
		err = unix_setsockopt(t, f, a[2], val, len);
	else if (unix_family(f) == AF_NETLINK)
		err = netlink_setsockopt(f, a[1], a[2], val, len);
	else
		err = inet_setsockopt(f, a[1], a[2], val, len);
out:
	vfs_file_put(f);
	return err;
}
