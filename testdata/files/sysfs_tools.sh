#!/bin/bash
# sysfs_tools.sh: what tools that read /sys report of the CPUs, which must be the
# host's when the sandbox may use all of them (as the tests run it): getconf's two
# counts (glibc counts the cpuN directories and reads cpu/online), python's
# os.cpu_count, lscpu's CPU count and on-line list, the CPU files themselves, and
# stat -f's filesystem type. Nothing here depends on the host's topology or nodes.
set -e
getconf _NPROCESSORS_ONLN
getconf _NPROCESSORS_CONF
/usr/bin/python3 -c 'import os; print(os.cpu_count(), len(os.sched_getaffinity(0)))'
if [[ -x /usr/bin/lscpu ]]; then
	# the column is as wide as the widest field lscpu found: squeezed
	/usr/bin/lscpu | grep -E '^(CPU\(s\)|On-line CPU)' | tr -s ' '
	/usr/bin/lscpu -p=CPU,ONLINE | grep -v '^#'
fi
cd /sys/devices/system/cpu
head online possible present offline
ls -d cpu[0-9]*
stat -f -c %T /sys
