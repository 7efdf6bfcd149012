// rootfs-parent-private: pivot_root refuses (EINVAL) when the new root or its parent mount is
// shared. The mount holding the rootfs directory (the rootfs itself when it is a mount point, as
// the engine's overlay is) is made private, that mount only and only in the container's new
// mount namespace, as runc does: the rootfs bound onto itself is then private, and so is its
// parent. The root gets the asked-for propagation back after the pivot.
#include "init.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

// mountinfo escapes space, tab, newline and backslash as \ooo.
static void unescape(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
      *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 3;
    } else {
      *o++ = *p;
    }
  }
  *o = 0;
}

static int under(const char *path, const char *mp) {
  size_t n = strlen(mp);
  if (!strcmp(mp, "/")) return 1;
  return !strncmp(path, mp, n) && (path[n] == '/' || path[n] == 0);
}

void op_rootfs_parent_private(const struct step *s) {
  // mountinfo shows canonical paths: a symlink on the way would match the wrong mount.
  char rootfs[PATH_MAX];
  if (!realpath(s->f[1].p, rootfs)) fail(errno, "resolve rootfs %s", s->f[1].p);

  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) fail(errno, "open /proc/self/mountinfo");
  char *line = NULL, best[4096] = "";
  size_t cap = 0;
  int best_shared = 0;
  while (getline(&line, &cap, f) > 0) {
    // id parent major:minor root mountpoint options [optional fields…] - fstype source super
    char *fields[6] = {0}, *save = NULL, *tok = strtok_r(line, " \n", &save);
    int k = 0;
    for (; tok && k < 6; tok = strtok_r(NULL, " \n", &save)) fields[k++] = tok;
    if (k < 6) continue;
    int shared = 0;
    // The loop above has already read the first optional field into tok.
    for (char *opt = tok; opt && strcmp(opt, "-"); opt = strtok_r(NULL, " \n", &save))
      if (!strncmp(opt, "shared:", 7)) shared = 1;
    char *mp = fields[4];
    unescape(mp);
    // The last (topmost) of equally long matches is the one visible.
    if (under(rootfs, mp) && strlen(mp) >= strlen(best) && strlen(mp) < sizeof best) {
      snprintf(best, sizeof best, "%s", mp);
      best_shared = shared;
    }
  }
  free(line);
  fclose(f);
  if (!best[0]) fail(ENOENT, "no mount holds %s", rootfs);
  if (best_shared && mount(NULL, best, NULL, MS_PRIVATE, NULL)) fail(errno, "make %s private", best);
}
