/*
 * SOL_SOCKET options (see unix.h), after Linux's sk_getsockopt and sk_setsockopt:
 * what a unix socket means by them, and the flags every socket keeps. The loopback
 * inet sockets (inet.h) share them; their own levels are in inet_opt.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "ipc/unix.h"

#define SOCK_MIN_SNDBUF 4608
#define SOCK_MIN_RCVBUF 2304

/* Flags Linux keeps for any socket that change nothing for a unix one: kept in
 * sk->inert_opts (the bit of their index here) and read back. */
static const int inert_opts[] = { SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST, SO_DONTROUTE,
				  SO_OOBINLINE, SO_REUSEPORT };

static int opt_inert(int name)
{
	for (u32 i = 0; i < ARRAY_SIZE(inert_opts); i++)
		if (inert_opts[i] == name)
			return i;
	return -1;
}

bool unix_opt_isset(struct unix_sock *sk, int name)
{
	int i = opt_inert(name);

	return i >= 0 && (sk->inert_opts & 1u << i);
}

/* What fits of @n bytes at @p into the option buffer (Linux truncates). */
static int put_bytes(void *val, u32 *len, const void *p, u32 n)
{
	if ((int)*len < 0)
		return -EINVAL;
	*len = MIN(*len, n);
	memcpy(val, p, *len);
	return 0;
}

static int put_int(void *val, u32 *len, int v)
{
	return put_bytes(val, len, &v, sizeof(v));
}

static int put_timeo(void *val, u32 *len, s64 ns)
{
	struct timeval tv = { ns / 1000000000, ns % 1000000000 / 1000 };

	return put_bytes(val, len, &tv, sizeof(tv));
}

int unix_getsockopt(struct task *t, struct vfs_file *f, int name, void *val, u32 *len)
{
	struct unix_sock *sk = unix_sk(f);
	int v, err;

	(void)t;
	pthread_mutex_lock(&unix_lock);
	switch (name) {
	case SO_TYPE:
		err = put_int(val, len, sk->type);
		break;
	case SO_DOMAIN:
		err = put_int(val, len, sk->family);
		break;
	case SO_PROTOCOL:
		err = put_int(val, len, sk->family == AF_UNIX ? 0 : sk->inet.proto);
		break;
	case SO_RCVLOWAT:
		err = put_int(val, len, sk->rcvlowat);
		break;
	case SO_LINGER: {
		struct linger l = { sk->linger, sk->linger_secs };

		err = put_bytes(val, len, &l, sizeof(l));
		break;
	}
	case SO_ERROR:
		v = sk->err;
		sk->err = 0;
		err = put_int(val, len, v);
		break;
	case SO_ACCEPTCONN:
		err = put_int(val, len, sk->state == UNIX_LISTEN);
		break;
	case SO_PASSCRED:
		err = put_int(val, len, sk->passcred);
		break;
	case SO_SNDBUF:
		err = put_int(val, len, sk->sndbuf);
		break;
	case SO_RCVBUF:
		err = put_int(val, len, sk->rcvbuf);
		break;
	case SO_RCVTIMEO_OLD:
	case SO_SNDTIMEO_OLD:
		err = put_timeo(val, len, name == SO_RCVTIMEO_OLD ? sk->rcvtimeo : sk->sndtimeo);
		break;
	case SO_PEERCRED: {
		struct ucred uc = { sk->peercred.pid, sk->peercred.uid, sk->peercred.gid };

		/* Linux keeps no peer credentials for an inet socket. */
		if (sk->family != AF_UNIX)
			uc = (struct ucred){ 0, (uid_t)-1, (gid_t)-1 };
		err = put_bytes(val, len, &uc, sizeof(uc));
		break;
	}
	default:
		v = opt_inert(name);
		err = v < 0 ? -ENOPROTOOPT : put_int(val, len, !!(sk->inert_opts & 1u << v));
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

static int get_timeo(const void *val, u32 len, s64 *out)
{
	struct timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*out = 0;	/* Linux: a negative timeout means none at all, i.e. 0 */
		return 1;
	}
	if (tv.tv_sec > (s64)(INT64_MAX / 1000000000) - 1)
		*out = 0;
	else
		*out = tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
	return 0;
}

int unix_setsockopt(struct task *t, struct vfs_file *f, int name, const void *val, u32 len)
{
	struct unix_sock *sk = unix_sk(f);
	int v = 0, err = 0;
	s64 ns;

	(void)t;
	if (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD) {
		err = get_timeo(val, len, &ns);
		if (err < 0)
			return err;
		/* A negative tv_sec is an immediate timeout: 1 ns, expired at once. */
		if (err)
			ns = 1;
		pthread_mutex_lock(&unix_lock);
		*(name == SO_RCVTIMEO_OLD ? &sk->rcvtimeo : &sk->sndtimeo) = ns;
		pthread_mutex_unlock(&unix_lock);
		return 0;
	}
	if (name == SO_LINGER) {
		struct linger l;

		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		pthread_mutex_lock(&unix_lock);
		sk->linger = l.l_onoff != 0;
		/* Linux keeps the time of a linger turned off; a negative one is its
		 * longest (shown truncated) */
		if (l.l_onoff)
			sk->linger_secs = l.l_linger < 0 ? (u32)INT32_MAX : (u32)l.l_linger;
		pthread_mutex_unlock(&unix_lock);
		return 0;
	}
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(int));
	pthread_mutex_lock(&unix_lock);
	switch (name) {
	case SO_RCVLOWAT:
		/* Linux's: a negative one is INT_MAX, 0 is 1 */
		sk->rcvlowat = v < 0 ? INT32_MAX : v ? v : 1;
		break;
	case SO_PASSCRED:
		sk->passcred = v != 0;
		break;
	case SO_SNDBUF:
		v = MIN((u32)v, UNIX_WMEM_DEFAULT);
		sk->sndbuf = MAX(v * 2, SOCK_MIN_SNDBUF);
		waitq_wake_all(&sk->wq);
		break;
	case SO_RCVBUF:
		v = MIN((u32)v, UNIX_RMEM_DEFAULT);
		sk->rcvbuf = MAX(v * 2, SOCK_MIN_RCVBUF);
		break;
	default:
		/* read-only ones (SO_TYPE, SO_PEERCRED...) too, as Linux */
		err = opt_inert(name) < 0 ? -ENOPROTOOPT : 0;
		if (!err && v)
			sk->inert_opts |= 1u << opt_inert(name);
		else if (!err)
			sk->inert_opts &= ~(1u << opt_inert(name));
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}
