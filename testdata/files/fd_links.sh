#!/bin/bash
# fd_links.sh (files/fd_links_bash): /proc/self/fd/N and /dev/fd, /dev/stdin as magic
# links, through bash.
diff <(echo a) <(echo b); cat <(seq 3); paste <(seq 2) <(seq 3 4)
wc -l /dev/stdin < /etc/passwd; echo hi | cat /dev/stdin; cat /dev/fd/0 <<< here
readlink /proc/self/fd/0 /dev/stdin; echo x | readlink /proc/self/fd/0 | cut -c1-6
{ read l; cat /dev/stdin; } < /etc/os-release
ls -l /dev/fd/0 | cut -c1-10; stat -L -c %F /dev/stdin; echo y | stat -L -c %F /dev/stdin
t=$(mktemp); exec 5<>$t; ls -l /proc/$$/fd/5 | cut -c1-10; exec 5>&-
exec 6>$t; ls -l /proc/self/fd/6 | cut -c1-10; ls -lL /proc/self/fd/6 | cut -c1-10
echo data >&6; cat /proc/self/fd/6; rm $t; cat /dev/fd/6; readlink /dev/fd/6 | sed "s|$t|T|"
