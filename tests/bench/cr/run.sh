#!/usr/bin/env bash
# run.sh: checkpoint/restore benchmark (not a test: it prints a table and asserts
# nothing). A program holding 64, 256 and 1024 MB of mixed memory (td_cr_mem_pattern:
# half random pages, a quarter zero pages, a quarter text) is checkpointed and restored
#   - by sbx, once per compression (zstd, lz4, none), a fresh sandbox each time; a
#     compression written C+lazy restores with `sbx restore --lazy` (memory loaded
#     behind the running program), C+lazy+warm into a sandbox made beforehand with
#     `sbx create` (`sbx restore --into`, a warm pool's spare; not timed);
#   - by runsc (gVisor), from an OCI bundle whose rootfs holds only the static program
#     (`runsc --network=none create/start`, `checkpoint --image-path`, `restore
#     --detach`); runsc compresses its state file itself (gVisor's built-in
#     compression; "built-in" in the table);
#   - by CRIU, if `criu` is installed and `criu check` passes on this kernel (Debian 12's
#     3.17 does not: that is detected and said).
# Measured, in wall time:
#   checkpoint  the checkpoint command, from start to exit (the sandbox ends)
#   image       bytes of the image (runsc: of the image directory)
#   restore     the restore command in detached mode, from start to exit
#   sentry      sbx only, from SBX_CR_TIMES marks: from the Sentry's start (a cold
#               restore) or from the restore request reaching it (+warm) until the
#               first task runs; what a platform talking to the control socket pays
#   resumed     from the restore's start until the program printed "resumed": right
#               after the restore returns, SIGUSR1 is sent and the program answers first
#               thing (so this is "until the program runs again")
#   disk        after sbx's zstd checkpoint of each size: copying that image into a new
#               file on the same filesystem with fdatasync (dd conv=fdatasync), the floor
#               of a checkpoint that syncs an image that large
# After that the program verifies every page (ok / FAIL column). Beside them, the issue's
# reference figures for CRIU 4.1 on this kind of machine, and ratios to those and to runsc.
# The machine's load average is printed too: on a shared machine the times are noisy.
# With --reps N each sbx case runs N times, in turns (every case once, then again), and
# the table shows each measurement's median, with the checkpoint's range beside it.
#
# usage: run.sh [--sbx PATH] [--prog PATH] [--sizes "64 256 1024"] [--comps "zstd lz4 none"]
#               [--reps N] [--no-runsc] OUTFILE
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../../..")
sbx=$top/build/sbx
prog=$top/build/testdata/cr/td_cr_mem_pattern
sizes="64 256 1024"
comps="zstd lz4 none none+lazy zstd+lazy none+lazy+warm zstd+lazy+warm"
use_runsc=1
reps=1
while (($#)); do
	case $1 in
	--sbx) sbx=$2; shift 2 ;;
	--prog) prog=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--comps) comps=$2; shift 2 ;;
	--no-runsc) use_runsc=0; shift ;;
	--reps) reps=$2; shift 2 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if (($# != 1)); then
	echo "usage: run.sh [--sbx PATH] [--prog PATH] [--sizes LIST] [--comps LIST] [--reps N] [--no-runsc] OUTFILE" >&2
	exit 2
fi
outfile=$1
[[ -x $sbx ]] || { echo "run.sh: no sbx at $sbx (--sbx)" >&2; exit 2; }
[[ -x $prog ]] || { echo "run.sh: no td_cr_mem_pattern at $prog (--prog)" >&2; exit 2; }
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --reps wants a count, not '$reps'" >&2; exit 2; }

# The issue's figures for CRIU 4.1 (ms), by size in MB.
declare -A criu_ref_ck=([64]=131 [256]=217 [1024]=907)
declare -A criu_ref_rs=([64]=79 [256]=157 [1024]=518)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench-cr.XXXXXX")
roots=()
runsc_root=$tmp/runsc-root
runsc_ids=()
cleanup() {
	local r id
	for r in "${roots[@]}"; do
		for id in $("$sbx" --root "$r" list --json 2>/dev/null | grep -o '"id":"[^"]*"' |
			sed 's/"id":"\(.*\)"/\1/'); do
			timeout 30 "$sbx" --root "$r" delete "$id" >/dev/null 2>&1
		done
	done
	for id in "${runsc_ids[@]}"; do
		timeout 30 runsc --root "$runsc_root" --network=none delete -force "$id" >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# stamp VAR: the time in ms into VAR, without a fork (a `date` would add its own
# start, several ms on this kind of VM, to every interval).
if [[ -n ${EPOCHREALTIME:-} ]]; then
	stamp() { local us=${EPOCHREALTIME/[.,]/}; printf -v "$1" '%d' $((us / 1000)); }
else
	stamp() { printf -v "$1" '%d' $(($(date +%s%N) / 1000000)); }
fi

# watchdog SECS NAME / watchdog_off: a bound on the timed command (a child of this
# shell named NAME) that is not a process between it and the clock, as a `timeout`
# wrapper would be (its fork and exec, 2-3 ms here, counted in every interval). It
# is started before the step that precedes the clock (a wait, a sync), so that its
# own start does not run beside the timed command either.
watchdog() {
	(sleep "$1" && pkill -KILL -P $$ -x "$2") >/dev/null 2>&1 &
	wd_pid=$!
}
watchdog_off() {
	pkill -P "$wd_pid" 2>/dev/null
	kill "$wd_pid" 2>/dev/null
	wait "$wd_pid" 2>/dev/null
	return 0
}

# sentry_ms FILE FROM: ms from the Sentry's mark FROM to its "first task runs" in FILE.
sentry_ms() {
	awk -v from="$2" '/^sbx-times: / && index($0, from) && !a { a = $2 }
		/^sbx-times: .*sentry: first task runs/ && a && !b { b = $2 }
		END { if (a && b) printf "%.1f\n", b - a; else print "-" }' "$1" 2>/dev/null || echo -
}

# wait_for FILE PATTERN SECS: 0 once a line of FILE matches PATTERN (an extended
# regular expression). Only builtins, so that a look costs microseconds, not the fork
# and exec of a grep and a sleep (about 7 ms a round here, which the "resumed" column
# counted): the file is read with `read`, and the pause between looks is a 1 ms
# `read -t` on a FIFO that never has data.
nap=$tmp/nap
mkfifo "$nap"
wait_for() {
	local deadline=$((SECONDS + $3)) line
	while :; do
		while IFS= read -r line || [[ -n $line ]]; do
			[[ $line =~ $2 ]] && return 0
		done <"$1" 2>/dev/null
		((SECONDS >= deadline)) && return 1
		read -r -t 0.001 line <>"$nap"
	done
}

rows=()
# row SIZE TOOL COMP CK_MS IMG_BYTES RS_MS SENTRY_MS RESUMED_MS CHECK
row() {
	rows+=("$*")
	printf '  %s MB %-6s %-9s checkpoint %s ms, image %s bytes, restore %s ms (sentry %s), resumed %s ms, %s\n' \
		"$@" >&2
}

# One sbx measurement.
bench_sbx() {
	local mb=$1 comp=$2 r id=b$1-${2//+/-} d=$tmp/sbx-$1-${2//+/-} t0 t1 t2 t3 ck img rs res check
	local sn marks from="sentry: boot"
	local ckcomp=${2%%+*} rflags=() target
	[[ $comp == *+lazy* ]] && rflags=(--lazy)
	mkdir -p "$d"
	r=$tmp/root-$mb-${comp//+/-}
	mkdir -p "$r" "$r-2"
	roots+=("$r" "$r-2")
	"$sbx" --root "$r" run -d --name "$id" -- "$prog" "$mb" </dev/null >"$d/out" 2>"$d/err" ||
		{ echo "run.sh: sbx run failed: $(cat "$d/err")" >&2; return 1; }
	watchdog 600 "$(basename "$sbx")"
	wait_for "$d/out" '^ready' 600 ||
		{ watchdog_off; echo "run.sh: no ready mark from sbx" >&2; return 1; }
	stamp t0
	if ! "$sbx" --root "$r" checkpoint --compress "$ckcomp" --image "$d/img" "$id" \
		2>"$d/ck.err"; then
		watchdog_off
		echo "run.sh: sbx checkpoint failed: $(cat "$d/ck.err")" >&2
		row "$mb" sbx "$comp" fail - - - - -
		return 1
	fi
	stamp t1
	watchdog_off
	ck=$((t1 - t0))
	img=$(stat -c %s "$d/img")
	target=(--name "$id")
	marks=$d/rs.err
	if [[ $comp == *+warm ]]; then
		# A warm pool's spare, made before the clock starts. Its Sentry writes its
		# timing marks where create's stderr goes.
		SBX_CR_TIMES=1 "$sbx" --root "$r-2" create --name "$id" </dev/null >/dev/null \
			2>"$d/create.err" ||
			{ echo "run.sh: sbx create failed: $(cat "$d/create.err")" >&2; return 1; }
		target=(--into "$id")
		marks=$d/create.err
		from="sentry: restore request"
	fi
	watchdog 600 "$(basename "$sbx")"
	sync
	stamp t0
	if ! SBX_CR_TIMES=1 "$sbx" --root "$r-2" restore -d "${rflags[@]}" --image "$d/img" \
		"${target[@]}" </dev/null >"$d/out2" 2>"$d/rs.err"; then
		watchdog_off
		echo "run.sh: sbx restore failed: $(grep -v '^sbx-times: ' "$d/rs.err")" >&2
		row "$mb" sbx "$comp" "$ck" "$img" fail - - -
		return 1
	fi
	stamp t1
	# The watchdog goes after "resumed": its pkill, a fork and exec, is not part
	# of the time until the program runs again.
	"$sbx" --root "$r-2" kill "$id" USR1
	if wait_for "$d/out2" '^resumed' 600; then
		stamp t2
		res=$((t2 - t0))
	else
		res=fail
	fi
	watchdog_off
	rs=$((t1 - t0))
	timeout 600 "$sbx" --root "$r-2" wait "$id" >/dev/null 2>&1
	sleep 0.2
	sn=$(sentry_ms "$marks" "$from")
	check=$(tail -n1 "$d/out2" | tr -d '\0')
	[[ $check == ok ]] || check="FAIL($check)"
	row "$mb" sbx "$comp" "$ck" "$img" "$rs" "$sn" "$res" "$check"
	"$sbx" --root "$r" delete "$id" >/dev/null 2>&1
	"$sbx" --root "$r-2" delete "$id" >/dev/null 2>&1
	[[ $comp == zstd ]] && disk_floor "$mb" "$d/img"
	rm -f "$d/img"
}

# disk_floor SIZE IMG: what writing IMG's bytes (from the page cache) into a new file
# beside it and syncing them costs: the floor of any checkpoint that writes an image
# that large and fsyncs it, as sbx does (CRIU does not sync its images).
disk_floor() {
	local t0 t1
	cat "$2" >/dev/null
	stamp t0
	dd if="$2" of="$2.floor" bs=1M conv=fdatasync status=none || { rm -f "$2.floor"; return; }
	stamp t1
	row "$1" disk write+fsync "$((t1 - t0))" "$(stat -c %s "$2")" - - - -
	rm -f "$2.floor"
}

# One runsc measurement (an OCI bundle per size).
bench_runsc() {
	local mb=$1 b=$tmp/bundle-$1 id=r$1 rs_cmd t0 t1 t2 ck img rs res check
	rs_cmd=(runsc --root "$runsc_root" --network=none)
	mkdir -p "$b/rootfs" "$b/img" "$runsc_root"
	cp "$prog" "$b/rootfs/prog"
	(cd "$b" && runsc spec -- /prog "$mb") || return 1
	# No terminal (stdio are files), a read-only root, no network namespace to set up.
	python3 - "$b/config.json" <<'EOF' || return 1
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["root"]["readonly"] = True
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n.get("type") != "network"]
json.dump(c, open(p, "w"), indent=1)
EOF
	runsc_ids+=("$id" "$id-r")
	timeout 120 "${rs_cmd[@]}" create --bundle "$b" "$id" </dev/null >"$b/out" 2>"$b/err" &&
		timeout 120 "${rs_cmd[@]}" start "$id" 2>>"$b/err" ||
		{ echo "run.sh: runsc create/start failed: $(tail -n3 "$b/err")" >&2; return 1; }
	watchdog 600 runsc
	wait_for "$b/out" 'ready' 600 ||
		{ watchdog_off; echo "run.sh: no ready mark from runsc" >&2; return 1; }
	stamp t0
	if ! "${rs_cmd[@]}" checkpoint --image-path "$b/img" "$id" 2>"$b/ck.err"; then
		watchdog_off
		echo "run.sh: runsc checkpoint failed: $(tail -n3 "$b/ck.err")" >&2
		row "$mb" runsc - fail - - - - -
		return 1
	fi
	stamp t1
	watchdog_off
	ck=$((t1 - t0))
	img=$(du -sb "$b/img" | cut -f1)
	watchdog 600 runsc
	sync
	stamp t0
	if ! "${rs_cmd[@]}" restore --detach --image-path "$b/img" --bundle "$b" "$id-r" \
		</dev/null >"$b/out2" 2>"$b/rs.err"; then
		watchdog_off
		echo "run.sh: runsc restore failed: $(tail -n3 "$b/rs.err")" >&2
		row "$mb" runsc - "$ck" "$img" fail - - -
		return 1
	fi
	stamp t1
	"${rs_cmd[@]}" kill "$id-r" USR1
	if wait_for "$b/out2" 'resumed' 600; then
		stamp t2
		res=$((t2 - t0))
	else
		res=fail
	fi
	watchdog_off
	rs=$((t1 - t0))
	# runsc restores the file offset of stdout, so the new file starts with a hole.
	wait_for "$b/out2" '^ok|FAIL' 600
	check=$(tr -d '\0' <"$b/out2" | tail -n1)
	[[ $check == ok ]] || check="FAIL($check)"
	row "$mb" runsc built-in "$ck" "$img" "$rs" - "$res" "$check"
	"${rs_cmd[@]}" delete -force "$id" "$id-r" >/dev/null 2>&1
	rm -rf "$b/img"
}

# CRIU: only if installed and `criu check` passes.
criu_note=
if ! command -v criu >/dev/null; then
	criu_note="criu is not installed (Debian 12's criu 3.17 fails on this kernel anyway); only the issue's CRIU 4.1 figures are shown"
elif ! criu check >"$tmp/criu-check" 2>&1; then
	criu_note="$(criu --version 2>&1 | head -n1): 'criu check' fails on this kernel ($(grep -m1 -i 'error' "$tmp/criu-check" || tail -n1 "$tmp/criu-check")); not measured"
fi

bench_criu() {
	local mb=$1 d=$tmp/criu-$1 pid t0 t1 t2 ck img rs res check
	mkdir -p "$d/img"
	setsid "$prog" "$mb" </dev/null >"$d/out" 2>"$d/err" &
	pid=$!
	wait_for "$d/out" '^ready' 600 || return 1
	stamp t0
	criu dump -t "$pid" -D "$d/img" --shell-job >"$d/dump.log" 2>&1 ||
		{ echo "run.sh: criu dump failed: $(tail -n2 "$d/dump.log")" >&2; kill -KILL "$pid"; return 1; }
	stamp t1
	ck=$((t1 - t0))
	img=$(du -sb "$d/img" | cut -f1)
	stamp t0
	criu restore -D "$d/img" --shell-job -d >"$d/restore.log" 2>&1 ||
		{ echo "run.sh: criu restore failed: $(tail -n2 "$d/restore.log")" >&2; return 1; }
	stamp t1
	kill -USR1 "$pid"
	wait_for "$d/out" '^resumed' 600 && stamp t2 && res=$((t2 - t0)) || res=fail
	rs=$((t1 - t0))
	wait_for "$d/out" '^ok|FAIL' 600
	check=$(tail -n1 "$d/out")
	[[ $check == ok ]] || check="FAIL($check)"
	row "$mb" criu - "$ck" "$img" "$rs" - "$res" "$check"
	kill -KILL "$pid" 2>/dev/null
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "cr benchmark: sbx $sbx, program $prog, sizes $sizes MB; load average $load0" >&2
for mb in $sizes; do
	for ((rep = 0; rep < reps; rep++)); do
		for comp in $comps; do
			bench_sbx "$mb" "$comp"
		done
	done
	if ((use_runsc)) && command -v runsc >/dev/null; then
		bench_runsc "$mb"
	fi
	[[ -z $criu_note ]] && bench_criu "$mb"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# One row per size, tool and case, in the order first met: the median of each of its
# runs' measurements (a failed run's word instead, if any), the checkpoint's range,
# the number of runs, and the first check that was not ok.
mapfile -t rows < <(printf '%s\n' "${rows[@]}" | awk '
	function med(key, col,   a, c, j, t, x) {
		c = 0
		for (j = 1; j <= n[key]; j++) {
			x = v[key, col, j]
			if (x !~ /^[0-9.]+$/)
				return x
			a[++c] = x + 0
			for (t = c; t > 1 && a[t - 1] > a[t]; t--) {
				x = a[t]; a[t] = a[t - 1]; a[t - 1] = x
			}
		}
		lo[key] = a[1]; hi[key] = a[c]
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	{
		key = $1 " " $2 " " $3
		if (!(key in n)) order[++k] = key
		n[key]++
		for (i = 4; i <= 8; i++) v[key, i, n[key]] = $i
		if (!(key in chk) || chk[key] == "ok") chk[key] = $9
	}
	END {
		for (o = 1; o <= k; o++) {
			key = order[o]
			line = key
			for (i = 4; i <= 8; i++) {
				m = med(key, i)
				line = line " " m
				if (i == 4) range = n[key] > 1 && m ~ /^[0-9.]+$/ ? lo[key] "-" hi[key] : "-"
			}
			print line, chk[key], range, n[key]
		}
	}')

# The table.
{
	echo "# sbx checkpoint/restore benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r)"
	echo "# program: td_cr_mem_pattern SIZE (half random, a quarter zero, a quarter text pages)"
	echo "# load average before: $load0, after: $load1 (a shared machine makes times noisy)"
	echo "# restore = the detached restore command; resumed = until the program printed after SIGUSR1"
	echo "# sentry = the Sentry's side (SBX_CR_TIMES): its start (cold) or the request (+warm) until the first task runs"
	echo "# ratios: x CRIU = time / the issue's CRIU 4.1 figure; x runsc = time / runsc's, same size"
	[[ -n $criu_note ]] && echo "# CRIU: $criu_note"
	((reps > 1)) && echo "# sbx: medians of $reps runs each; ckpt_range = the checkpoint's fastest and slowest"
	printf '%-6s %-6s %-14s %10s %10s %10s %10s %10s %8s %8s %8s %8s %11s %4s  %s\n' size tool \
		comp ckpt_ms image_MB restore_ms sentry_ms resume_ms ck/CRIU rs/CRIU ck/runsc \
		rs/runsc ckpt_range runs check
	for mb in $sizes; do
		rck= rres=
		for r in "${rows[@]}"; do
			read -r s tool comp ck img rs sn res check <<<"$r"
			[[ $s == "$mb" && $tool == runsc ]] && rck=$ck rres=$res
		done
		for r in "${rows[@]}"; do
			read -r s tool comp ck img rs sn res check range runs <<<"$r"
			[[ $s == "$mb" ]] || continue
			ratio() { [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[1-9][0-9.]*$ ]] &&
				awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo -; }
			imgmb=-
			[[ $img =~ ^[0-9.]+$ ]] && imgmb=$(awk -v b="$img" 'BEGIN { printf "%.1f", b / 1048576 }')
			printf '%-6s %-6s %-14s %10s %10s %10s %10s %10s %8s %8s %8s %8s %11s %4s  %s\n' \
				"$mb" "$tool" "$comp" "$ck" "$imgmb" "$rs" "$sn" "$res" \
				"$(ratio "$ck" "${criu_ref_ck[$mb]:-}")" "$(ratio "$res" "${criu_ref_rs[$mb]:-}")" \
				"$(ratio "$ck" "$rck")" "$(ratio "$res" "$rres")" "$range" "$runs" "$check"
		done
		if [[ -n ${criu_ref_ck[$mb]:-} ]]; then
			printf '%-6s %-6s %-14s %10s %10s %10s %10s %10s %8s %8s %8s %8s %11s %4s  %s\n' \
				"$mb" "CRIU" "4.1" "${criu_ref_ck[$mb]}" - - - "${criu_ref_rs[$mb]}" 1.00 1.00 \
				"$(ratio "${criu_ref_ck[$mb]}" "$rck")" "$(ratio "${criu_ref_rs[$mb]}" "$rres")" \
				- - "(the issue's figures)"
		fi
	done
} | tee "$outfile"
