/*
 * The host's vDSO, kept in every stub for the sandbox's own vDSO to call
 * (kernel/vdso/app/vdso.c): clock_gettime at native speed, with the host's own
 * clock code and data (pvclock, TSC scaling) rather than a copy of them.
 *
 * The Sentry finds its [vvar]... and [vdso] mappings in /proc/self/maps before it
 * pivots (plat_preopen), the template stub, a fork of the Sentry, moves them with
 * mremap to STUB_HOST_VDSO keeping their distances (the vDSO reaches its data
 * PC-relative), and stub_setup leaves that range mapped while it unmaps everything
 * else. Every stub is a clone of the template, so every address space has it, above
 * the application's range where no mapping of the application can reach.
 *
 * A checkpoint never stops a thread inside it (ptrace_ctx.c steps it out first):
 * another host's vDSO is other code.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "ptrace_platform.h"

#define MAX_RANGES 6

static struct {
	int n;
	uint64_t start[MAX_RANGES], end[MAX_RANGES];
	uint64_t lo, hi;                /* the span of all of them */
	uint64_t vdso;                  /* the [vdso] mapping's start */
	bool moved;                     /* the template moved them (parent's copy) */
} hv;

int ptrace_platform_preopen(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];

	hv.n = 0;
	hv.vdso = 0;
	if (!f)
		return 0;       /* no host vDSO for the sandbox: time calls trap */
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		char name[64] = "";

		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %63s", &s, &e, name) < 2)
			continue;
		if (strncmp(name, "[vvar", 5) && strcmp(name, "[vdso]"))
			continue;
		if (hv.n == MAX_RANGES) {
			hv.n = 0;
			break;
		}
		if (!strcmp(name, "[vdso]"))
			hv.vdso = s;
		hv.start[hv.n] = s;
		hv.end[hv.n++] = e;
	}
	fclose(f);
	if (!hv.n || !hv.vdso)
		return hv.n = 0, 0;
	hv.lo = hv.start[0];
	hv.hi = hv.end[0];
	for (int i = 1; i < hv.n; i++) {
		hv.lo = hv.start[i] < hv.lo ? hv.start[i] : hv.lo;
		hv.hi = hv.end[i] > hv.hi ? hv.end[i] : hv.hi;
	}
	if (hv.hi - hv.lo > STUB_HOST_VDSO_MAX)
		hv.n = 0;
	return 0;
}

/* In the template child, before stub_entry: every range to the same distance from
 * STUB_HOST_VDSO as from the lowest one. */
bool ptrace_host_vdso_move(void)
{
	for (int i = 0; i < hv.n; i++) {
		void *to = (void *)(STUB_HOST_VDSO + (hv.start[i] - hv.lo));
		void *got = mremap((void *)hv.start[i], hv.end[i] - hv.start[i],
				   hv.end[i] - hv.start[i], MREMAP_MAYMOVE | MREMAP_FIXED, to);

		if (got != to)
			return false;
	}
	return hv.n > 0;
}

/* The offset of @name from the start of the ELF image at @base (the vDSO as mapped:
 * its dynamic symbol table, sized by DT_HASH), or 0. */
static uint64_t vdso_sym(const uint8_t *base, const char *name)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const uint32_t *hash = NULL;
	const char *str = NULL;
	uint64_t load = UINT64_MAX;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr < load)
			load = ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
	}
	if (!dyn || load == UINT64_MAX)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const uint8_t *p = base + (dyn->d_un.d_ptr - load);

		if (dyn->d_tag == DT_SYMTAB)
			sym = (const Elf64_Sym *)p;
		else if (dyn->d_tag == DT_STRTAB)
			str = (const char *)p;
		else if (dyn->d_tag == DT_HASH)
			hash = (const uint32_t *)p;
	}
	if (!sym || !str || !hash)
		return 0;
	for (uint32_t i = 0; i < hash[1]; i++)
		if (sym[i].st_name && ELF64_ST_TYPE(sym[i].st_info) == STT_FUNC &&
		    sym[i].st_shndx != SHN_UNDEF && !strcmp(str + sym[i].st_name, name))
			return sym[i].st_value - load;
	return 0;
}

uint64_t ptrace_host_vdso_clock_gettime(void)
{
	const uint8_t *base = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	uint64_t off;

	if (!hv.n || !base || (uint64_t)base != hv.vdso)
		return 0;
	off = vdso_sym(base, "__vdso_clock_gettime");
	if (!off || hv.vdso + off >= hv.hi)
		return 0;
	return STUB_HOST_VDSO + (hv.vdso - hv.lo) + off;
}

bool ptrace_in_host_vdso(uint64_t rip)
{
	return rip >= STUB_HOST_VDSO && rip < STUB_HOST_VDSO + STUB_HOST_VDSO_MAX;
}
