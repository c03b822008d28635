#!/usr/bin/env python3
"""host_tty.py: `sbx run` as a foreground job on a host terminal, against the same
program run natively as that job.

A pseudo-terminal is made here, and a small job-control shell in its session runs the
program (testdata/pty/host_tty_prog.py) as its foreground job: natively as `python3
PROG`, then as `sbx run -- python3 PROG`. Through the terminal, the driver types ^C
(the program must catch it and then still read files: a ^C once killed the gofer),
then ^Z (the job must stop as a job, and print nothing while stopped), then lets
the shell continue it as fg does. Then a program that reads the terminal is started
as a background job: it must stop as one (SIGTTIN), and read what is typed once fg
has brought it to the foreground. The transcripts (output lines, the stop signal,
lines printed while stopped, exit status) must be the same.

usage: host_tty.py SBX PROG
"""
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60.0


def job_shell(argv, report_fd, cmd_fd, background):
    """In the terminal's session: runs argv as a foreground job (or a background
    one), reports its stops and exit on report_fd, continues it in the foreground
    (fg) when cmd_fd says so."""
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        if not background:
            os.tcsetpgrp(0, os.getpid())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        os.execvp(argv[0], argv)
    os.setpgid(job, job)
    if not background:
        os.tcsetpgrp(0, job)
    stopped = False
    while True:
        # A stopped job waits for the driver's fg, or goes on or ends by itself.
        if stopped and select.select([cmd_fd], [], [], 0.05)[0]:
            os.read(cmd_fd, 1)
            os.tcsetpgrp(0, job)
            os.killpg(job, signal.SIGCONT)
            stopped = False
        pid, st = os.waitpid(job, os.WUNTRACED | os.WCONTINUED |
                             (os.WNOHANG if stopped else 0))
        if pid == 0:
            continue
        if os.WIFCONTINUED(st):
            stopped = False
            continue
        if os.WIFSTOPPED(st):
            os.write(report_fd, b"stopped %d\n" % os.WSTOPSIG(st))
            stopped = True
            continue
        code = os.waitstatus_to_exitcode(st)
        os.write(report_fd, b"exit %d\n" % code)
        os._exit(0)


class Session:
    def __init__(self, argv, background=False):
        rep_r, rep_w = os.pipe()
        cmd_r, cmd_w = os.pipe()
        self.pid, self.master = pty.fork()
        if self.pid == 0:
            os.close(rep_r)
            os.close(cmd_w)
            try:
                job_shell(argv, rep_w, cmd_r, background)
            finally:
                os._exit(1)
        os.close(rep_w)
        os.close(cmd_r)
        self.rep, self.cmd = rep_r, cmd_w
        self.out = b""
        self.events = []   # (time, event line) from the job shell
        self.lines_at = []  # (time, line) as each output line arrived

    def pump(self, secs):
        """Reads the terminal and the shell's reports for up to secs."""
        end = time.monotonic() + secs
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.master, self.rep], [], [], left)
            now = time.monotonic()
            if self.master in r:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    data = b""
                if data:
                    self.out += data
                    while b"\n" in self.out:
                        line, self.out = self.out.split(b"\n", 1)
                        self.lines_at.append((now, line.rstrip(b"\r").decode()))
            if self.rep in r:
                data = os.read(self.rep, 4096)
                if not data:
                    return
                for ev in data.decode().splitlines():
                    self.events.append((now, ev))

    def wait_line(self, text):
        end = time.monotonic() + TIMEOUT
        while not any(text == l for _, l in self.lines_at):
            if time.monotonic() > end:
                # The job shell's reports say whether the job stopped meanwhile.
                raise RuntimeError("no line %r; output so far: %r; job shell: %r" %
                                   (text, [l for _, l in self.lines_at],
                                    [ev for _, ev in self.events]))
            self.pump(0.05)

    def wait_event(self, prefix):
        end = time.monotonic() + TIMEOUT
        while True:
            for t, ev in self.events:
                if ev.startswith(prefix):
                    return t, ev
            if time.monotonic() > end:
                raise RuntimeError("no %r from the job shell; output: %r" %
                                   (prefix, [l for _, l in self.lines_at]))
            self.pump(0.05)


def transcript(argv):
    s = Session(argv)
    s.wait_line("ready")
    os.write(s.master, b"\x03")
    s.wait_line("stop me")
    os.write(s.master, b"\x1a")
    t_stop, ev = s.wait_event("stopped")
    s.pump(0.6)
    t_cont = time.monotonic()
    # Lines that came once the job had been reported stopped (a grace of 50 ms for
    # one already on its way).
    during = [l for t, l in s.lines_at if t_stop + 0.05 < t < t_cont]
    os.write(s.cmd, b"c")
    _, ex = s.wait_event("exit")
    s.pump(0.2)
    os.waitpid(s.pid, 0)
    # The terminal echoes ^C and ^Z where the cursor is, before the next line.
    lines = [l.replace("^C", "").replace("^Z", "") for _, l in s.lines_at]
    lines = [l for l in lines if l]
    return ["job: " + ev, "lines while stopped: %d" % len(during), "job: " + ex] + \
        ["out: " + l for l in lines]


# Reads a line from the terminal; started in the background, it is stopped first.
READER = "import sys; print('got', sys.stdin.readline().strip(), flush=True); sys.exit(5)"


def background_transcript(argv):
    """argv (which runs READER) as a background job: it stops (SIGTTIN) and prints
    nothing; after fg it reads the line typed then."""
    s = Session(argv, background=True)
    _, ev = s.wait_event("stopped")
    s.pump(0.3)
    before = [l for _, l in s.lines_at]
    os.write(s.cmd, b"c")
    os.write(s.master, b"hello\n")
    _, ex = s.wait_event("exit")
    s.pump(0.2)
    os.waitpid(s.pid, 0)
    return ["background job: " + ev, "lines before fg: %d" % len(before),
            "background job: " + ex] + ["out: " + l for _, l in s.lines_at if l]


def delete_all(sbx, root, names):
    """Whatever failed, no sandbox of a test outlives it (a created one would wait
    for ever, its state directory gone with the test's)."""
    for n in names:
        subprocess.run([sbx, "--root", root, "delete", n], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)


def checkpoint_while_stopped(sbx):
    """sbx only: a job stopped with ^Z is checkpointed from outside. The checkpoint
    must complete (the stopped sbx, which records it, is woken) and the job end."""
    with tempfile.TemporaryDirectory() as d:
        root, img = os.path.join(d, "root"), os.path.join(d, "img")
        try:
            return checkpoint_stopped_in(sbx, root, img)
        finally:
            delete_all(sbx, root, ["ck"])


def checkpoint_stopped_in(sbx, root, img):
    """checkpoint_while_stopped's body, in ROOT, the image at IMG."""
    s = Session([sbx, "--root", root, "run", "--name", "ck", "--", "/bin/sh", "-c",
                 "echo ready; while :; do sleep 0.1; done"])
    s.wait_line("ready")
    os.write(s.master, b"\x1a")
    s.wait_event("stopped")
    r = subprocess.run([sbx, "--root", root, "checkpoint", "--image", img, "ck"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    _, ex = s.wait_event("exit")
    os.waitpid(s.pid, 0)
    if r.returncode != 0 or "not stopped" in r.stderr or not os.path.exists(img):
        raise RuntimeError("checkpoint of the stopped job: exit %d, %r" %
                           (r.returncode, r.stderr.strip()))
    return ex


def stop_restored_into(sbx):
    """sbx only: `sbx restore --into` in the foreground is a job too. A ticking loop
    is checkpointed, restored into a created sandbox as the terminal's job, stopped
    with ^Z (nothing may be printed while it is stopped) and continued; it must end
    as it would have, every tick once, with its exit status."""
    loop = "echo ready; i=0; while [ $i -lt 15 ]; do sleep 0.1; i=$((i+1)); " \
           "echo tick $i; done; exit 4"
    with tempfile.TemporaryDirectory() as d:
        root, img, out = (os.path.join(d, n) for n in ("root", "img", "out"))
        try:
            return restored_into_in(sbx, root, img, out, loop)
        finally:
            delete_all(sbx, root, ["src", "w"])


def restored_into_in(sbx, root, img, out, loop):
    """stop_restored_into's body: LOOP's output before the checkpoint goes to OUT."""
    with open(out, "w") as f:
        subprocess.run([sbx, "--root", root, "run", "-d", "--name", "src", "--",
                        "/bin/sh", "-c", loop], stdin=subprocess.DEVNULL, stdout=f,
                       check=True, timeout=TIMEOUT)
    end = time.monotonic() + TIMEOUT
    while "ready" not in open(out).read():
        if time.monotonic() > end:
            raise RuntimeError("the loop to checkpoint never started")
        time.sleep(0.01)
    subprocess.run([sbx, "--root", root, "checkpoint", "--image", img, "src"],
                   check=True, capture_output=True, timeout=TIMEOUT)
    # A created sandbox keeps the stdio it was given: not pipes read to the end.
    subprocess.run([sbx, "--root", root, "create", "--name", "w"], check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=TIMEOUT)
    s = Session([sbx, "--root", root, "restore", "--image", img, "--into", "w"])
    s.wait_line("tick 3")
    os.write(s.master, b"\x1a")
    t_stop, ev = s.wait_event("stopped")
    s.pump(0.6)
    during = [l for t, l in s.lines_at if t > t_stop + 0.05]
    os.write(s.cmd, b"c")
    _, ex = s.wait_event("exit")
    s.pump(0.2)
    os.waitpid(s.pid, 0)
    ticks = [l.replace("^Z", "") for _, l in s.lines_at if "tick" in l]
    # Ticks already written when the checkpoint came are in the file.
    first = int(ticks[0].split()[-1]) if ticks else 0
    want = ["tick %d" % i for i in range(first, 16)]
    if ev != "stopped 20" or during or ex != "exit 4" or ticks != want:
        raise RuntimeError("restore --into as a job: %s, %d lines while stopped, %s, "
                           "ticks %r" % (ev, len(during), ex, ticks))
    return "%s, %s" % (ev, ex)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    sbx, prog = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    try:
        native = transcript(["python3", prog]) + \
            background_transcript(["python3", "-c", READER])
    except RuntimeError as e:
        print("FAIL host_tty: natively: %s" % e, file=sys.stderr)
        return 1
    try:
        sandboxed = transcript([sbx, "run", "--", "python3", prog]) + \
            background_transcript([sbx, "run", "--", "python3", "-c", READER])
    except RuntimeError as e:
        print("FAIL host_tty: under sbx: %s" % e, file=sys.stderr)
        return 1
    if native == sandboxed:
        try:
            ex = checkpoint_while_stopped(sbx)
            into = stop_restored_into(sbx)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            print("FAIL host_tty: %s" % e, file=sys.stderr)
            return 1
        print("PASS host_tty: %d transcript lines agree; a stopped job checkpointed "
              "from outside ended (%s); restore --into stopped and continued as a "
              "job (%s)" % (len(native), ex, into))
        return 0
    print("FAIL host_tty: the transcripts differ", file=sys.stderr)
    for a, b in zip(native + [""] * len(sandboxed), sandboxed + [""] * len(native)):
        if a or b:
            print("  %s %-45s | %s" % (" " if a == b else "*", a, b), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
