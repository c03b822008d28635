/*
 * Address spaces: 4-level guest page tables in the arena, built eagerly by as_map and
 * kept in sync by as_unmap/as_protect.
 *
 * Shadow paging (kvm_pvm) makes one rule: the hypervisor write-protects every guest
 * page-table page it shadows and learns of changes only from guest writes it traps.
 * Host writes through the arena mapping are invisible to it. So:
 *  - making an entry present (not-present -> present) is a host write: the hypervisor
 *    holds no translation for a not-present entry and reads the tables afresh on the
 *    fault;
 *  - changing or clearing a present entry, in a space some vCPU has loaded, is queued
 *    and done by the guest: the service vCPU runs kvm_tramp_ptapply;
 *  - a freed page-table page is zeroed by the guest before reuse, so no stale shadow
 *    of it survives into another space (KVM drops a shadow page after a few trapped
 *    writes, the rest are plain stores).
 * Under hardware EPT the same writes are merely slower than necessary. Downgrades
 * also bump the space's TLB generation; each vCPU flushes before it next enters user
 * mode in that space (kvm_ctx.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm_platform.h"

#define PTE_P		0x1ull
#define PTE_W		0x2ull
#define PTE_U		0x4ull
#define PTE_A		0x20ull
#define PTE_D		0x40ull
#define PTE_PS		0x80ull
#define PTE_SOFT_NONE	0x200ull	/* software bit: mapped PROT_NONE (not present) */
#define PTE_NX		(1ull << 63)
#define PTE_ADDR	0x000ffffffffff000ull
#define PAGE		4096ull

#define KVM_PT_PAGES	((KVM_ARENA_SIZE - KVM_PT_POOL_OFF) / PAGE)

static uint64_t *kvm_pt_page(struct kvm_platform *p, uint64_t off)
{
	return kvm_arena_ptr(p, off);
}

/* Arena offset of the table an entry points to. */
static uint64_t kvm_pte_table(struct kvm_platform *p, uint64_t e)
{
	return (e & PTE_ADDR) - p->arena_gpa;
}

int kvm_pt_alloc(struct kvm_platform *p, uint64_t *off)
{
	if (p->pt_nfree) {
		*off = (uint64_t)p->pt_free[--p->pt_nfree] * PAGE;
		return 0;
	}
	if (p->pt_next >= KVM_ARENA_SIZE / PAGE) {
		kvm_pt_flush_ops(p);	/* frees pages waiting to be zeroed */
		if (!p->pt_nfree)
			return -ENOMEM;
		*off = (uint64_t)p->pt_free[--p->pt_nfree] * PAGE;
		return 0;
	}
	*off = (uint64_t)p->pt_next++ * PAGE;
	return 0;
}

/* Runs the queued guest writes on the service vCPU. Called with p->lock held. */
int kvm_pt_flush_ops(struct kvm_platform *p)
{
	struct kvm_regs *r;
	int err;

	if (!p->nops)
		return 0;
	r = &p->service->run->s.regs.regs;
	r->rbx = KVM_SUP_VA + KVM_OPS_OFF;
	r->rbp = p->nops;
	r->rflags = 2;
	err = kvm_vcpu_run_tramp(p, p->service, kvm_tramp_off(kvm_tramp_ptapply),
				 KVM_PORT_PTDONE, 2000);
	p->nops = 0;
	if (err)
		return err;
	while (p->pt_ndirty)
		p->pt_free[p->pt_nfree++] = p->pt_dirty[--p->pt_ndirty];
	return 0;
}

static int kvm_pt_queue(struct kvm_platform *p, uint64_t dst_va, uint64_t val)
{
	uint64_t *op;
	int err;

	if (p->nops == KVM_OPS_MAX) {
		err = kvm_pt_flush_ops(p);
		if (err)
			return err;
	}
	op = kvm_arena_ptr(p, KVM_OPS_OFF + (uint64_t)p->nops * 16);
	op[0] = dst_va;
	op[1] = val;
	p->nops++;
	return 0;
}

/* Frees a table page: the guest zeroes it first if a vCPU may have shadowed it. */
static int kvm_pt_free(struct kvm_platform *p, uint64_t off, bool shadowed)
{
	int err;

	if (!shadowed) {
		memset(kvm_pt_page(p, off), 0, PAGE);
		p->pt_free[p->pt_nfree++] = off / PAGE;
		return 0;
	}
	/* Queue first: a full queue is flushed, and frees what is dirty, before. */
	err = kvm_pt_queue(p, (KVM_SUP_VA + off) | 1, 0);
	if (!err)
		p->pt_dirty[p->pt_ndirty++] = off / PAGE;
	return err;
}

/* The supervisor window (2 MiB pages over the arena), the boot root, the VMX IDT. */
int kvm_pt_init(struct kvm_platform *p)
{
	uint64_t pd, *e;
	int err;

	p->pt_next = KVM_PT_POOL_OFF / PAGE;
	p->pt_free = calloc(KVM_PT_PAGES, sizeof(uint32_t));
	p->pt_dirty = calloc(KVM_PT_PAGES, sizeof(uint32_t));
	if (!p->pt_free || !p->pt_dirty)
		return -ENOMEM;
	err = kvm_pt_alloc(p, &p->sup_pdpt);
	if (!err)
		err = kvm_pt_alloc(p, &pd);
	if (!err)
		err = kvm_pt_alloc(p, &p->boot_pml4);
	if (err)
		return err;
	e = kvm_pt_page(p, pd);
	for (uint64_t i = 0; i < KVM_ARENA_SIZE / 0x200000; i++)
		e[i] = (p->arena_gpa + i * 0x200000) | PTE_P | PTE_W | PTE_PS | PTE_A | PTE_D;
	kvm_pt_page(p, p->sup_pdpt)[0] = (p->arena_gpa + pd) | PTE_P | PTE_W | PTE_A;
	kvm_pt_page(p, p->boot_pml4)[KVM_SUP_PML4_INDEX] =
		(p->arena_gpa + p->sup_pdpt) | PTE_P | PTE_W | PTE_A;

	/* The native-mode SYSCALL landing: "ud2". */
	memcpy(kvm_arena_ptr(p, KVM_LANDING_OFF), "\x0f\x0b", 2);

	if (kvm_mode_idt(p->mode)) {
		uint64_t *idt = kvm_arena_ptr(p, KVM_IDT_OFF);

		for (int v = 0; v <= 0x80; v++) {
			uint64_t h = KVM_SUP_VA + (v == 0x80 ? kvm_tramp_off(kvm_vmx_int80) :
				     kvm_tramp_off(kvm_vmx_vectors) + v * KVM_VMX_STUB_SIZE);
			int dpl = v == 3 || v == 4 || v == 0x80 ? 3 : 0;

			if (v >= KVM_VMX_NVEC && v != 0x80)
				continue;	/* not present: #GP */
			idt[2 * v] = (h & 0xffff) | (uint64_t)KVM_KERNEL_CS << 16 |
				     (uint64_t)(0x8e | dpl << 5) << 40 |
				     ((h >> 16) & 0xffff) << 48;
			idt[2 * v + 1] = h >> 32;
		}
	}
	return 0;
}

/*
 * Host pointer to the leaf entry for @va, creating missing tables when @alloc (new
 * tables are clean pages: host writes are safe). NULL if absent, or on -ENOMEM with
 * *err set.
 */
static uint64_t *kvm_pt_walk(struct kvm_as *as, uint64_t va, bool alloc, int *err)
{
	struct kvm_platform *p = as->p;
	uint64_t table = as->pml4, *e, off;

	for (int shift = 39; shift > 12; shift -= 9) {
		e = &kvm_pt_page(p, table)[(va >> shift) & 0x1ff];
		if (!(*e & PTE_P)) {
			if (!alloc)
				return NULL;
			*err = kvm_pt_alloc(p, &off);
			if (*err)
				return NULL;
			*e = (p->arena_gpa + off) | PTE_P | PTE_W | PTE_U | PTE_A;
		}
		table = kvm_pte_table(p, *e);
	}
	return &kvm_pt_page(p, table)[(va >> 12) & 0x1ff];
}

/* Writes a leaf entry by the rules above. Returns 1 if a flush is needed. */
static int kvm_pte_set(struct kvm_as *as, uint64_t *pte, uint64_t val)
{
	struct kvm_platform *p = as->p;
	uint64_t old = *pte, off = (uint8_t *)pte - p->arena;
	int err;

	if (old == val)
		return 0;
	if (!(old & PTE_P) || !as->loaded) {
		*pte = val;
		return old & PTE_P ? 1 : 0;
	}
	err = kvm_pt_queue(p, KVM_SUP_VA + off, val);
	return err ? err : 1;
}

static uint64_t kvm_pte_flags(int prot)
{
	uint64_t f;

	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return PTE_SOFT_NONE;
	f = PTE_P | PTE_U | PTE_A;
	if (prot & PROT_WRITE)
		f |= PTE_W | PTE_D;
	if (!(prot & PROT_EXEC))
		f |= PTE_NX;
	return f;
}

static int kvm_range_ok(struct kvm_as *as, uint64_t addr, uint64_t len)
{
	if ((addr | len) & (PAGE - 1) || !len)
		return -EINVAL;
	if (addr + len < addr || addr + len > as->p->base.max_user_addr)
		return -EINVAL;
	return 0;
}

/* Ends an operation: run the queued guest writes, then ask for TLB flushes. */
static int kvm_as_op_end(struct kvm_as *as, int flush, int err)
{
	int ferr = kvm_pt_flush_ops(as->p);

	if (flush > 0)
		__atomic_add_fetch(&as->tlb_gen, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&as->p->lock);
	return err ? err : ferr;
}

int kvm_as_map(struct plat_as *pas, uint64_t addr, uint64_t len, int prot,
	       uint64_t file_off)
{
	struct kvm_as *as = to_kvm_as(pas);
	struct kvm_platform *p = as->p;
	uint64_t flags = kvm_pte_flags(prot), *pte;
	int err = kvm_range_ok(as, addr, len), flush = 0, r;

	if (err)
		return err;
	/*
	 * Past the memory file's end is allowed, as the host's mmap allows it (an access
	 * there is SIGBUS); the arena above is not.
	 */
	if (file_off & (PAGE - 1) || file_off + len > p->arena_gpa || file_off + len < len)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	err = kvm_mem_chunks_add(p, file_off, len);
	for (uint64_t i = 0; i < len && !err; i += PAGE) {
		pte = kvm_pt_walk(as, addr + i, true, &err);
		if (!pte)
			break;
		r = kvm_pte_set(as, pte, (file_off + i) | flags);
		if (r < 0) {
			err = r;
			break;
		}
		flush |= r;
	}
	return kvm_as_op_end(as, flush, err);
}

/* Applies @fn to every existing leaf entry in the range; skips absent tables whole. */
static int kvm_as_update(struct kvm_as *as, uint64_t addr, uint64_t len, int prot,
			 bool unmap)
{
	struct kvm_platform *p = as->p;
	uint64_t end = addr + len, va = addr, *pte, val;
	int err = kvm_range_ok(as, addr, len), flush = 0, r;

	if (err)
		return err;
	pthread_mutex_lock(&p->lock);
	while (va < end) {
		pte = kvm_pt_walk(as, va, false, &err);
		if (!pte) {
			va = (va + 0x200000) & ~0x1fffffull;	/* no leaf table here */
			continue;
		}
		if (*pte) {
			val = unmap ? 0 : (*pte & PTE_ADDR) | kvm_pte_flags(prot);
			r = kvm_pte_set(as, pte, val);
			if (r < 0) {
				err = r;
				break;
			}
			flush |= r;
		}
		va += PAGE;
	}
	return kvm_as_op_end(as, flush, err);
}

int kvm_as_unmap(struct plat_as *as, uint64_t addr, uint64_t len)
{
	return kvm_as_update(to_kvm_as(as), addr, len, 0, true);
}

int kvm_as_protect(struct plat_as *as, uint64_t addr, uint64_t len, int prot)
{
	return kvm_as_update(to_kvm_as(as), addr, len, prot, false);
}

int kvm_as_new(struct platform *pp, struct plat_as **out)
{
	struct kvm_platform *p = to_kvm_platform(pp);
	struct kvm_as *as;
	int err;

	as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->p = p;
	pthread_mutex_lock(&p->lock);
	err = kvm_pt_alloc(p, &as->pml4);
	if (!err)
		kvm_pt_page(p, as->pml4)[KVM_SUP_PML4_INDEX] =
			(p->arena_gpa + p->sup_pdpt) | PTE_P | PTE_W | PTE_A;
	if (!err && p->mode == KVM_MODE_NATIVE) {
		uint64_t *pte = kvm_pt_walk(as, KVM_LANDING_VA, true, &err);

		if (pte)
			*pte = (p->arena_gpa + KVM_LANDING_OFF) | PTE_P | PTE_U | PTE_A;
	}
	pthread_mutex_unlock(&p->lock);
	if (err) {
		free(as);
		return err;
	}
	*out = (struct plat_as *)as;
	return 0;
}

/* Frees the tables below @table (at @level: 4 = PML4 ... 1 = leaf) and itself. */
static void kvm_pt_free_tree(struct kvm_as *as, uint64_t table, int level)
{
	struct kvm_platform *p = as->p;
	uint64_t *e = kvm_pt_page(p, table);
	int n = level == 4 ? 256 : 512;	/* a root's upper half is the shared window */

	if (level > 1)
		for (int i = 0; i < n; i++)
			if (e[i] & PTE_P)
				kvm_pt_free_tree(as, kvm_pte_table(p, e[i]), level - 1);
	if (level == 4 && !as->loaded)
		e[KVM_SUP_PML4_INDEX] = 0;
	kvm_pt_free(p, table, as->loaded);
}

void kvm_as_destroy(struct plat_as *pas)
{
	struct kvm_as *as = to_kvm_as(pas);
	struct kvm_platform *p = as->p;

	pthread_mutex_lock(&p->lock);
	kvm_pt_free_tree(as, as->pml4, 4);
	kvm_pt_flush_ops(p);
	pthread_mutex_unlock(&p->lock);
	free(as);
}

/*
 * Host pointer to the byte at application address @va if it is mapped (and writable
 * when @write), else NULL. For the switch's instruction and stack peeks.
 */
void *kvm_as_translate(struct kvm_as *as, uint64_t va, bool write, uint64_t *ptep)
{
	uint64_t *pte, gpa;
	int err = 0;

	if (va >= as->p->base.max_user_addr)
		return NULL;
	pte = kvm_pt_walk(as, va, false, &err);
	if (ptep)
		*ptep = pte ? *pte : 0;
	if (!pte || !(*pte & PTE_P) || (write && !(*pte & PTE_W)))
		return NULL;
	gpa = (*pte & PTE_ADDR) + (va & (PAGE - 1));
	return gpa < as->p->mem_size ? as->p->mem + gpa : NULL;
}

/* Guest time is charged to the host thread as user time; the Sentry's own work in
 * the switch is a little of it. */
int kvm_as_cpu_time(struct plat_as *pas, uint64_t *user_ns, uint64_t *sys_ns)
{
	*user_ns = __atomic_load_n(&to_kvm_as(pas)->cpu_ns, __ATOMIC_RELAXED);
	*sys_ns = 0;
	return 0;
}
