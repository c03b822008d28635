/* fpu [ITERS [avx2]]: a register-heavy floating-point loop that runs long enough (about 2 s)
 * for the harness to checkpoint it while it computes. 128 chains of the logistic map
 * (x = 3.9 x (1 - x), chaotic: a single wrong bit anywhere changes every later digit)
 * live in vector registers, 16 zmm with AVX-512 (mask registers pick the lanes to
 * nudge) or 32 ymm with AVX2; 4 more chains run in x87 long double, 4 in scalar SSE
 * doubles, and 4 xorshift64 chains in general registers. The rounding mode is set to
 * toward-zero first, so a lost MXCSR or x87 control word changes the result too. Each
 * lane does the same operations either way, so the output does not depend on which
 * vector width ran (printed to stderr only). Prints the ready mark, computes, prints
 * a hash of every chain and a few values, and exits 0; the harness compares the output
 * with a native run's. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <fenv.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LANES 128

struct res {
	double v[LANES];
	long double x87[4];
	double sse[4];
	uint64_t gpr[4];
};

static void init(double *v)
{
	for (int i = 0; i < LANES; i++)
		v[i] = 0.1 + 0.8 * i / LANES;
}

#define SCALAR_STEP()                                                              \
	do {                                                                       \
		for (int j = 0; j < 4; j++) {                                      \
			l[j] = 3.9L * l[j] * (1.0L - l[j]);                        \
			if (l[j] < 1e-3L)                                          \
				l[j] += 0.25L;                                     \
		}                                                                  \
		s0 = 3.9 * s0 * (1.0 - s0);                                        \
		s1 = 3.9 * s1 * (1.0 - s1);                                        \
		s2 = 3.9 * s2 * (1.0 - s2);                                        \
		s3 = 3.9 * s3 * (1.0 - s3);                                        \
		g0 ^= g0 << 13, g0 ^= g0 >> 7, g0 ^= g0 << 17;                     \
		g1 ^= g1 << 13, g1 ^= g1 >> 7, g1 ^= g1 << 17;                     \
		g2 = g2 * 6364136223846793005ull + g0;                             \
		g3 = (g3 ^ g1) * 0x9e3779b97f4a7c15ull;                            \
	} while (0)

__attribute__((target("avx512f"), noinline)) static void run512(struct res *r, long iters)
{
	__m512d x[16];
	const __m512d k = _mm512_set1_pd(3.9), one = _mm512_set1_pd(1.0),
		      lo = _mm512_set1_pd(1e-3), q = _mm512_set1_pd(0.25);
	long double l[4] = { 0.11L, 0.22L, 0.33L, 0.44L };
	double s0 = 0.15, s1 = 0.25, s2 = 0.35, s3 = 0.45;
	uint64_t g0 = 1, g1 = 2, g2 = 3, g3 = 4;

	for (int i = 0; i < 16; i++)
		x[i] = _mm512_loadu_pd(r->v + 8 * i);
	for (long it = 0; it < iters; it++) {
		for (int i = 0; i < 16; i++) {
			__m512d t = _mm512_mul_pd(_mm512_mul_pd(k, x[i]),
						  _mm512_sub_pd(one, x[i]));
			__mmask8 m = _mm512_cmp_pd_mask(t, lo, _CMP_LT_OQ);
			x[i] = _mm512_mask_add_pd(t, m, t, q);
		}
		SCALAR_STEP();
	}
	for (int i = 0; i < 16; i++)
		_mm512_storeu_pd(r->v + 8 * i, x[i]);
	memcpy(r->x87, l, sizeof(l));
	r->sse[0] = s0, r->sse[1] = s1, r->sse[2] = s2, r->sse[3] = s3;
	r->gpr[0] = g0, r->gpr[1] = g1, r->gpr[2] = g2, r->gpr[3] = g3;
}

__attribute__((target("avx2"), noinline)) static void run256(struct res *r, long iters)
{
	__m256d x[32];
	const __m256d k = _mm256_set1_pd(3.9), one = _mm256_set1_pd(1.0),
		      lo = _mm256_set1_pd(1e-3), q = _mm256_set1_pd(0.25);
	long double l[4] = { 0.11L, 0.22L, 0.33L, 0.44L };
	double s0 = 0.15, s1 = 0.25, s2 = 0.35, s3 = 0.45;
	uint64_t g0 = 1, g1 = 2, g2 = 3, g3 = 4;

	for (int i = 0; i < 32; i++)
		x[i] = _mm256_loadu_pd(r->v + 4 * i);
	for (long it = 0; it < iters; it++) {
		for (int i = 0; i < 32; i++) {
			__m256d t = _mm256_mul_pd(_mm256_mul_pd(k, x[i]),
						  _mm256_sub_pd(one, x[i]));
			__m256d m = _mm256_cmp_pd(t, lo, _CMP_LT_OQ);
			x[i] = _mm256_add_pd(t, _mm256_and_pd(m, q));
		}
		SCALAR_STEP();
	}
	for (int i = 0; i < 32; i++)
		_mm256_storeu_pd(r->v + 4 * i, x[i]);
	memcpy(r->x87, l, sizeof(l));
	r->sse[0] = s0, r->sse[1] = s1, r->sse[2] = s2, r->sse[3] = s3;
	r->gpr[0] = g0, r->gpr[1] = g1, r->gpr[2] = g2, r->gpr[3] = g3;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 0) : 50000000;
	struct res r;
	uint64_t h;
	int avx512;

	memset(&r, 0, sizeof(r));
	init(r.v);
	__builtin_cpu_init();
	/* "avx2" as the second argument forces the narrower path (to check both agree). */
	avx512 = __builtin_cpu_supports("avx512f") && !(argc > 2 && !strcmp(argv[2], "avx2"));
	if (!avx512 && !__builtin_cpu_supports("avx2")) {
		printf("fpu: needs AVX2\n");
		return 2;
	}
	fprintf(stderr, "fpu: using %s\n", avx512 ? "AVX-512" : "AVX2");
	if (fesetround(FE_TOWARDZERO)) {
		printf("fpu: fesetround failed\n");
		return 2;
	}
	printf("ready fpu: %ld iterations, rounding toward zero\n", iters);
	fflush(stdout);
	if (avx512)
		run512(&r, iters);
	else
		run256(&r, iters);

	printf("rounding mode still toward zero: %s\n",
	       fegetround() == FE_TOWARDZERO ? "yes" : "no");
	h = mix(0xcbf29ce484222325ull, r.v, sizeof(r.v));
	printf("vector lanes: hash %016llx, lane 0 %a, lane 77 %a, lane 127 %a\n",
	       (unsigned long long)h, r.v[0], r.v[77], r.v[127]);
	/* Only the 10 significant bytes of each long double. */
	h = 0xcbf29ce484222325ull;
	for (int j = 0; j < 4; j++)
		h = mix(h, &r.x87[j], 10);
	printf("x87: hash %016llx, %La %La\n", (unsigned long long)h, r.x87[0], r.x87[3]);
	printf("sse: %a %a %a %a\n", r.sse[0], r.sse[1], r.sse[2], r.sse[3]);
	printf("gpr: %016llx %016llx %016llx %016llx\n", (unsigned long long)r.gpr[0],
	       (unsigned long long)r.gpr[1], (unsigned long long)r.gpr[2],
	       (unsigned long long)r.gpr[3]);
	return 0;
}
