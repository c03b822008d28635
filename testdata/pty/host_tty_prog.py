# host_tty_prog.py: the program tests/integration/pty/host_tty.py drives from the
# terminal it runs on (natively, or as the application of `sbx run` on that terminal).
# It catches a ^C, then reads files and imports a module it had not loaded (under sbx
# that goes through the gofer), then ticks while the driver stops it with ^Z and lets
# it go on with SIGCONT, as a shell's fg does.
import os
import signal
import sys
import time

got = []
signal.signal(signal.SIGINT, lambda s, f: got.append(s))
print("ready", flush=True)
while not got:
    signal.pause()
import json  # noqa: E402  (after the ^C on purpose)

with open("/etc/passwd") as f:
    lines = f.read().splitlines()
print("after the interrupt:", json.dumps({"sigint": len(got), "passwd": len(lines) > 0}), flush=True)
print("stop me", flush=True)
for i in range(8):
    time.sleep(0.1)
    print("tick", i, flush=True)
print("done", os.path.exists("/etc/os-release"), flush=True)
sys.exit(3)
