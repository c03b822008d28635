#!/bin/sh
# redis.sh: a real server on the loopback. redis-server (one event-loop thread and
# background threads, epoll, TCP) serves redis-cli; the replies must be a native
# run's. With "cr" (cr/case.sh --signal): the data is loaded and the server left
# running with a client connection open before the ready mark; after the restore
# the same server still holds it, the open connection works on, and more commands
# follow. Port 17379, off Redis's default so as not to meet a host's server.
port=17379
cli() { redis-cli -p $port "$@"; }
redis-server --port $port --bind 127.0.0.1 --save "" --appendonly no \
	--daemonize no --loglevel warning >/dev/null 2>&1 &
server=$!
i=0
until [ "$(cli ping 2>/dev/null)" = PONG ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "no server"; exit 1; }
	sleep 0.05
done
cli set greeting hello
cli rpush list a b c
cli incrby counter 41
cli hset h field value
if [ "$1" = cr ]; then
	# A client connection open across the checkpoint: redis-cli reading commands
	# from a FIFO held open by this shell.
	mkfifo /tmp/redis-cmds
	cli < /tmp/redis-cmds > /tmp/redis-out &
	exec 3> /tmp/redis-cmds
	echo "incr counter" >&3
	go=
	trap 'go=1' USR1
	echo ready
	while [ -z "$go" ]; do sleep 0.05; done
	echo "get greeting" >&3
	exec 3>&-
	wait $!
	echo "open connection said: $(tr '\n' ' ' < /tmp/redis-out)"
fi
cli get greeting
cli lrange list 0 -1
cli incr counter
cli hgetall h
cli dbsize
cli shutdown nosave
wait $server
echo "server exited $?"
