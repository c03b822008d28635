/* fam_io: read/write and their positional and vector forms (pread, pwrite, readv,
 * writev, preadv, pwritev, preadv2, pwritev2 with their flags), O_APPEND, lseek
 * including SEEK_DATA/SEEK_HOLE on files without holes, fallocate, and reads of a
 * host file through the gofer (argv[1]). See fam.h. */
#include "fam.h"

#include <sys/uio.h>

static void contents(const char *label, int fd)
{
	char buf[20000];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	size_t nz = 0;

	for (ssize_t i = 0; i < n; i++)
		nz += buf[i] != 0;
	P("%-30s %zd bytes, %zu non-zero, hash %016llx\n", label, n, nz,
	  fam_fnv(buf, n > 0 ? n : 0));
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "/etc";
	char buf[10000], a[8], b[8], c[8], hp[PATH_MAX];
	struct iovec iov[3] = { { a, 4 }, { b, 0 }, { c, 5 } };
	int fd, ro, wo, ap, dfd, hf;

	fam_enter();
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = 'A' + i % 23;
	fd = open("f", O_CREAT | O_RDWR, 0644);

	P("== read write\n");
	T(write(fd, buf, sizeof(buf)));
	T(lseek(fd, 0, SEEK_CUR));
	T(read(fd, buf, 10));
	T(lseek(fd, 9990, SEEK_SET));
	T(read(fd, buf, 100));
	T(read(fd, buf, 100));
	T(write(fd, "tail", 4));
	T(read(fd, NULL, 0));
	T(write(fd, NULL, 0));
	T(read(fd, (void *)1, 10));
	T(lseek(fd, 0, SEEK_SET));
	T(read(fd, (void *)1, 10));
	T(write(fd, (void *)1, 10));
	T(read(999, buf, 1));
	ro = open("f", O_RDONLY);
	wo = open("f", O_WRONLY);
	T(write(ro, "x", 1));
	T(read(wo, buf, 1));
	dfd = open(".", O_RDONLY | O_DIRECTORY);
	T(read(dfd, buf, 1));
	T(write(dfd, "x", 1));
	contents("f", fd);

	P("== pread pwrite\n");
	T(pread(fd, buf, 5, 3));
	P("got \"%.5s\"\n", buf);
	T(pread(fd, buf, 5, 100000));
	T(pread(fd, buf, 5, -1));
	T(pwrite(fd, "PW", 2, 10010));
	T(lseek(fd, 0, SEEK_CUR));
	contents("f after pwrite past end", fd);
	T(pread(dfd, buf, 1, 0));
	T(pwrite(ro, "x", 1, 0));
	ap = open("f", O_WRONLY | O_APPEND);
	T(pwrite(ap, "APP", 3, 0));
	T(lseek(ap, 0, SEEK_CUR));
	T(write(ap, "END", 3));
	T(lseek(ap, 0, SEEK_CUR));
	T(lseek(ap, 0, SEEK_SET));
	T(write(ap, "E2", 2));
	T(lseek(ap, 0, SEEK_CUR));
	contents("f after appends", fd);

	P("== readv writev\n");
	T(lseek(fd, 0, SEEK_SET));
	T(readv(fd, iov, 3));
	P("got \"%.4s\" \"%.5s\"\n", a, c);
	T(readv(fd, iov, 0));
	T(readv(fd, iov, 1025));
	T(readv(fd, iov, -1));
	T(readv(fd, NULL, 1));
	memcpy(a, "wxyz", 4);
	memcpy(c, "12345", 5);
	T(writev(fd, iov, 3));
	T(lseek(fd, 0, SEEK_CUR));
	{
		struct iovec bad[2] = { { a, 4 }, { a, (size_t)-1 } };
		struct iovec fault[2] = { { a, 4 }, { (void *)8, 4 } };

		T(writev(fd, bad, 2));
		T(writev(fd, fault, 2));
		T(lseek(fd, 0, SEEK_CUR));
		T(readv(fd, fault, 2));
		T(lseek(fd, 0, SEEK_CUR));
	}
	T(preadv(fd, iov, 3, 0));
	P("got \"%.4s\" \"%.5s\"\n", a, c);
	T(pwritev(fd, iov, 3, 100));
	T(preadv(fd, iov, 3, -2));
	T(preadv2(fd, iov, 3, -1, 0));
	T(lseek(fd, 0, SEEK_CUR));
	T(preadv2(fd, iov, 3, 0, RWF_HIPRI));
	T(preadv2(fd, iov, 3, 0, 0x1000));
	T(pwritev2(fd, iov, 3, 0, RWF_APPEND));
	T(lseek(fd, 0, SEEK_CUR));
	T(pwritev2(fd, iov, 3, 0, RWF_DSYNC | RWF_SYNC));
	T(pwritev2(fd, iov, 3, -1, 0));
	T(lseek(fd, 0, SEEK_CUR));
	contents("f after vectors", fd);

	P("== lseek\n");
	T(lseek(fd, 0, SEEK_END));
	T(lseek(fd, -10, SEEK_END));
	T(lseek(fd, -1, SEEK_SET));
	T(lseek(fd, -100000, SEEK_CUR));
	T(lseek(fd, 5, 99));
	T(lseek(fd, 0, SEEK_DATA));
	T(lseek(fd, 100, SEEK_DATA));
	T(lseek(fd, 0, SEEK_HOLE));
	T(lseek(fd, 10100, SEEK_DATA));
	T(lseek(fd, 10100, SEEK_HOLE));
	T(lseek(fd, 1 << 30, SEEK_DATA));
	T(lseek(fd, -1, SEEK_DATA));
	T(read(fd, buf, 10));
	T(lseek(999, 0, SEEK_SET));

	P("== fallocate\n");
	T(ftruncate(fd, 100));
	T(fallocate(fd, 0, 0, 200));
	contents("after fallocate 0..200", fd);
	T(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 400));
	contents("after keep_size 0..400", fd);
	T(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10, 20));
	contents("after punch 10..30", fd);
	T(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 10, 20));
	T(fallocate(fd, FALLOC_FL_ZERO_RANGE, 50, 300));
	contents("after zero 50..350", fd);
	T(fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 340, 100));
	contents("after zero keep 340..440", fd);
	T(fallocate(fd, 0, -1, 10));
	T(fallocate(fd, 0, 0, 0));
	T(fallocate(ro, 0, 0, 10));
	T(fallocate(dfd, 0, 0, 10));
	T(fallocate(fd, 0x100, 0, 10));
	T(fallocate(ap, 0, 0, 10));
	T(fallocate(999, 0, 0, 10));

	P("== host file\n");
	snprintf(hp, sizeof(hp), "%s/host-file-03", host);
	hf = open(hp, O_RDONLY);
	T(read(hf, buf, 3));
	T(pread(hf, buf, 100, 2));
	P("got \"%.6s\"\n", buf);
	T(lseek(hf, 0, SEEK_END));
	T(lseek(hf, 0, SEEK_DATA));
	T(lseek(hf, 0, SEEK_HOLE));
	T(readv(hf, iov, 3));
	T(lseek(hf, 1, SEEK_SET));
	T(readv(hf, iov, 3));
	P("got \"%.4s\" \"%.5s\"\n", a, c);
	T(write(hf, "x", 1));
	T(pread(hf, buf, 10, 1000));
	close(hf);

	close(fd);
	close(ro);
	close(wo);
	close(ap);
	close(dfd);
	fam_leave();
	return 0;
}
