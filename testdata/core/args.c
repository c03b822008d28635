/* args: echoes argc, argv and envp, then the auxiliary vector entries that are the same
 * on every run (AT_PAGESZ, AT_CLKTCK, AT_SECURE, AT_PHNUM, AT_PHENT, AT_PLATFORM) and,
 * for those holding addresses, only whether they are present and sane: AT_RANDOM points
 * at 16 readable bytes, AT_PHDR at this binary's program headers (right after its ELF
 * header, from which the load bias and e_entry follow), AT_ENTRY is _start, AT_EXECFN is the path that was executed (as
 * argv[0] is, when run by path), AT_HWCAP is non-zero. Also checks that the initial
 * stack is laid out as the ABI says (argv, envp and auxv contiguous). Never prints
 * addresses. The harness fixes the environment, so envp is the same in both runs. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

extern char _start[];

static const Elf64_auxv_t *find(const Elf64_auxv_t *av, unsigned long type)
{
	for (; av->a_type != AT_NULL; av++)
		if (av->a_type == type)
			return av;
	return NULL;
}

static void print_val(const Elf64_auxv_t *av, const char *name, unsigned long type)
{
	const Elf64_auxv_t *e = find(av, type);

	if (e)
		printf("%s: %lu\n", name, (unsigned long)e->a_un.a_val);
	else
		printf("%s: absent\n", name);
}

int main(int argc, char **argv, char **envp)
{
	char **p = envp;
	const Elf64_auxv_t *av, *e;
	int n = 0;

	printf("argc: %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]: \"%s\"\n", i, argv[i]);
	printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
	printf("envp follows argv: %s\n", envp == argv + argc + 1 ? "yes" : "no");
	for (; *p; p++, n++)
		printf("envp[%d]: \"%s\"\n", n, *p);
	printf("envc: %d\n", n);
	av = (const Elf64_auxv_t *)(p + 1);

	print_val(av, "AT_PAGESZ", AT_PAGESZ);
	print_val(av, "AT_CLKTCK", AT_CLKTCK);
	print_val(av, "AT_SECURE", AT_SECURE);
	print_val(av, "AT_PHNUM", AT_PHNUM);
	print_val(av, "AT_PHENT", AT_PHENT);
	printf("getauxval agrees on AT_PAGESZ: %s\n",
	       find(av, AT_PAGESZ) && getauxval(AT_PAGESZ) == find(av, AT_PAGESZ)->a_un.a_val
		       ? "yes" : "no");

	e = find(av, AT_RANDOM);
	if (e && e->a_un.a_val) {
		const volatile unsigned char *r = (const void *)e->a_un.a_val;
		unsigned x = 0;
		for (int i = 0; i < 16; i++)
			x |= r[i];
		printf("AT_RANDOM: present, 16 bytes readable, %s\n",
		       x ? "not all zero" : "all zero");
	} else {
		printf("AT_RANDOM: %s\n", e ? "null" : "absent");
	}

	e = find(av, AT_PHDR);
	if (e && e->a_un.a_val) {
		const ElfW(Phdr) *ph = (const void *)e->a_un.a_val;
		const Elf64_auxv_t *num = find(av, AT_PHNUM);
		int loads = 0, self = 0;
		for (unsigned long i = 0; num && i < num->a_un.a_val; i++) {
			if (ph[i].p_type == PT_LOAD)
				loads++;
			if (ph[i].p_type == PT_PHDR)
				self = 1;
		}
		printf("AT_PHDR: present, PT_LOAD segments %d, PT_PHDR %s\n", loads,
		       self ? "present" : "absent");
		/* These binaries put the program headers right after the ELF header (e_phoff
		 * 64), inside the PT_LOAD segment with file offset 0; the load bias follows. */
		const ElfW(Ehdr) *eh = (const void *)(e->a_un.a_val - sizeof(ElfW(Ehdr)));
		const Elf64_auxv_t *ent = find(av, AT_ENTRY);
		printf("ELF header before AT_PHDR: %s\n",
		       !memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_phoff == sizeof(*eh) &&
				       num && eh->e_phnum == num->a_un.a_val
			       ? "yes" : "no");
		for (unsigned long i = 0; num && i < num->a_un.a_val; i++) {
			if (ph[i].p_type != PT_LOAD || ph[i].p_offset != 0)
				continue;
			unsigned long bias = (unsigned long)eh - ph[i].p_vaddr;
			printf("load bias page aligned: %s, %s\n", bias % 4096 == 0 ? "yes" : "no",
			       eh->e_type == ET_DYN ? "ET_DYN" : bias == 0 ? "ET_EXEC at 0" : "ET_EXEC moved!");
			if (ent)
				printf("AT_ENTRY - bias == e_entry: %s\n",
				       ent->a_un.a_val - bias == eh->e_entry ? "yes" : "no");
		}
	} else {
		printf("AT_PHDR: %s\n", e ? "null" : "absent");
	}

	e = find(av, AT_ENTRY);
	if (e)
		printf("AT_ENTRY: present, is _start: %s\n",
		       e->a_un.a_val == (unsigned long)_start ? "yes" : "no");
	else
		printf("AT_ENTRY: absent\n");

	e = find(av, AT_EXECFN);
	if (e && e->a_un.a_val)
		printf("AT_EXECFN: present, equals argv[0]: %s\n",
		       !strcmp((const char *)e->a_un.a_val, argv[0]) ? "yes" : "no");
	else
		printf("AT_EXECFN: %s\n", e ? "null" : "absent");

	e = find(av, AT_PLATFORM);
	if (e && e->a_un.a_val)
		printf("AT_PLATFORM: \"%s\"\n", (const char *)e->a_un.a_val);
	else
		printf("AT_PLATFORM: %s\n", e ? "null" : "absent");

	e = find(av, AT_HWCAP);
	if (e)
		printf("AT_HWCAP: present, %s\n", e->a_un.a_val ? "non-zero" : "zero");
	else
		printf("AT_HWCAP: absent\n");
	return 0;
}
