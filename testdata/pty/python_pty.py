# python_pty: python's pty module over the sandbox's ptys: openpty with os.read and
# os.write (and termios, epoll), pty.fork with the child's session and terminal, and
# pty.spawn of a small command (stdin is not a terminal: spawn copies the child's
# output). Everything printed is the same natively and in sbx.
import os
import pty
import re
import select
import sys
import termios
import tty


def read_until(fd, mark):
    out = b""
    while mark not in out:
        r, _, _ = select.select([fd], [], [], 20)
        if not r:
            break
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


m, s = pty.openpty()
print("names a pts:", bool(re.fullmatch(r"/dev/pts/\d+", os.ttyname(s))))
os.write(m, b"hello\n")
print("slave read:", os.read(s, 100))
print("echo:", read_until(m, b"\r\n"))
attrs = termios.tcgetattr(s)
print("lflag ICANON ECHO:", bool(attrs[3] & termios.ICANON), bool(attrs[3] & termios.ECHO))
ep = select.epoll()
ep.register(m, select.EPOLLIN)
print("epoll, nothing to read:", ep.poll(0))
os.write(s, b"ping\n")
print("epoll after a slave write:", [e for _, e in ep.poll(20)] == [select.EPOLLIN])
print("master read:", read_until(m, b"ping\r\n"))
ep.close()
tty.setraw(s)
os.write(m, b"x\r")
print("raw slave read:", os.read(s, 100))
os.close(s)
os.close(m)

pid, fd = pty.fork()
if pid == 0:
    print("child: sid is me", os.getsid(0) == os.getpid(),
          "| tty is the pgrp's", os.tcgetpgrp(0) == os.getpgrp())
    print("child: isatty", os.isatty(0), os.isatty(1))
    sys.stdout.flush()
    line = sys.stdin.readline()
    print("child got", repr(line))
    sys.stdout.flush()
    os._exit(3)
out = read_until(fd, b"isatty True True\r\n")
os.write(fd, b"from parent\n")
out += read_until(fd, b"child got 'from parent\\n'\r\n")
print(out.decode().replace("\r\n", "|"))
_, st = os.waitpid(pid, 0)
print("child exit", os.waitstatus_to_exitcode(st))
os.close(fd)

sys.stdout.flush()
rc = pty.spawn(["/bin/sh", "-c", "echo spawned; tty | sed 's/[0-9]*$/N/'; exit 4"])
print("spawn status", os.waitstatus_to_exitcode(rc))
