"""python3 threads and subprocesses checkpointed mid-run (issue #7): rounds of work in
which four threads each hash a chain and start a subprocess, handing results through a
Queue under a Lock, while one long-lived child (cat) echoes every line we send it. The
harness checkpoints it after the ready mark, in the middle of the rounds; the output
(deterministic) must equal a native run's.
    python3 py_threads.py [ROUNDS]
"""
import hashlib
import queue
import subprocess
import sys
import threading

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 12
cat = subprocess.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       text=True, bufsize=1)
lock = threading.Lock()
totals = {"hashes": 0}
print("ready", flush=True)


def work(r, i, out):
    h = ("%d-%d" % (r, i)).encode()
    for _ in range(3000):
        h = hashlib.sha256(h).digest()
    echo = subprocess.run(["/bin/echo", "r%d.%d" % (r, i)], capture_output=True,
                          text=True).stdout.strip()
    with lock:
        totals["hashes"] += 3000
    out.put((i, h.hex()[:8], echo))


for r in range(rounds):
    out = queue.Queue()
    ths = [threading.Thread(target=work, args=(r, i, out)) for i in range(4)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    res = sorted(out.get() for _ in ths)
    cat.stdin.write("round %d %s\n" % (r, " ".join(x[1] for x in res)))
    line = cat.stdout.readline().strip()
    print(line, "|", " ".join(x[2] for x in res), flush=True)

cat.stdin.close()
rest = cat.stdout.read()
print("cat exit", cat.wait(), "rest", repr(rest), "hashes", totals["hashes"])
