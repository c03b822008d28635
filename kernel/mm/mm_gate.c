/*
 * Address ranges gated by a lazy restore (checkpoint/lazy.c). An address space built
 * while the memory file is still being loaded maps each VMA whose memory is not all
 * loaded PROT_NONE and records the range here. The application's first touch of a
 * gated range faults; mm_fault hands it to mm_gate_fault, which loads the memory of
 * the 1 MiB window around the address, maps that window with the VMA's protections
 * and ungates it (the retry then proceeds, or faults for a real reason). Operations
 * that remap or change a gated range with access (mprotect, madvise, mremap,
 * copy-on-write, fork) ungate it first; unmapping only forgets it (the memory file
 * loads a range before it frees it). Once every range is ungated, the mm behaves as
 * if it had never been gated. mm->lock held for all of these.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "memfile/memfile.h"
#include "mm/mm_internal.h"
#include "platform.h"

#define GATE_WINDOW (1UL << 20)

static int gate_add(struct mm *mm, u64 start, u64 end)
{
	if (mm->ngates && mm->gates[mm->ngates - 1].end == start) {
		mm->gates[mm->ngates - 1].end = end;
		return 0;
	}
	if (mm->ngates == mm->gcap) {
		u32 cap = mm->gcap ? mm->gcap * 2 : 16;
		struct mm_gate *g = realloc(mm->gates, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		mm->gates = g;
		mm->gcap = cap;
	}
	mm->gates[mm->ngates++] = (struct mm_gate){ start, end };
	return 0;
}

int mm_gate_map(struct mm *mm, const struct vma *v, struct plat_as_op *op)
{
	u64 len = v->end - v->start;

	*op = (struct plat_as_op){
		.kind = PLAT_AS_MAP, .prot = vma_map_prot(v),
		.addr = v->start, .len = len, .file_off = v->off,
	};
	if (!memfile_pending(mm->mf, v->off, len))
		return 0;
	op->prot = PROT_NONE;
	return gate_add(mm, v->start, v->end);
}

/* Removes [start, end) from the gates (called in address order per gate). */
static int gate_cut(struct mm *mm, u64 start, u64 end)
{
	for (u32 i = 0; i < mm->ngates; i++) {
		struct mm_gate *g = &mm->gates[i];

		if (g->end <= start || g->start >= end)
			continue;
		if (g->start < start && g->end > end) {
			struct mm_gate tail = { end, g->end };

			g->end = start;
			if (gate_add(mm, 0, 0))  /* make room, then place the tail after i */
				return -ENOMEM;
			mm->ngates--;
			for (u32 j = mm->ngates; j > i + 1; j--)
				mm->gates[j] = mm->gates[j - 1];
			mm->gates[i + 1] = tail;
			mm->ngates++;
			return 0;
		}
		if (g->start < start) {
			g->end = start;
		} else if (g->end > end) {
			g->start = end;
		} else {
			for (u32 j = i + 1; j < mm->ngates; j++)
				mm->gates[j - 1] = mm->gates[j];
			mm->ngates--;
			i--;
		}
	}
	return 0;
}

void mm_gate_drop(struct mm *mm, u64 start, u64 end)
{
	if (mm->ngates)
		gate_cut(mm, start, end);
}

/* Loads and maps the gated parts of [start, end) with their VMAs' protections. */
static int ungate_piece(struct mm *mm, u64 start, u64 end)
{
	for (u64 a = start; a < end;) {
		u32 i = vma_index_after(mm, a);
		struct vma *v = i < mm->nvmas ? &mm->vmas[i] : NULL;
		u64 s, e, off;
		int err;

		if (!v || v->start >= end)
			break;
		s = MAX(a, v->start);
		e = MIN(end, v->end);
		if (v->pages) {
			a = e;
			continue;
		}
		off = v->off + (s - v->start);
		memfile_await(mm->mf, off, e - s);
		err = mm_as_map(mm, s, e - s, vma_map_prot(v), off);
		if (err)
			return err;
		a = e;
	}
	return 0;
}

int mm_ungate(struct mm *mm, u64 start, u64 end)
{
	int err;

	for (u32 i = 0; i < mm->ngates; i++) {
		struct mm_gate *g = &mm->gates[i];

		if (g->end <= start || g->start >= end)
			continue;
		err = ungate_piece(mm, MAX(g->start, start), MIN(g->end, end));
		if (err)
			return err;
	}
	return mm->ngates ? gate_cut(mm, start, end) : 0;
}

bool mm_gate_fault(struct mm *mm, u64 addr)
{
	u64 ws = ALIGN_DOWN(addr, GATE_WINDOW);

	for (u32 i = 0; i < mm->ngates; i++) {
		if (mm->gates[i].start <= addr && addr < mm->gates[i].end)
			return !mm_ungate(mm, ws, ws + GATE_WINDOW);
	}
	return false;
}
