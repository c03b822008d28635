#!/bin/bash
# archives.sh: archive, compression and file tools on a tree in a temporary directory
# (native: removed at the end). tar c/t/x with gzip, bzip2, xz -T2 and zstd -T2
# (threads), cp -a and diff -r, find -exec, xargs -P2, sort of a big file with
# temporary files and --parallel threads, split and cat, sed -i, grep -r, mawk,
# diff -u and patch, install -m, touch -d and stat -c, file(1), bc, du of files (not
# of directories: their sizes are the native /tmp filesystem's).
set -e
d=$(mktemp -d /tmp/sbx-archives.XXXXXX)
trap 'rm -rf "$d"' EXIT
cd "$d"
mkdir -p src/a/b src/c
seq 1 50000 > src/a/nums
for i in $(seq 1 30); do printf 'line %d of file %d\n' $(seq 1 40) > src/a/b/f$i; done
printf '#!/bin/sh\necho hi\n' > src/c/run.sh
chmod 755 src/c/run.sh
ln -s ../a/nums src/c/link
touch -d '2001-02-03 04:05:06.5' src/a/nums src/c/run.sh
touch -h -d '2002-01-01' src/c/link
for z in gzip bzip2 'xz -T2' 'zstd -q -T2'; do
	name=${z%% *}
	tar -c -I "$z" -f "t.$name" -C src .
	tar -t -I "$z" -f "t.$name" | sort | md5sum | sed "s/-/$name list/"
	mkdir "x.$name"
	tar -x -I "$z" -f "t.$name" -C "x.$name"
	diff -r src "x.$name" && echo "$name: same tree"
	stat -c '%n %Y %a' "x.$name/a/nums" "x.$name/c/run.sh"
	$z -c src/a/nums | ${z%% *} -d | cmp - src/a/nums && echo "$name: stream same"
done
cp -a src copy
diff -r src copy && echo "cp -a: same"
stat -c '%n %y %a' copy/a/nums copy/c/run.sh
stat -c '%n %Y %F' copy/c/link
find src -name 'f1*' -exec wc -l {} + | sort
find src -type f -print0 | xargs -0 -P2 -n4 md5sum | sort -k2 | md5sum
shuf -n 300000 -r --random-source=<(yes) -i 1-1000000 > big
sort -n -S 1M -T . --parallel=2 big | md5sum
sort -u --parallel=2 big | wc -l
split -l 70000 -a 2 big part.
ls part.* | wc -l
cat part.* | cmp - big && echo "split: same"
sed -i 's/^line 7 /LINE SEVEN /' src/a/b/f3
grep -rc 'LINE SEVEN' src | grep -v ':0' | sort
mawk '{ s += $1 } END { print s, NR }' src/a/nums
cp src/a/b/f3 f3.orig
sed -i '5d; 20s/$/ changed/' src/a/b/f3
diff -u f3.orig src/a/b/f3 > f3.patch || true
patch -s f3.orig < f3.patch
cmp f3.orig src/a/b/f3 && echo "patch: same"
install -m 0640 src/c/run.sh installed
stat -c '%a %s' installed
file src/c/run.sh t.gzip t.bzip2 t.xz t.zstd | sed "s|$d/||"
echo 'scale=20; 4*a(1)' | bc -l
du -b src/a/nums src/a/b/f1 | cut -f1
