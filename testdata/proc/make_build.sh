# Builds testdata/proc/make_project with `make -j2` and gcc in a fresh directory under
# /tmp, runs the program, rebuilds after touching one source, and cleans up (issue #7).
# Run natively and in sbx by the harness, which compares the output: make runs silent
# (-s), so only what is deterministic is printed.
set -e
src=$(dirname "$0")/make_project
d=$(mktemp -d /tmp/sbx-make.XXXXXX)
trap 'rm -rf "$d"' EXIT
cp "$src"/Makefile "$src"/*.c "$src"/*.h "$src"/*.sh "$d"/
cd "$d"
# Fixed times, so that what is out of date never depends on the clock's resolution.
touch -d '2001-01-01 00:00' Makefile *.c *.h *.sh
make -s -j2
./prog
echo "built: $(ls *.o *.a prog | sort | tr '\n' ' ')"
# Only fib.o and prog are remade; make -q then says all is up to date.
touch -d '2002-01-01 00:00' *.o *.a prog table.h
touch -d '2003-01-01 00:00' fib.c
make -j2 | sed 's/ -o .*//' | sort
make -q && echo "up to date"
make -s clean
echo "after clean: $(ls | sort | tr '\n' ' ')"
