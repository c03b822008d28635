"""Threads, processes and subprocesses in one python3 program (issue #7): worker
threads sharing a Lock-protected counter and a Queue of jobs, a multiprocessing Pool of
3 workers mapping a function (fork start method), and subprocess.run of /bin/echo and of
a shell pipeline. Prints only deterministic results; the harness compares them with a
native run.
    python3 py_mix.py
"""
import hashlib
import multiprocessing
import queue
import subprocess
import sys
import threading


def threads_part():
    lock = threading.Lock()
    jobs = queue.Queue()
    results = queue.Queue()
    state = {"count": 0}

    def worker():
        while True:
            n = jobs.get()
            if n is None:
                jobs.task_done()
                return
            h = hashlib.sha256(str(n).encode()).hexdigest()
            with lock:
                state["count"] += 1
            results.put((n, h[:8]))
            jobs.task_done()

    ths = [threading.Thread(target=worker, name="w%d" % i) for i in range(8)]
    for t in ths:
        t.start()
    for n in range(2000):
        jobs.put(n)
    for _ in ths:
        jobs.put(None)
    jobs.join()
    for t in ths:
        t.join()
    out = sorted(results.get() for _ in range(results.qsize()))
    digest = hashlib.sha256(repr(out).encode()).hexdigest()[:16]
    print("threads: count", state["count"], "results", len(out), "digest", digest)
    print("threads: alive after join", sum(t.is_alive() for t in ths))

    # A condition variable and an event between two threads.
    cond = threading.Condition()
    box = []
    done = threading.Event()

    def producer():
        for i in range(200):
            with cond:
                box.append(i)
                cond.notify()
        done.set()

    total = 0
    p = threading.Thread(target=producer)
    p.start()
    got = 0
    while got < 200:
        with cond:
            while not box:
                cond.wait()
            while box:
                total += box.pop()
                got += 1
    p.join()
    print("condition: got", got, "sum", total, "event", done.is_set())


def square_mod(x):
    return (x * x) % 1009


def pool_part():
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(3) as pool:
        r = pool.map(square_mod, range(500), chunksize=20)
        print("pool: map", len(r), "sum", sum(r))
        r2 = [pool.apply_async(square_mod, (i,)) for i in range(10)]
        print("pool: apply_async", [x.get(timeout=60) for x in r2])
    q = ctx.Queue()
    procs = [ctx.Process(target=q.put, args=(i * 10,)) for i in range(4)]
    for p in procs:
        p.start()
    vals = sorted(q.get(timeout=60) for _ in procs)
    for p in procs:
        p.join()
    print("process: queue", vals, "exitcodes", [p.exitcode for p in procs])


def subprocess_part():
    r = subprocess.run(["/bin/echo", "hello", "from", "echo"], capture_output=True, text=True)
    print("subprocess: echo ->", repr(r.stdout), "rc", r.returncode)
    r = subprocess.run("seq 1 1000 | sort -rn | head -n 3 | tr '\\n' ' '", shell=True,
                       capture_output=True, text=True)
    print("subprocess: pipeline ->", repr(r.stdout), "rc", r.returncode)
    r = subprocess.run(["/bin/sh", "-c", "exit 7"])
    print("subprocess: exit status", r.returncode)
    r = subprocess.run(["/bin/sh", "-c", "kill -TERM $$"])
    print("subprocess: killed", r.returncode)
    p = subprocess.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = p.communicate(b"x" * 200000)
    print("subprocess: cat round trip", len(out), "rc", p.returncode)

    # Threads starting subprocesses at once.
    outs = [None] * 6

    def run(i):
        outs[i] = subprocess.run(["/bin/echo", str(i)], capture_output=True,
                                 text=True).stdout.strip()

    ths = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    print("subprocess: from threads", outs)


if __name__ == "__main__":
    threads_part()
    sys.stdout.flush()
    pool_part()
    sys.stdout.flush()
    subprocess_part()
    print("py_mix done")
