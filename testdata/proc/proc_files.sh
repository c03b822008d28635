#!/bin/bash
# proc_files.sh: /proc files that tools read about other processes: limits (every
# limit set to a fixed value first, by prlimit(1) on the reader itself and on another
# process), task/ (one directory per thread, holding a thread's files and no task/
# of its own; stat's first field the thread's id), and what ps and pgrep make of
# them for threads and states; vmstat(8), which needs /proc/vmstat to start; the
# unified cgroup hierarchy's line of /proc/self/cgroup, which runtimes look for.
set -e
# Natively the harness gives a new pid namespace but the host's /proc: run again with
# a /proc of this namespace (the sandbox's is its own already).
read -r self _ < /proc/self/stat
if [[ $self != "$$" ]]; then
	exec unshare --mount --propagation private -- /bin/sh -c \
		'mount -t proc proc /proc && exec /bin/bash "$0" "$@"' "$0" "$@"
fi
lim='--cpu=100:200 --fsize=1000000:2000000 --data=unlimited --stack=8388608:unlimited
     --core=0:0 --rss=unlimited --nproc=500:600 --nofile=256:512 --memlock=65536:65536
     --as=unlimited --locks=unlimited --sigpending=100:200 --msgqueue=819200:819200
     --nice=0:0 --rtprio=0:0 --rttime=unlimited'
prlimit $lim cat /proc/self/limits
sleep 5 &
p=$!
prlimit --pid $p $lim
prlimit --pid $p --nofile=100:300
sed -n '1p;8p' /proc/$p/limits
prlimit --pid $p --nofile --output SOFT,HARD --noheadings
kill $p
wait $p || true
vmstat | wc -l
vmstat -s | grep -c 'K total memory'
grep -c '^0::/' /proc/self/cgroup
python3 - <<'PY'
import os, threading
ev = threading.Event()
ts = [threading.Thread(target=ev.wait) for _ in range(3)]
for t in ts:
    t.start()
tids = sorted(int(x) for x in os.listdir("/proc/self/task"))
print("threads", len(tids), "first is the process", tids[0] == os.getpid())
for tid in tids:
    base = "/proc/self/task/%d/" % tid
    st = open(base + "stat").read().split()
    print("stat id matches", int(st[0]) == tid, "task/ inside", os.path.exists(base + "task"),
          "status", os.path.exists(base + "status"), "comm", open(base + "comm").read().strip())
print("unknown tid", os.path.exists("/proc/self/task/99999"))
print("another process's thread", os.path.exists("/proc/self/task/1") == (os.getpid() == 1))
pid = os.getpid()
# Each thread sleeps once it reaches ev.wait; one that started may not be there yet.
import time
for _ in range(500):
    if all(open("/proc/self/task/%d/stat" % t).read().rsplit(")", 1)[1].split()[0] == "S"
           for t in tids if t != pid):
        break
    time.sleep(0.01)
# The main thread's own row is left out of the count: while ps reads it, it may be
# between the spawn and its read of ps's output, running.
out = os.popen("ps -L -o tid=,stat= -p %d" % pid).read().split()
rows = list(zip(out[0::2], out[1::2]))
print("ps -L rows", len(rows), "others sleeping",
      sum(st.startswith("S") for tid, st in rows if int(tid) != pid))
print("status Threads", [l.split()[1] for l in open("/proc/self/status") if l.startswith("Threads")])
ev.set()
for t in ts:
    t.join()
PY
