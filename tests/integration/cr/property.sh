#!/usr/bin/env bash
# property.sh: checkpoint/restore at random moments must not change what a deterministic
# program prints or how it exits. For each program (a compute loop printing checksums
# between short sleeps, Debian's busybox sh loop printing progress, the memory-churn
# program, python3 filling an sqlite3 database in memory):
#   chain  run it; K times: wait a random delay, checkpoint (the sandbox ends), restore
#          the image (alternating between two roots) and go on with the restored copy.
#          The outputs of the K+1 pieces, concatenated, must be byte-identical to an
#          uninterrupted native run, and the last piece's exit status equal to native.
#   leave  run it; at K random moments checkpoint it with --leave-running; then restore
#          each image (alternating roots), so K copies run beside the original.
#          The original must print exactly the native output; each copy must print the
#          rest of it from the moment of its checkpoint (a tail of the native output whose
#          start lies between the original's output sizes just before and just after the
#          checkpoint command), and every exit status must equal native.
# Compressions cycle zstd, lz4, none over all checkpoints. The delays come from a fixed
# seed (CR_SEED, default 5) and are printed, so a failure can be rerun exactly.
#
# usage: property.sh SBX TESTDATA_DIR [K]
# Environment: CR_SEED, CR_KEEP=1 (keep the temporary directory).
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"

SBX=$1 td=$2 K=${3:-4}
NAME=cr/property
seed=${CR_SEED:-5}
cr_init
RANDOM=$seed
echo "cr/property: seed $seed (rerun with CR_SEED=$seed), K=$K"

bb_loop='echo ready; i=0; while [ $i -lt 700000 ]; do i=$((i+1)); [ $((i % 25000)) -eq 0 ] && echo $i; done; echo done $i'
# python3 with an sqlite3 database in memory: rows inserted, counted and hashed, a line
# per round between short sleeps (nothing printed depends on hash order or time).
py_sql='import hashlib, sqlite3, time
print("ready", flush=True)
db = sqlite3.connect(":memory:")
db.execute("create table t(k integer primary key, v text)")
h = hashlib.sha256()
for i in range(60):
    db.executemany("insert into t(v) values (?)",
                   [("%d-%d-%s" % (i, j, "x" * (j % 17)),) for j in range(300)])
    n, s = db.execute("select count(*), sum(length(v)) from t").fetchone()
    h.update(("%d:%d" % (n, s)).encode())
    print(i, n, s, h.hexdigest()[:12], flush=True)
    time.sleep(0.03)
print("done", flush=True)'
progs=(compute churn busybox python)
declare -A cmd=(
	[compute]="$td/td_cr_compute 120 25"
	[churn]="$td/td_cr_churn 80 25"
)
comps=(zstd lz4 none)
nck=0

# prog_argv NAME: sets ARGV to the program's command line.
prog_argv() {
	if [[ $1 == busybox ]]; then
		ARGV=(/bin/busybox sh -c "$bb_loop")
	elif [[ $1 == python ]]; then
		ARGV=(/usr/bin/python3 -c "$py_sql")
	else
		read -r -a ARGV <<<"${cmd[$1]}"
	fi
}

# start ROOT ID OUT: `sbx run -d` of ARGV (0 on success).
start() {
	(
		cr_clean_fds
		cd /
		exec "${CR_ENV[@]}" "$SBX" --root "$1" run -d --name "$2" -- "${ARGV[@]}" \
			</dev/null >"$3" 2>"$3.err"
	)
}

# restore ROOT ID IMAGE OUT
restore() {
	(
		cr_clean_fds
		cd /
		exec "$SBX" --root "$1" restore -d --image "$3" --name "$2" </dev/null >"$4" 2>"$4.err"
	)
}

# delay_ms LO HI: sets DL to a random delay from the seeded generator (not in a
# subshell: bash reseeds RANDOM there).
delay_ms() {
	DL=$(($1 + RANDOM % ($2 - $1 + 1)))
}

# ms_to_s MS: "0.123"
ms_to_s() {
	printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

for p in "${progs[@]}"; do
	prog_argv "$p"
	dir=$CR_TMP/$p
	mkdir -p "$dir"
	t0=$SECONDS
	cr_native "$dir" 0 0 60 /dev/null -- "${ARGV[@]}"
	nrc=$(cat "$dir/native.rc")
	native=$dir/native.out
	if [[ $nrc == timeout ]]; then
		cr_fail "$p: the native run timed out"
		continue
	fi

	for mode in chain leave; do
		fails0=$CR_FAILS
		d=$dir/$mode
		mkdir -p "$d"
		cr_newroot; ra=$CR_ROOT
		cr_newroot; rb=$CR_ROOT
		roots=("$ra" "$rb")
		id=$p-0
		if ! start "$ra" "$id" "$d/0.out"; then
			cr_fail "$p/$mode: sbx run -d failed: $(cat "$d/0.out.err")"
			continue
		fi
		if ! cr_wait_mark "$d/0.out" 30; then
			cr_fail "$p/$mode: no ready mark within 30 s"
			continue
		fi
		cur_root=$ra cur_id=$id
		plan=()
		ok=1
		nk=0
		for k in $(seq 1 "$K"); do
			delay_ms 50 300
			dl=$DL
			comp=${comps[nck % 3]}
			nck=$((nck + 1))
			plan+=("${dl}ms/$comp")
			sleep "$(ms_to_s "$dl")"
			img=$d/$k.sbximg
			r=${roots[k % 2]}
			if [[ $mode == chain ]]; then
				cr_sbx "$cur_root" checkpoint --compress "$comp" --image "$img" "$cur_id" \
					>/dev/null 2>"$d/$k.ck.err"
			else
				s0=$(stat -c %s "$d/0.out")
				cr_sbx "$ra" checkpoint --leave-running --compress "$comp" --image "$img" \
					"$id" >/dev/null 2>"$d/$k.ck.err"
			fi
			rc=$?
			if ((rc != 0)) && ((k > 2)) && grep -q 'is stopped' "$d/$k.ck.err"; then
				# The original finished first (a slow machine): fewer checkpoints.
				echo "  $p/$mode: the program ended before checkpoint $k; $((k - 1)) made"
				unset 'plan[-1]'
				break
			fi
			if ((rc != 0)); then
				cr_fail "$p/$mode: checkpoint $k ($comp, after $dl ms) exited $rc: $(cat "$d/$k.ck.err")"
				ok=0
				break
			fi
			nk=$k
			if [[ $mode == chain ]]; then
				if ! restore "$r" "$p-$k" "$img" "$d/$k.out"; then
					cr_fail "$p/$mode: restore $k ($comp) failed: $(cat "$d/$k.out.err")"
					ok=0
					break
				fi
				rm -f "$img"
				cur_root=$r cur_id=$p-$k
			else
				echo "$s0 $(stat -c %s "$d/0.out")" >"$d/$k.range"
			fi
		done
		echo "  $p/$mode: checkpoints at ${plan[*]}"
		# leave: the copies are restored once all checkpoints are made, so they do not
		# slow the original down meanwhile.
		if [[ $mode == leave ]] && ((ok)); then
			for k in $(seq 1 "$nk"); do
				if ! restore "${roots[k % 2]}" "$p-$k" "$d/$k.sbximg" "$d/$k.out"; then
					cr_fail "$p/$mode: restore $k failed: $(cat "$d/$k.out.err")"
					ok=0
				fi
			done
		fi
		((ok)) || continue

		# Exit statuses.
		if [[ $mode == chain ]]; then
			waits=("$cur_root:$cur_id")
		else
			waits=("$ra:$id")
			for k in $(seq 1 "$nk"); do waits+=("${roots[k % 2]}:$p-$k"); done
		fi
		for w in "${waits[@]}"; do
			st=$(cr_wait_status "${w%%:*}" "${w#*:}" 2>"$d/wait.err")
			st=${st:-$?}
			[[ $st == "$nrc" ]] ||
				cr_fail "$p/$mode: ${w#*:} exited $st, native $nrc $(cat "$d/wait.err")"
		done

		# Outputs.
		if [[ $mode == chain ]]; then
			files=("$d/0.out")
			for k in $(seq 1 "$nk"); do files+=("$d/$k.out"); done
			if ! cmp -s "$native" <(cat "${files[@]}"); then
				cr_fail "$p/chain: the pieces' output differs from native (sizes: $(stat -c %s "${files[@]}" | tr '\n' ' '))"
				diff -u --label native --label "sbx pieces" "$native" <(cat "${files[@]}") |
					head -n 30 | sed 's/^/  /' >&2
			fi
		else
			if ! cmp -s "$native" "$d/0.out"; then
				cr_fail "$p/leave: the original (left running) printed something else"
				diff -u --label native --label original "$native" "$d/0.out" |
					head -n 30 | sed 's/^/  /' >&2
			fi
			nsize=$(stat -c %s "$native")
			for k in $(seq 1 "$nk"); do
				read -r lo hi <"$d/$k.range"
				csize=$(stat -c %s "$d/$k.out")
				start_at=$((nsize - csize))
				if ! cr_ends_with "$native" "$d/$k.out"; then
					cr_fail "$p/leave: copy $k's output is not a tail of the native output"
					diff -u --label native --label "copy $k" "$native" "$d/$k.out" |
						head -n 30 | sed 's/^/  /' >&2
				elif ((start_at < lo || start_at > hi)); then
					cr_fail "$p/leave: copy $k continues from byte $start_at; the original was between $lo and $hi at its checkpoint"
				fi
			done
		fi
		for r in "$ra" "$rb"; do
			for x in $(cr_ids "$r"); do cr_sbx "$r" delete "$x" >/dev/null 2>&1; done
		done
		if ((CR_FAILS == fails0)); then
			echo "PASS $p/$mode ($((SECONDS - t0)) s so far for $p)"
		else
			for f in "$d"/*.err; do cr_show "$(basename "$f")" "$f"; done
		fi
	done
done

if ((CR_FAILS)); then
	echo "FAIL cr/property: $CR_FAILS failure(s); seed $seed" >&2
	exit 1
fi
echo "PASS cr/property"
