#!/bin/bash
# perl_python.sh perl|python|venv: perl and python3 doing what scripts do, in a
# temporary directory (native: removed at the end); one part a run. perl: file tests, sprintf, sort, opendir, fork with a
# pipe, sysopen and flock, alarm, localtime/gmtime, getpwuid. python3: a venv made
# with ensurepip (pip installed by running it inside the sandbox), its pip and its
# interpreter, multiprocessing pools started by spawn and forkserver, a subprocess
# timeout, compileall of a directory with a broken file, signal and select.
set -e
d=$(mktemp -d /tmp/sbx-perlpy.XXXXXX)
trap 'rm -rf "$d"' EXIT
cd "$d"
export TZ=UTC
case $1 in
perl)
perl -e '
use strict; use warnings; use Fcntl qw(:flock O_CREAT O_RDWR); use POSIX qw(strftime);
print -e "/etc/passwd" ? "exists\n" : "missing\n", -d "/usr" ? "dir\n" : "", -x "/bin/sh" ? "exec\n" : "";
printf("%5.2f|%x|%o|%-4s|%e\n", 3.14159, 255, 8, "x", 12345.678);
print join(",", sort { $a <=> $b } (5, 3, 9, 1, 10)), " ", join(",", sort qw(b A c)), "\n";
opendir(my $dh, "/etc") or die; my @e = grep { !/^\./ } readdir $dh; closedir $dh;
print scalar(@e) > 5 ? "readdir ok\n" : "readdir short\n";
pipe(my $r, my $w) or die; my $pid = fork // die;
if (!$pid) { close $r; print $w "child says hi\n"; close $w; exit 3 }
close $w; print scalar <$r>; waitpid($pid, 0); print "child exit ", $? >> 8, "\n";
sysopen(my $fh, "lock", O_CREAT | O_RDWR) or die; print flock($fh, LOCK_EX | LOCK_NB) ? "locked\n" : "busy\n";
if (!fork) { open(my $f2, "<", "lock") or die; print flock($f2, LOCK_EX | LOCK_NB) ? "child locked\n" : "child busy\n"; exit 0 }
wait;
print strftime("%Y-%m-%d %H:%M:%S", gmtime(86400 * 366)), " ", (localtime(0))[5], "\n";
my $got = 0; $SIG{ALRM} = sub { $got = 1 }; alarm 1; select(undef, undef, undef, 3) until $got; print "alarm $got\n";
print scalar(getpwuid(0)), " ", (stat("/etc/passwd"))[2] & 07777, "\n";
'
;;
venv)
python3 -m venv v
ls v/bin | grep -E '^(pip|python)' | sort
v/bin/python -c 'import sys; print("in venv", sys.prefix != sys.base_prefix)'
v/bin/pip --version | cut -d' ' -f1-2
;;
python)
cat > mp.py <<'PY'
import multiprocessing as mp, subprocess, signal, select, os, sys

def sq(x):
    return x * x

if __name__ == "__main__":
    for method in ("spawn", "forkserver"):
        with mp.get_context(method).Pool(2) as pool:
            print(method, pool.map(sq, range(8)))
    q = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=q.put, args=("via queue",))
    p.start(); print(q.get()); p.join(); print("exitcode", p.exitcode)
    try:
        subprocess.run(["sleep", "10"], timeout=0.5)
    except subprocess.TimeoutExpired:
        print("timeout expired")
    r = subprocess.run("echo out; echo err >&2; exit 7", shell=True, capture_output=True, text=True)
    print(repr(r.stdout), repr(r.stderr), r.returncode)
    got = []
    signal.signal(signal.SIGUSR2, lambda s, f: got.append(s))
    os.kill(os.getpid(), signal.SIGUSR2)
    print("signal", got)
    rfd, wfd = os.pipe()
    print("select empty", select.select([rfd], [], [], 0.1)[0])
    os.write(wfd, b"x")
    print("select ready", select.select([rfd], [], [], 1)[0] == [rfd])
PY
python3 mp.py
mkdir pkg
printf 'x = 1\n' > pkg/good.py
printf 'def broken(:\n' > pkg/bad.py
python3 -m compileall -q pkg > /dev/null || echo "compileall: exit $?"
ls pkg/__pycache__ | sort
;;
*)
echo "usage: perl_python.sh perl|python|venv" >&2
exit 2
esac
