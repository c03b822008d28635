/*
 * What /sys shows (see synth.h): the sandbox's CPUs under devices/system/cpu and one
 * memory node under devices/system/node. The CPUs are kernel->cpumask, the set that
 * sched_getaffinity reports and that /proc/cpuinfo and /proc/stat count, read again
 * from the host at restore. Their topology is the one /proc/cpuinfo gives (as
 * gVisor's sysfs does): one package and one die, each CPU a core of its own with one
 * thread. One node holds every CPU and all of the sandbox's memory, which is one
 * memory file the application cannot place. Lists and masks are printed as Linux's
 * cpumap_print_to_pagebuf prints them (lib/bitmap.c), over nr_cpu_ids bits: here the
 * highest CPU + 1.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/synth/synth.h"
#include "kernel.h"
#include "task/task.h"

#define NR_CPUS (ARRAY_SIZE(((struct kernel *)0)->cpumask) * 64)

static bool has_cpu(const u64 *mask, unsigned c)
{
	return c < NR_CPUS && (mask[c / 64] >> (c % 64) & 1);
}

void synth_put_cpulist(FILE *f, const u64 *mask, unsigned nbits)
{
	const char *sep = "";

	for (unsigned c = 0; c < nbits; c++) {
		unsigned last = c;

		if (!has_cpu(mask, c))
			continue;
		while (last + 1 < nbits && has_cpu(mask, last + 1))
			last++;
		fprintf(f, last == c ? "%s%u" : "%s%u-%u", sep, c, last);
		sep = ",";
		c = last;
	}
	fputc('\n', f);
}

void synth_put_cpumask(FILE *f, const u64 *mask, unsigned nbits)
{
	unsigned top = ALIGN_UP(MAX(nbits, 1u), 32) - 32;
	unsigned width = nbits - top;

	for (int w = top; w >= 0; w -= 32) {
		u32 v = mask[w / 64] >> (w % 64);

		if (width < 32)
			v &= (1u << width) - 1;
		fprintf(f, "%s%0*x", (unsigned)w == top ? "" : ",", (int)(width + 3) / 4, v);
		width = 32;
	}
	fputc('\n', f);
}

bool sysfs_is_cpu(struct task *t, const char *name, u32 *cpu)
{
	char *end;
	unsigned long c;

	if (strncmp(name, "cpu", 3) || name[3] < '0' || name[3] > '9' ||
	    (name[3] == '0' && name[4]))
		return false;
	c = strtoul(name + 3, &end, 10);
	if (*end || !has_cpu(t->k->cpumask, c))
		return false;
	*cpu = c;
	return true;
}

int sysfs_readdir_cpus(struct task *t, struct synth_inode *si, struct vfs_dirent **ents,
		       u32 *n, u32 *cap)
{
	int err = 0;

	for (int c = kernel_cpu_next(t->k, -1); c >= 0 && !err; c = kernel_cpu_next(t->k, c)) {
		char name[16];

		snprintf(name, sizeof(name), "cpu%d", c);
		err = synth_dirent_add(ents, n, cap, name, si->base.ino + 0x100 + c,
				       si->id == ST_SYSFS_NODE ? DT_LNK : DT_DIR);
	}
	return err;
}

int sysfs_readlink(struct synth_inode *si, char *buf, size_t len)
{
	char tmp[32];
	int n;

	if (si->kind != SK_LINK)
		return -EINVAL;
	if (si->id == L_SYS_NODE)
		n = snprintf(tmp, sizeof(tmp), "../../node/node0");
	else if (si->id == L_SYS_CPU)
		n = snprintf(tmp, sizeof(tmp), "../../cpu/cpu%u", si->pid);
	else
		return -ENOENT;
	n = MIN((size_t)n, len);
	memcpy(buf, tmp, n);
	return n;
}

/* The CPU files: the sandbox's CPUs, the one CPU @cpu, or none. */
static void gen_cpus(FILE *f, struct kernel *k, u32 gen, u32 cpu)
{
	u64 one[ARRAY_SIZE(k->cpumask)] = { 0 }, none[ARRAY_SIZE(k->cpumask)] = { 0 };
	unsigned nbits = MAX(k->ncpu_ids, 1u);

	if (cpu < NR_CPUS)
		one[cpu / 64] = 1ULL << (cpu % 64);
	switch (gen) {
	case G_SYS_ONLINE:
	case G_SYS_POSSIBLE:
	case G_SYS_PRESENT:
	case G_SYS_CORE_SIBLINGS_LIST:
	case G_SYS_DIE_CPUS_LIST:
	case G_SYS_PACKAGE_CPUS_LIST:
	case G_SYS_NODE_CPULIST:
		synth_put_cpulist(f, k->cpumask, nbits);
		break;
	case G_SYS_OFFLINE:     /* possible but not online: none */
		synth_put_cpulist(f, none, nbits);
		break;
	case G_SYS_CORE_SIBLINGS:
	case G_SYS_DIE_CPUS:
	case G_SYS_PACKAGE_CPUS:
	case G_SYS_NODE_CPUMAP:
		synth_put_cpumask(f, k->cpumask, nbits);
		break;
	case G_SYS_CORE_CPUS_LIST:
	case G_SYS_THREAD_SIBLINGS_LIST:
		synth_put_cpulist(f, one, nbits);
		break;
	case G_SYS_CORE_CPUS:
	case G_SYS_THREAD_SIBLINGS:
		synth_put_cpumask(f, one, nbits);
		break;
	}
}

int sysfs_generate(struct task *t, struct synth_inode *si, char **text, size_t *len)
{
	struct kernel *k = t->k;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return -ENOMEM;
	switch (si->id) {
	case G_SYS_KERNEL_MAX:  /* NR_CPUS - 1: the most CPUs the Sentry can hold */
		fprintf(f, "%zu\n", NR_CPUS - 1);
		break;
	case G_SYS_CPU_ONLINE:
		fputs("1\n", f);
		break;
	case G_SYS_PACKAGE_ID:
	case G_SYS_DIE_ID:
		fputs("0\n", f);
		break;
	case G_SYS_CORE_ID:
		fprintf(f, "%u\n", si->pid);
		break;
	case G_SYS_NODE_ONLINE:
	case G_SYS_NODE_POSSIBLE:
	case G_SYS_NODE_HAS_CPU:
	case G_SYS_NODE_HAS_MEMORY:
	case G_SYS_NODE_HAS_NORMAL_MEMORY:
		fputs("0\n", f);
		break;
	case G_SYS_NODE_DISTANCE:       /* LOCAL_DISTANCE, to itself */
		fputs("10\n", f);
		break;
	case G_SYS_NODE_MEMINFO: {
		u64 total, free;

		/* drivers/base/node.c's first lines: what the sandbox has, as
		 * /proc/meminfo says */
		kernel_meminfo(k, &total, &free);
		fprintf(f, "Node 0 MemTotal:       %8llu kB\nNode 0 MemFree:        %8llu kB\n"
			"Node 0 MemUsed:        %8llu kB\n", (unsigned long long)total >> 10,
			(unsigned long long)free >> 10,
			(unsigned long long)(total - MIN(total, free)) >> 10);
		break;
	}
	default:
		gen_cpus(f, k, si->id, si->pid);
		break;
	}
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*text = buf;
	*len = n;
	return 0;
}
