#!/usr/bin/env bash
# sparse.sh: a checkpoint reads the memory file through the Sentry's mapping, and must
# not fault in its holes (a read fault on a hole of a memfd allocates a page). A
# sandbox holding 64 MB of td_cr_mem_pattern is checkpointed with --leave-running,
# once per compression; the memory file (the Sentry's memfd, seen from the host) must
# hold as many blocks after each checkpoint as before. The program reads all of its
# own memory before its ready mark (which allocates what it never wrote), but the
# 1 MiB ranges a checkpoint reads still hold about 1 MiB of holes: reading them
# through the mapping grew the file by 2,096 blocks. Then the original checks every
# page, and so does a restore of the last image.
# usage: sparse.sh SBX TESTDATA_DIR
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"

SBX=$1 td=$2
NAME=cr/sparse
cr_init
cr_newroot
r=$CR_ROOT
cr_newroot
r2=$CR_ROOT
out=$CR_TMP/out

(cr_clean_fds; exec "$SBX" --root "$r" run -d --name sp -- "$td/td_cr_mem_pattern" 64 \
	</dev/null >"$out" 2>"$out.err") || { cr_fail "sbx run -d failed"; cr_show stderr "$out.err"; exit 1; }
cr_wait_mark "$out" 60 || { cr_fail "no ready mark"; cr_show stdout "$out"; exit 1; }

# blocks: the 512-byte blocks the Sentry's memory file holds.
pid=$(cr_field "$r" sp pid)
memfd=
for f in /proc/"$pid"/fd/*; do
	[[ $(readlink "$f") == /memfd:sbx-memory* ]] && memfd=$f
done
[[ -n $memfd ]] || { cr_fail "no memory file among the Sentry's ($pid) descriptors"; exit 1; }
blocks() { stat -L -c %b "$memfd"; }

for comp in zstd lz4 none; do
	before=$(blocks)
	cr_sbx "$r" checkpoint --leave-running --compress "$comp" --image "$CR_TMP/img" sp \
		2>"$CR_TMP/ck.err" || { cr_fail "checkpoint ($comp) failed: $(cat "$CR_TMP/ck.err")"; continue; }
	after=$(blocks)
	if ((after != before)); then
		cr_fail "$comp: the memory file held $before blocks before the checkpoint and $after after"
	fi
	echo "$comp: $before blocks before and after"
done

cr_sbx "$r" kill sp USR1
st=$(cr_sbx "$r" wait sp)
[[ $st == 0 && $(tail -n1 "$out") == ok ]] ||
	{ cr_fail "the original ended $st after its checkpoints"; cr_show stdout "$out"; }

(cr_clean_fds; exec "$SBX" --root "$r2" restore -d --image "$CR_TMP/img" --name sp \
	</dev/null >"$out.2" 2>"$out.2.err") || { cr_fail "restore failed"; cr_show stderr "$out.2.err"; exit 1; }
cr_sbx "$r2" kill sp USR1
st=$(cr_sbx "$r2" wait sp)
[[ $st == 0 && $(tail -n1 "$out.2") == ok ]] ||
	{ cr_fail "the restored copy ended $st"; cr_show stdout "$out.2"; }

((CR_FAILS)) && exit 1
echo "PASS $NAME"
