#!/bin/sh
# sqlite_wal.sh DIR [rw]: sqlite3 in WAL mode on DIR (a --volume in the sandbox), whose
# index (-shm) is a shared writable mapping: two connections, one after the other, and
# a third reading back. volume.sh compares the output and the files left in DIR with a
# native run's.
set -e
cd "$1"
sqlite3 w.db "pragma journal_mode=wal; create table t(k integer primary key, v text);
  insert into t(v) values ('one'), ('two'), ('three');"
sqlite3 w.db "pragma journal_mode; insert into t(v) select v || '!' from t;
  select count(*), group_concat(v) from t;"
sqlite3 w.db "pragma integrity_check; select k, v from t where k > 4;"
