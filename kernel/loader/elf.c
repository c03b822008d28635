/*
 * The ELF loader for static and static-pie x86_64 executables, and the initial stack
 * Linux's create_elf_tables() builds: argc, argv, envp, auxv, then the strings and the
 * 16 AT_RANDOM bytes above them. Every program gets the sandbox's vDSO
 * (AT_SYSINFO_EHDR; vdso/), which reads the clocks without a system call.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "abi/linux.h"
#include "vdso/vdso.h"
#include "kernel.h"
#include "loader/loader.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"
#include "vfs/vfs.h"

#define ELF_ET_DYN_BASE 0x555555554000UL   /* Linux's base for ET_DYN without ASLR */
#define STACK_INITIAL (128 * 1024UL)
#define MMAP_GAP (128UL << 20)              /* Linux's minimum gap below the stack */
#define MAX_PHNUM 64

static int elf_prot(u32 pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) |
	       (pflags & PF_X ? PROT_EXEC : 0);
}

/* Where an image is read from: a host descriptor (the CLI's) or a sandbox file. */
struct ld_src {
	int fd;
	struct vfs_file *f;
};

static int read_full(struct ld_src *src, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	if (src->f) {
		s64 n = src->f->ops->map_read ? src->f->ops->map_read(src->f, buf, len, off)
					      : -ENOEXEC;

		if (n < 0)
			return n;
		return (size_t)n == len ? 0 : -ENOEXEC;
	}
	while (done < len) {
		ssize_t n = pread(src->fd, (char *)buf + done, len - done, off + done);

		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOEXEC; /* truncated */
		done += n;
	}
	return 0;
}

static s64 src_size(struct ld_src *src)
{
	off_t end;

	if (src->f) {
		struct stat st;

		if (src->f->ops->fstat(src->f, &st))
			return -EIO;
		return st.st_size;
	}
	end = lseek(src->fd, 0, SEEK_END);
	return end < 0 ? -errno : end;
}

static int check_header(const Elf64_Ehdr *eh, char *why, size_t whylen)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		snprintf(why, whylen, "not an ELF executable");
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64) {
		snprintf(why, whylen, "not an x86_64 ELF executable");
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
		snprintf(why, whylen, "ELF file is not an executable");
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum || eh->e_phnum > MAX_PHNUM) {
		snprintf(why, whylen, "corrupt ELF program headers");
		return -ENOEXEC;
	}
	return 0;
}

/* Maps [addr, addr+len) fixed and zero-filled, and fills [vaddr, vaddr+n) of it with
 * the file's bytes at @off. */
static int load_copy(struct task *t, struct ld_src *src, u64 addr, u64 len, int prot,
		     u64 vaddr, u64 n, u64 off)
{
	u8 *buf;
	int err;

	err = mm_map_fixed_data(t->mm, addr, len, prot, 0);
	if (err || !n)
		return err;
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	err = read_full(src, buf, n, off);
	if (!err)
		err = mm_poke(t->mm, vaddr, buf, n);
	free(buf);
	return err;
}

/*
 * Maps one PT_LOAD segment. A sandbox file with pages (map_pages) is mapped as
 * Linux's elf_map does, privately from the file, so text is the page cache's and
 * never copied; data is copied at once unless large (mm_copy_data_now); where bss follows, the
 * page holding the end of the file's bytes is a zeroed copy here (Linux maps it
 * from the file and zeroes its tail, a write that would copy the whole data piece
 * at exec), and bss is anonymous zeros. Other sources are copied in.
 */
static int load_segment(struct task *t, struct ld_src *src, const Elf64_Phdr *ph, u64 bias,
			u64 fsize)
{
	u64 vaddr = ph->p_vaddr + bias, fend = vaddr + ph->p_filesz;
	u64 start = ALIGN_DOWN(vaddr, PAGE_SIZE);
	u64 end = PAGE_ALIGN(vaddr + ph->p_memsz), mapped, from;
	int prot = elf_prot(ph->p_flags);
	struct mf_pages *p;
	s64 ret;

	if (ph->p_filesz > ph->p_memsz || ph->p_offset + ph->p_filesz > fsize ||
	    ph->p_offset + ph->p_filesz < ph->p_offset || end > t->mm->max_addr ||
	    end <= start || (ph->p_vaddr & (PAGE_SIZE - 1)) != (ph->p_offset & (PAGE_SIZE - 1)))
		return -ENOEXEC;
	if (!src->f || !src->f->ops->map_pages)
		return load_copy(t, src, start, end - start, prot, vaddr, ph->p_filesz,
				 ph->p_offset);
	mapped = ph->p_memsz > ph->p_filesz ? ALIGN_DOWN(fend, PAGE_SIZE) : PAGE_ALIGN(fend);
	if (mapped > start) {
		u64 off = ALIGN_DOWN(ph->p_offset, PAGE_SIZE);

		ret = vfs_file_map_pages(t, src->f, off, mapped - start, &p);
		if (ret)
			return ret;
		ret = mm_mmap_pages(t->mm, start, mapped - start, prot, MAP_PRIVATE | MAP_FIXED,
				    p, off / PAGE_SIZE, false);
		mf_pages_put(p);
		if (ret < 0)
			return ret;
		/* Data is written as soon as the program runs: copy it now, not at a
		 * fault (two stub round trips on ptrace) */
		if (prot & PROT_WRITE)
			mm_copy_data_now(t->mm, start, mapped);
	}
	if (end <= mapped)
		return 0;
	start = MAX(start, mapped);
	from = MAX(vaddr, start);
	return load_copy(t, src, start, end - start, prot, from, fend > from ? fend - from : 0,
			 ph->p_offset + (from - vaddr));
}

struct stack_builder {
	struct mm *mm;
	u64 sp;
};

static int push_bytes(struct stack_builder *sb, const void *p, size_t len, u64 *addr)
{
	sb->sp -= len;
	*addr = sb->sp;
	return mm_poke(sb->mm, sb->sp, p, len);
}

static int count(char *const v[])
{
	int n = 0;

	while (v && v[n])
		n++;
	return n;
}

static int build_stack(struct task *t, const char *execfn, char *const argv[],
		       char *const envp[], u64 *auxv, int nauxv_fixed)
{
	struct mm *mm = t->mm;
	struct stack_builder sb = { mm, mm->stack_top };
	int argc = count(argv), envc = count(envp), err;
	u64 *vec, execfn_addr, rand_addr, plat_addr, zero = 0, tmp;
	u8 rnd[16];
	size_t nvec;

	err = push_bytes(&sb, &zero, sizeof(zero), &tmp);
	if (!err)
		err = push_bytes(&sb, execfn, strlen(execfn) + 1, &execfn_addr);
	if (err)
		return err;
	vec = calloc(argc + envc + 2 + 2 * (nauxv_fixed + 8) + 1, sizeof(u64));
	if (!vec)
		return -ENOMEM;
	nvec = 0;
	vec[nvec++] = argc;
	mm->env_end = sb.sp;
	for (int i = envc - 1; i >= 0 && !err; i--)
		err = push_bytes(&sb, envp[i], strlen(envp[i]) + 1, &vec[1 + argc + 1 + i]);
	mm->env_start = mm->arg_end = sb.sp;
	for (int i = argc - 1; i >= 0 && !err; i--)
		err = push_bytes(&sb, argv[i], strlen(argv[i]) + 1, &vec[1 + i]);
	mm->arg_start = sb.sp;
	if (!err)
		err = push_bytes(&sb, "x86_64", 7, &plat_addr);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		err = err ? err : -EIO;
	if (!err)
		err = push_bytes(&sb, rnd, sizeof(rnd), &rand_addr);
	if (err)
		goto out;
	nvec = 1 + argc + 1 + envc + 1;
	for (int i = 0; i < nauxv_fixed; i++) {
		vec[nvec++] = auxv[2 * i];
		vec[nvec++] = auxv[2 * i + 1];
	}
	vec[nvec++] = L_AT_RANDOM;
	vec[nvec++] = rand_addr;
	vec[nvec++] = L_AT_EXECFN;
	vec[nvec++] = execfn_addr;
	vec[nvec++] = L_AT_PLATFORM;
	vec[nvec++] = plat_addr;
	vec[nvec++] = L_AT_NULL;
	vec[nvec++] = 0;
	sb.sp = ALIGN_DOWN(sb.sp - nvec * sizeof(u64), 16);
	err = mm_poke(mm, sb.sp, vec, nvec * sizeof(u64));
	t->regs.rsp = sb.sp;
out:
	free(vec);
	return err;
}

/* Reads and checks the ELF header and program headers of @src. */
static int read_headers(struct ld_src *src, Elf64_Ehdr *eh, Elf64_Phdr *ph, char *why,
			size_t whylen)
{
	int err = read_full(src, eh, sizeof(*eh), 0);

	if (err) {
		snprintf(why, whylen, "truncated ELF file");
		return err == -ENOEXEC ? err : err;
	}
	err = check_header(eh, why, whylen);
	if (err)
		return err;
	err = read_full(src, ph, eh->e_phnum * sizeof(Elf64_Phdr), eh->e_phoff);
	if (err)
		snprintf(why, whylen, "truncated ELF file");
	return err;
}

/* Maps the interpreter (ld.so) at an address mmap would pick; *base and *entry. */
static int load_interp(struct task *t, const char *path, u64 *base, u64 *entry, char *why,
		       size_t whylen)
{
	struct ld_src src = { -1, NULL };
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHNUM];
	u64 lo = ~0ULL, hi = 0, bias;
	s64 fsize, addr;
	int err;

	err = vfs_open(t, AT_FDCWD, path, O_RDONLY, 0, 0, &src.f);
	if (err) {
		snprintf(why, whylen, "cannot open the interpreter %s: %s", path, strerror(-err));
		return err;
	}
	err = read_headers(&src, &eh, ph, why, whylen);
	if (err)
		goto out;
	fsize = src_size(&src);
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		lo = MIN(lo, ALIGN_DOWN(ph[i].p_vaddr, PAGE_SIZE));
		hi = MAX(hi, PAGE_ALIGN(ph[i].p_vaddr + ph[i].p_memsz));
	}
	err = -ENOEXEC;
	if (eh.e_type != ET_DYN || hi <= lo) {
		snprintf(why, whylen, "the interpreter %s is not a shared object", path);
		goto out;
	}
	addr = mm_mmap_anon(t->mm, 0, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (addr < 0) {
		err = addr;
		snprintf(why, whylen, "no room for the interpreter");
		goto out;
	}
	bias = addr - lo;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		err = load_segment(t, &src, &ph[i], bias, fsize);
		if (err) {
			snprintf(why, whylen, "cannot load the interpreter %s", path);
			goto out;
		}
	}
	*base = addr;
	*entry = eh.e_entry + bias;
	err = 0;
out:
	vfs_file_put(src.f);
	return err;
}

static int load_elf(struct task *t, struct ld_src *src, const char *execfn,
		    char *const argv[], char *const envp[], char *why, size_t whylen)
{
	struct mm *mm = t->mm;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHNUM];
	u64 bias = 0, brk = 0, phdr = 0, fsize, interp_base = 0, entry;
	u64 auxv[2 * 20], vdso = 0;
	char *interp = NULL;
	s64 end;
	int n = 0, err;

	end = src_size(src);
	if (end < 0) {
		snprintf(why, whylen, "cannot read the program: %s", strerror(-end));
		return end;
	}
	fsize = end;
	err = read_headers(src, &eh, ph, why, whylen);
	if (err)
		return err;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_INTERP)
			continue;
		if (!src->f) {
			snprintf(why, whylen, "dynamic executables need the filesystem, "
				 "which this sbx does not have yet; link it with -static");
			return -ENOEXEC;
		}
		if (interp || ph[i].p_filesz < 2 || ph[i].p_filesz > PATH_MAX) {
			snprintf(why, whylen, "bad ELF interpreter");
			free(interp);
			return -ENOEXEC;
		}
		interp = calloc(1, ph[i].p_filesz + 1);
		if (!interp)
			return -ENOMEM;
		err = read_full(src, interp, ph[i].p_filesz, ph[i].p_offset);
		if (err || interp[ph[i].p_filesz - 1]) {
			snprintf(why, whylen, "bad ELF interpreter");
			free(interp);
			return -ENOEXEC;
		}
	}
	if (eh.e_type == ET_DYN)
		bias = ELF_ET_DYN_BASE;

	mm->stack_top = mm->max_addr;
	mm->mmap_base = mm->stack_top - MMAP_GAP;
	for (int i = 0; i < eh.e_phnum; i++) {
		u64 segend;

		if (ph[i].p_type != PT_LOAD)
			continue;
		err = load_segment(t, src, &ph[i], bias, fsize);
		if (err) {
			snprintf(why, whylen, err == -ENOEXEC ? "corrupt or truncated ELF segment"
							      : "cannot load ELF segment: %s",
				 strerror(-err));
			goto out;
		}
		if (ph[i].p_offset <= eh.e_phoff &&
		    eh.e_phoff < ph[i].p_offset + ph[i].p_filesz)
			phdr = ph[i].p_vaddr + bias + (eh.e_phoff - ph[i].p_offset);
		segend = ph[i].p_vaddr + bias + ph[i].p_memsz;
		brk = MAX(brk, segend);
	}
	if (!brk) {
		snprintf(why, whylen, "ELF file has nothing to load");
		err = -ENOEXEC;
		goto out;
	}
	mm->brk_start = mm->brk = PAGE_ALIGN(brk);

	err = mm_map_fixed_data(mm, mm->stack_top - STACK_INITIAL, STACK_INITIAL,
				PROT_READ | PROT_WRITE, VMA_GROWSDOWN | VMA_STACK);
	if (err) {
		snprintf(why, whylen, "cannot map the stack: %s", strerror(-err));
		goto out;
	}
	entry = eh.e_entry + bias;
	if (interp) {
		err = load_interp(t, interp, &interp_base, &entry, why, whylen);
		if (err)
			goto out;
	}
	/* Without it (no room left?) the program still runs: its time calls trap. */
	if (vdso_map(t->k, mm, &vdso))
		vdso = 0;
#define AUX(k, v) (auxv[2 * n] = (k), auxv[2 * n + 1] = (v), n++)
	if (vdso)
		AUX(L_AT_SYSINFO_EHDR, vdso);
	AUX(L_AT_HWCAP, t->k->cpuid.leaf1_edx);
	AUX(L_AT_PAGESZ, PAGE_SIZE);
	AUX(L_AT_CLKTCK, 100);
	AUX(L_AT_PHDR, phdr);
	AUX(L_AT_PHENT, sizeof(Elf64_Phdr));
	AUX(L_AT_PHNUM, eh.e_phnum);
	AUX(L_AT_BASE, interp_base);
	AUX(L_AT_FLAGS, 0);
	AUX(L_AT_ENTRY, eh.e_entry + bias);
	AUX(L_AT_UID, t->uid);
	AUX(L_AT_EUID, t->euid);
	AUX(L_AT_GID, t->gid);
	AUX(L_AT_EGID, t->egid);
	AUX(L_AT_SECURE, 0);
	AUX(L_AT_HWCAP2, t->k->cpuid.leaf7_ebx & 1 ? 2 : 0); /* HWCAP2_FSGSBASE */
	AUX(L_AT_MINSIGSTKSZ,
	    ALIGN_UP(sizeof(struct l_rt_sigframe) + t->fpstate_len + 4, 64) + 128);
#undef AUX
	err = build_stack(t, execfn, argv, envp, auxv, n);
	if (err) {
		snprintf(why, whylen, "arguments and environment too large");
		err = err == -EFAULT ? -E2BIG : err;
		goto out;
	}
	t->regs.rip = entry;
	t->regs.cs = USER_CS;
	t->regs.ss = USER_DS;
	t->regs.eflags = 0x202;
	snprintf(t->comm, sizeof(t->comm), "%s",
		 strrchr(execfn, '/') ? strrchr(execfn, '/') + 1 : execfn);
out:
	free(interp);
	return err;
}

int loader_exec_file(struct task *t, struct vfs_file *f, const char *execfn,
		     char *const argv[], char *const envp[], char *why, size_t whylen)
{
	struct ld_src src = { -1, f };

	return load_elf(t, &src, execfn, argv, envp, why, whylen);
}

int loader_exec(struct task *t, int fd, const char *execfn, char *const argv[],
		char *const envp[], char *why, size_t whylen)
{
	struct ld_src src = { fd, NULL };

	if (fd < 0) {
		char path[PATH_MAX];
		int err = loader_find_on_path(t, execfn, envp, path, sizeof(path));

		if (err) {
			snprintf(why, whylen, "%s", strerror(-err));
			return err;
		}
		return loader_exec_path(t, path, argv, envp, why, whylen);
	}
	return load_elf(t, &src, execfn, argv, envp, why, whylen);
}
