# inotify_py.py: python reading inotify events through ctypes and os.read, as the
# watchdog-style libraries do: a directory watched, files made, written, renamed and
# removed in it by a child process (an O_TMPFILE one too), the events decoded with
# struct.
import ctypes, os, struct, sys, tempfile

libc = ctypes.CDLL(None, use_errno=True)
IN_ALL_EVENTS = 0xfff
NAMES = {0x1: 'ACCESS', 0x2: 'MODIFY', 0x4: 'ATTRIB', 0x8: 'CLOSE_WRITE',
         0x10: 'CLOSE_NOWRITE', 0x20: 'OPEN', 0x40: 'MOVED_FROM', 0x80: 'MOVED_TO',
         0x100: 'CREATE', 0x200: 'DELETE', 0x400: 'DELETE_SELF', 0x800: 'MOVE_SELF',
         0x8000: 'IGNORED', 0x40000000: 'ISDIR'}

d = tempfile.mkdtemp(prefix='sbx-inotify-py.')
fd = libc.inotify_init1(os.O_CLOEXEC)
wd = libc.inotify_add_watch(fd, d.encode(), IN_ALL_EVENTS)
print('init', fd >= 0, 'wd', wd)
pid = os.fork()
if pid == 0:
    with open(os.path.join(d, 'a.txt'), 'w') as f:
        f.write('hello')
    os.rename(os.path.join(d, 'a.txt'), os.path.join(d, 'b.txt'))
    os.mkdir(os.path.join(d, 'sub'))
    os.unlink(os.path.join(d, 'b.txt'))
    os.rmdir(os.path.join(d, 'sub'))
    # An O_TMPFILE file is named "#<ino>" to the directory until it gets a name.
    f = os.open(d, os.O_TMPFILE | os.O_RDWR, 0o600)
    os.write(f, b'x')
    libc.linkat(f, b'', -100, os.path.join(d, 'named').encode(), 0x1000)  # AT_EMPTY_PATH
    os.close(f)
    os.unlink(os.path.join(d, 'named'))
    os._exit(0)
os.waitpid(pid, 0)
os.rmdir(d)
cookies = {}
done = False
while not done:
    buf = os.read(fd, 4096)
    off = 0
    while off < len(buf):
        w, mask, cookie, n = struct.unpack_from('iIII', buf, off)
        name = buf[off + 16:off + 16 + n].rstrip(b'\0').decode()
        if name.startswith('#'):
            name = '#<ino>'
        off += 16 + n
        if cookie:
            cookie = cookies.setdefault(cookie, len(cookies) + 1)
        bits = '|'.join(v for k, v in NAMES.items() if mask & k)
        print(w, bits, cookie, repr(name))
        done = done or mask & 0x8000
os.close(fd)
sys.stdout.flush()
