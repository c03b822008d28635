/*
 * Copy-in and copy-out: every access to application memory goes through here. An
 * application address is translated through the VMA set to the memory file, which
 * the Sentry keeps mapped, so a short copy is a memcpy and costs no host syscall (a
 * long one is a pread or pwrite on the memory file: memfile_io.c says why). A range
 * that is not wholly mapped with the needed protection is -EFAULT, as Linux's
 * copy_{from,to}_user would give.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "memfile/memfile.h"
#include "mm/mm.h"

enum copy_dir { COPY_IN, COPY_OUT, COPY_ZERO, COPY_POKE };

static int copy(struct mm *mm, u64 addr, void *buf, size_t len, enum copy_dir dir)
{
	u8 *p = buf;
	int err = 0;

	if (!len)
		return 0;
	if (addr + len < addr || addr + len > mm->max_addr)
		return -EFAULT;
	pthread_mutex_lock(&mm->lock);
	while (len) {
		struct vma *v = vma_find(mm, addr);
		size_t n;
		u64 off;

		if (!v) {
			err = -EFAULT;
			break;
		}
		if (dir == COPY_IN ? !(v->prot & (PROT_READ | PROT_EXEC))
				   : dir != COPY_POKE && !(v->prot & PROT_WRITE)) {
			err = -EFAULT;
			break;
		}
		/* The Sentry filling a reservation (a file's copy mapped PROT_NONE): what it
		 * writes is memory, counted from now. */
		if (dir == COPY_POKE && (v->flags & VMA_NOACCT)) {
			if (memfile_account(mm->mf, v->off, v->end - v->start)) {
				err = -ENOMEM;
				break;
			}
			v->flags &= ~VMA_NOACCT;
		}
		if (dir != COPY_IN && vma_is_cow(v)) {
			if (vma_break_cow(mm, v)) {
				err = -EFAULT;
				break;
			}
			v = vma_find(mm, addr);         /* it may have been split */
		}
		n = MIN(len, v->end - addr);
		if (v->pages) {
			/* A file's pages: one at a time, made present as a fault would. */
			if (vma_file_page(mm, v, addr, &off)) {
				err = -EFAULT;
				break;
			}
			n = MIN(n, PAGE_SIZE - (addr & ~PAGE_MASK));
			off += addr & ~PAGE_MASK;
		} else {
			off = v->off + (addr - v->start);
			memfile_await(mm->mf, off, n);
		}
		switch (dir) {
		case COPY_IN:
			memfile_read(mm->mf, p, n, off);
			break;
		case COPY_OUT:
		case COPY_POKE:
			memfile_write(mm->mf, p, n, off);
			break;
		case COPY_ZERO:
			memset(memfile_ptr(mm->mf, off), 0, n);
			break;
		}
		if (p)
			p += n;
		addr += n;
		len -= n;
	}
	pthread_mutex_unlock(&mm->lock);
	return err;
}

u64 mm_access_len(struct mm *mm, u64 addr, u64 len, bool write)
{
	u64 a = addr, end = addr + len;

	if (end < addr || end > mm->max_addr)
		end = mm->max_addr;
	pthread_mutex_lock(&mm->lock);
	while (a < end) {
		struct vma *v = vma_find(mm, a);

		if (!v || !(v->prot & (write ? PROT_WRITE : PROT_READ | PROT_EXEC)))
			break;
		a = v->end;
	}
	pthread_mutex_unlock(&mm->lock);
	return a > addr ? MIN(a, end) - addr : 0;
}

int mm_copy_in(struct mm *mm, void *dst, u64 src, size_t len)
{
	return copy(mm, src, dst, len, COPY_IN);
}

int mm_copy_out(struct mm *mm, u64 dst, const void *src, size_t len)
{
	return copy(mm, dst, (void *)src, len, COPY_OUT);
}

int mm_zero_out(struct mm *mm, u64 dst, size_t len)
{
	return copy(mm, dst, NULL, len, COPY_ZERO);
}

int mm_poke(struct mm *mm, u64 dst, const void *src, size_t len)
{
	return copy(mm, dst, (void *)src, len, COPY_POKE);
}

s64 mm_strncpy_in(struct mm *mm, char *dst, u64 src, size_t max)
{
	size_t done = 0;

	/* Copy page by page so a string that ends just before an unmapped page works. */
	while (done < max) {
		size_t chunk = MIN(max - done, PAGE_SIZE - ((src + done) & (PAGE_SIZE - 1)));
		char *nul;

		if (mm_copy_in(mm, dst + done, src + done, chunk))
			return -EFAULT;
		nul = memchr(dst + done, 0, chunk);
		if (nul)
			return nul - dst;
		done += chunk;
	}
	return -ENAMETOOLONG;
}
