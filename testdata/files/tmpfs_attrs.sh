#!/bin/bash
# tmpfs_attrs.sh: what stat, ls, du and find see of files in a tmpfs (/dev/shm: tmpfs
# natively too). Access times under relatime (the default mount option): the first
# read after a change, or of a day-old atime, moves it on, a second does not, nor does
# an O_NOATIME read; readdir counts as a read of the directory. Directory sizes (20
# bytes an entry, 40 empty) through create, link, rename and remove; symlink blocks
# (none under 128 bytes, a page above). Times print as "old", "same" or "new".
# With "cr" (cr/case.sh --delay): a directory, symlinks and a day-old atime are made
# before the ready mark; after the checkpoint and restore the sizes and blocks are
# the same and the next read still moves the atime, the one after not.
set -e
d=$(mktemp -d /dev/shm/sbx-tmpfs-attrs.XXXXXX)
trap 'rm -rf "$d"' EXIT
cd "$d"
if [[ $1 == cr ]]; then
	mkdir -p a/b
	touch a/e
	ln -s e a/l
	ln -s "$(printf '%0200d' 0)" a/l200
	echo data > f
	touch -d "2001-02-03" f
	stat -c '%n size %s blocks %b' a a/b a/l a/l200
	echo ready
	sleep 1.5
	stat -c '%n size %s blocks %b' a a/b a/l a/l200
	stat -c %X f | sed 's/^981.*/old/'
	cat f > /dev/null
	a=$(stat -c %X.%x f)
	[[ ${a%%.*} -gt 1000000000 ]] && echo "read after restore: new"
	cat f > /dev/null
	[[ $a == "$(stat -c %X.%x f)" ]] && echo "second read: same"
	rm a/e
	stat -c '%n size %s' a
	exit 0
fi
age() { # age FILE: its atime against the reference one
	local a; a=$(stat -c %X.%x "$1")
	if [[ ${a%%.*} -lt 1000000000 ]]; then echo old; elif [[ $a == "$ref" ]]; then echo same
	else echo new; fi
}
echo data > f
touch -d "2001-02-03 04:05:06" f
cat f > /dev/null
ref=$(stat -c %X.%x f)
echo "read of a day-old atime: $( [[ ${ref%%.*} -gt 1000000000 ]] && echo new || echo old)"
sleep 0.01
cat f > /dev/null
echo "second read: $(age f)"
touch -m f
sleep 0.01
cat f > /dev/null
ref2=$(stat -c %X.%x f)
echo "read after a write: $( [[ $ref2 != "$ref" ]] && echo new || echo same)"
touch -a -d "1999-01-01" f
python3 -c 'import os; fd = os.open("f", os.O_RDONLY | os.O_NOATIME); os.read(fd, 9)'
echo "O_NOATIME read: $(age f)"
head -c0 f
echo "read of 0 bytes: $(age f)"
: < f
echo "open without read: $(age f)"
mkdir sub
touch -d "2001-01-01" sub
ls sub > /dev/null
ref=$(stat -c %X.%x sub)
echo "readdir: $( [[ ${ref%%.*} -gt 1000000000 ]] && echo new || echo old)"

mkdir -p a/b
touch a/e
ln a/e a/e2
ln -s e a/l
ln -s "$(printf '%0126d' 0)" a/l126
ln -s "$(printf '%0127d' 0)" a/l127
ln -s "$(printf '%0300d' 0)" a/l300
mkfifo a/p
stat -c '%n size %s blocks %b links %h' a a/b a/l a/l126 a/l127 a/l300
mv a/e2 a/b/
mv a/b/e2 a/b/e3
stat -c '%n size %s' a a/b
mv a/p a/b/e3
rm a/l
stat -c '%n size %s links %h' a a/b
mkdir c
mv c a/b
stat -c '%n size %s links %h' . a a/b
python3 -c 'import os; os.open("a", os.O_TMPFILE | os.O_RDWR); print("after O_TMPFILE", os.stat("a").st_size)'
rm -r a/b
stat -c '%n size %s links %h' a
du -s a | cut -f1
ls -la a | sed 1d | awk '{print $1, $2, $5, $NF}'
