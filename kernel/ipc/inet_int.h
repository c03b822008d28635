/*
 * Shared by inet.c, inet_msg.c and inet_opt.c (not for other modules): the address
 * helpers and the lookups. Addresses are 16 bytes in IPv6 form (inet.h).
 */
#ifndef SBX_IPC_INET_INT_H
#define SBX_IPC_INET_INT_H

#include "base/types.h"

struct unix_sock;

/* What a sockaddr is parsed for: Linux's checks differ a little. */
#define INET_A_BIND 0
#define INET_A_CONNECT 1
#define INET_A_SEND 2

bool inet_a_any(const u8 *a);
bool inet_a_mapped(const u8 *a);
u32 inet_a_v4(const u8 *a);
void inet_a_set_v4(u8 *a, u32 v4, int family);

/* Reads the sockaddr @addr of @len bytes given to @sk: 0 with the address in @a
 * and the port in *port, 1 for AF_UNSPEC where it means "none" (connect: dissolve;
 * send: the connected peer), or -errno. */
int inet_addr_parse(struct unix_sock *sk, int mode, const void *addr, u32 len, u8 *a,
		    u16 *port);
/* Routes to @d (rewritten: 0.0.0.0 to 127.0.0.1, :: to ::1): 0 with the source
 * address @sk sends from in @src, or -ENETUNREACH. unix_lock held. */
int inet_route(struct unix_sock *sk, u8 *d, u8 *src);
/* @a and @port as a sockaddr_in or sockaddr_in6 of @family into @out: its length. */
int inet_sockaddr(int family, const u8 *a, u16 port, void *out);
/* Gives @sk a free ephemeral port: 0 or -EADDRINUSE. unix_lock held. */
int inet_pick_port(struct unix_sock *sk);
/* The TCP listener, or UDP receiver, for a packet from @s:@sport to @d:@dport that
 * fits best; unix_lock held, no reference taken. */
struct unix_sock *inet_lookup(int proto, const u8 *d, u16 dport, const u8 *s, u16 sport);

#endif
