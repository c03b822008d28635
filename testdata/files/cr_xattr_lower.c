/* cr_xattr_lower: a host file's extended attributes across a checkpoint (zdtm form;
 * tests/integration/files runs it through cr/case.sh --signal). Before the ready
 * mark it reads the attributes of a host file (in sbx: a lower file, whose set the
 * gofer read in) and changes them; after the restore the changed set is still there;
 * then it undoes the changes, so a native run leaves the host file as it was.
 *
 * usage: td_files_cr_xattr_lower DIR [nowait] (DIR as for td_files_xattr_lower) */
#include "../cr/cr.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/xattr.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void show(const char *path)
{
	char list[4096], val[256], *names[64];
	long n = listxattr(path, list, sizeof(list));
	int k = 0;

	if (n < 0) {
		cr_say("list: %s\n", strerrorname_np(errno));
		return;
	}
	for (long i = 0; i < n && k < 64; i += strlen(list + i) + 1)
		if (!strncmp(list + i, "user.", 5))
			names[k++] = list + i;
	qsort(names, k, sizeof(names[0]), cmp);
	cr_say("attributes:");
	for (int i = 0; i < k; i++) {
		long v = getxattr(path, names[i], val, sizeof(val));

		cr_say(" %s=[%.*s]", names[i], v < 0 ? 0 : (int)v, val);
	}
	cr_say("\n");
}

int main(int argc, char **argv)
{
	bool nowait = argc > 2 && !strcmp(argv[2], "nowait");
	char f[PATH_MAX];

	if (argc < 2)
		return 2;
	cr_arm();
	snprintf(f, sizeof(f), "%s/g", argv[1]);
	show(f);
	cr_say("set %d replace %d\n", setxattr(f, "user.cr", "saved", 5, 0),
	       setxattr(f, "user.g", "changed", 7, XATTR_REPLACE));
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	else
		cr_say("resumed\n");
	show(f);
	cr_say("undo %d %d\n", removexattr(f, "user.cr"),
	       setxattr(f, "user.g", "copied up", 9, XATTR_REPLACE));
	show(f);
	return 0;
}
