/* rm_tree.h: removes a directory tree the testdata/files programs made (rm -r). */
#ifndef SBX_TD_RM_TREE_H
#define SBX_TD_RM_TREE_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline void rm_tree(const char *path)
{
	char p[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(path);

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
			if (e->d_type == DT_DIR)
				rm_tree(p);
			else
				unlink(p);
		}
		closedir(d);
	}
	rmdir(path);
}

#endif
