#!/bin/sh
# postgres.sh: PostgreSQL in the sandbox: initdb, a server (a postmaster forking its
# background workers and a backend per connection, System V and POSIX shared
# memory) on a unix socket and on TCP over the loopback, psql queries, and a fast
# shutdown. With "cr" (cr/case.sh --signal): the server holds a table and runs
# across the checkpoint; after the restore it takes more rows and answers.
# Everything lives under /tmp/pg; port 15432, off the default.
B=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)
rm -rf /tmp/pg
mkdir -p /tmp/pg && chown postgres /tmp/pg
su postgres -s /bin/sh -c "$B/initdb -D /tmp/pg/data -A trust >/tmp/pg/initdb.log 2>&1" ||
	{ echo "initdb failed"; cat /tmp/pg/initdb.log; exit 1; }
su postgres -s /bin/sh -c "$B/pg_ctl -D /tmp/pg/data -l /tmp/pg/log -w start \
	-o '-k /tmp/pg -p 15432 -c listen_addresses=127.0.0.1'" >/dev/null ||
	{ echo "no server"; cat /tmp/pg/log; exit 1; }
q() { psql -X -h "$1" -p 15432 -U postgres -Atc "$2"; }
q /tmp/pg "create table t(a int primary key, b text)"
q /tmp/pg "insert into t select g, md5(g::text) from generate_series(1, 1000) g"
if [ "$1" = cr ]; then
	go=
	trap 'go=1' USR1
	echo ready
	while [ -z "$go" ]; do sleep 0.05; done
fi
q 127.0.0.1 "insert into t values (1001, 'over tcp')"
q /tmp/pg "select count(*), sum(a) from t"
q 127.0.0.1 "select b from t where a = 42"
q /tmp/pg "select b from t where a = 1001"
su postgres -s /bin/sh -c "$B/pg_ctl -D /tmp/pg/data -m fast -w stop" >/dev/null
echo "stopped $?"
