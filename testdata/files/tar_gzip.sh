#!/bin/bash
# tar_gzip.sh: the tar/gzip program (files/tar_gzip): a tree packed with tar and
# gzip into a temporary directory and unpacked again, compared with its source.
set -e
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
mkdir -p src/a/b src/empty
cp -r /usr/lib/python3.11/json src/a/b/
echo hi > src/f
chmod 640 src/f
ln -s f src/l
ln src/f src/hard
tar czf t.tgz src
mkdir out
tar xzf t.tgz -C out
diff -r src out/src && echo same tree
tar tzf t.tgz | sort | md5sum
stat -c '%n %a %h %F' out/src/f out/src/hard out/src/l out/src/empty
gzip -9 -c /etc/services > s.gz
gunzip -c s.gz | cmp - /etc/services && echo gzip round trip
gzip -t s.gz && gzip -l s.gz | tail -n1 | awk '{print $2}'
