/* cpuinfo: /proc/cpuinfo as lscpu, psutil and build scripts read it. One block per
 * online CPU with Linux's keys; the vendor, family, model and stepping that cpuid
 * gives this program; and, for features programs look for, whether the flags line
 * names them, which must agree with cpuid (and with a native run: a guest kernel can
 * hide features its user-mode cpuid shows, so only common ones are listed).
 *
 * usage: tp_cpuinfo [cr]   (cr: zdtm form; an fd opened on /proc/cpuinfo before the
 *                          ready mark reads the same text after the restore) */
#include "../cr/cr.h"

#include <cpuid.h>
#include <fcntl.h>

static char text[1 << 17];

static int slurp(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	return r < 0 ? -1 : (int)n;
}

/* The value of the first line "key\t...: value" of the text. */
static const char *value(const char *key, char *out, size_t len)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t k = strlen(key);
		const char *c;

		if (strncmp(l, key, k) || (l[k] != '\t' && l[k] != ' ' && l[k] != ':'))
			continue;
		c = strchr(l, ':');
		if (!c)
			return NULL;
		c += c[1] == ' ' ? 2 : 1;
		snprintf(out, len, "%.*s", (int)strcspn(c, "\n"), c);
		return out;
	}
	return NULL;
}

static int has_flag(const char *flags, const char *f)
{
	size_t n = strlen(f);

	for (const char *p = flags; (p = strstr(p, f)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *keys[] = { "processor", "vendor_id", "cpu family", "model",
		"model name", "stepping", "cpu MHz", "physical id", "siblings", "core id",
		"cpu cores", "fpu", "cpuid level", "flags", "bogomips", "clflush size",
		"cache_alignment", "address sizes" };
	static const struct { const char *name; unsigned leaf, sub, reg, bit; } feats[] = {
		{ "fpu", 1, 0, 3, 0 }, { "sse2", 1, 0, 3, 26 }, { "ssse3", 1, 0, 2, 9 },
		{ "sse4_1", 1, 0, 2, 19 }, { "sse4_2", 1, 0, 2, 20 }, { "popcnt", 1, 0, 2, 23 },
		{ "aes", 1, 0, 2, 25 }, { "pclmulqdq", 1, 0, 2, 1 }, { "avx", 1, 0, 2, 28 },
		{ "fma", 1, 0, 2, 12 }, { "avx2", 7, 0, 1, 5 }, { "bmi1", 7, 0, 1, 3 },
		{ "bmi2", 7, 0, 1, 8 }, { "lm", 0x80000001, 0, 3, 29 },
	};
	char v[4096], flags[8192], vendor[13];
	unsigned r[4], sig, fam, model, blocks = 0;
	int fd, cr = argc > 1 && !strcmp(argv[1], "cr");

	fd = open("/proc/cpuinfo", O_RDONLY);
	if (fd < 0 || slurp(fd, text, sizeof(text)) <= 0) {
		cr_say("/proc/cpuinfo: %s\n", strerror(errno));
		return 1;
	}
	for (const char *l = text; (l = strstr(l, "processor\t")); l++)
		blocks += l == text || l[-1] == '\n';
	cr_say("a block per online CPU: %s\n",
	       blocks == (unsigned)sysconf(_SC_NPROCESSORS_ONLN) ? "yes" : "no");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_say("%s: %s\n", keys[i], value(keys[i], v, sizeof(v)) ? "present" : "missing");
	__cpuid(0, r[0], r[1], r[2], r[3]);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	cr_say("vendor_id is cpuid's: %s\n",
	       value("vendor_id", v, sizeof(v)) && !strcmp(v, vendor) ? "yes" : "no");
	__cpuid(1, r[0], r[1], r[2], r[3]);
	sig = r[0];
	fam = ((sig >> 8) & 0xf) + (((sig >> 8) & 0xf) == 0xf ? (sig >> 20) & 0xff : 0);
	model = ((sig >> 4) & 0xf) + (fam >= 6 ? ((sig >> 16) & 0xf) << 4 : 0);
	cr_say("cpu family is cpuid's: %s\n",
	       value("cpu family", v, sizeof(v)) && (unsigned)atoi(v) == fam ? "yes" : "no");
	cr_say("model is cpuid's: %s\n",
	       value("model", v, sizeof(v)) && (unsigned)atoi(v) == model ? "yes" : "no");
	cr_say("stepping is cpuid's: %s\n",
	       value("stepping", v, sizeof(v)) && (unsigned)atoi(v) == (sig & 0xf) ? "yes" : "no");
	cr_say("cpu MHz is above zero: %s\n",
	       value("cpu MHz", v, sizeof(v)) && atof(v) > 0 ? "yes" : "no");
	if (!value("flags", flags, sizeof(flags)))
		flags[0] = 0;
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		int bit;

		__cpuid_count(feats[i].leaf, feats[i].sub, r[0], r[1], r[2], r[3]);
		bit = (r[feats[i].reg] >> feats[i].bit) & 1;
		cr_say("flag %s: cpuid %d, listed %d\n", feats[i].name, bit,
		       has_flag(flags, feats[i].name));
	}
	if (cr) {
		static char again[sizeof(text)];
		int n;

		/* one byte read now: the rest must come from the same text */
		lseek(fd, 0, SEEK_SET);
		n = read(fd, again, 1);
		cr_arm();
		cr_say("ready\n");
		cr_wait();
		n = n == 1 ? slurp(fd, again + 1, sizeof(again) - 1) : -1;
		cr_say("the open file reads on from the same text: %s\n",
		       n >= 0 && !strcmp(again, text) ? "yes" : "no");
	}
	close(fd);
	return 0;
}
