# 4-stage pipelines for bash and busybox sh (issue #7): run as `bash pipelines.sh` and
# `busybox sh pipelines.sh`, natively and in sbx; the harness compares the output.
# POSIX sh, plus a bash-only part (PIPESTATUS, pipefail). Not process substitution
# yet: the Sentry cannot open /dev/fd/N (/proc/self/fd/N) when N is a pipe.
seq 1 20000 | sed 's/$/ x/' | sort -k1,1nr | head -n 3
seq 1 5000 | awk '{ s += $1 } END { print s }' | tr 0-9 a-j | cat
printf 'b\na\nc\nb\na\nb\n' | sort | uniq -c | sort -rn
# An early exit in the middle: the writer upstream dies of SIGPIPE.
yes abc | head -n 1000 | tr a-c x-z | wc -l
i=0
while [ $i -lt 20 ]; do echo "line $i"; i=$((i + 1)); done | grep -v 'line 1[0-4]' | sed -n '3,$p' | wc -l
# The pipeline's status is its last stage's.
false | true | true | false; echo "status $?"
true | false | false | true; echo "status $?"
# Stages that are subshells and builtins.
( echo one; echo two ) | { read a; read b; echo "$b $a"; } | tr a-z A-Z | sed 's/^/got /'
# A pipeline inside a command substitution, in a loop.
for n in 10 100 1000; do
	echo "$n -> $(seq 1 $n | tail -n 1 | rev | cat)"
done
# Many short pipelines: the shell reaps each one's processes.
k=0
while [ $k -lt 10 ]; do
	k=$(echo $k | awk '{ print $1 + 1 }' | cat | cat)
done
echo "count $k"
if [ -n "$BASH_VERSION" ]; then
	# Only stages that never write: a writer could die of SIGPIPE or not.
	true | false | (exit 3) | cat; echo "pipestatus ${PIPESTATUS[*]}"
	set -o pipefail
	true | (exit 4) | cat | cat; echo "pipefail $?"
	set +o pipefail
fi
echo done
