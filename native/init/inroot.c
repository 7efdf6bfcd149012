// The current root and path resolution inside it. Every in-root path goes through openat2 with
// RESOLVE_IN_ROOT, so symlinks in the image resolve as if the rootfs were "/" and never reach
// the host; what was opened is then acted on through /proc/self/fd/N.
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int root_fd = -1;
char root_path[4096];   // the rootfs on the host before the pivot, "" after
int proc_ok = 1;        // /proc/self/fd usable; -1: check again (after a pivot or a proc mount)

int in_root(const char *path, int flags, mode_t mode) {
  if (root_fd < 0) fail(EINVAL, "no root yet for %s (bind-rootfs comes first)", path);
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd, tries = 0;
  // EAGAIN: a concurrent rename somewhere on the path; the kernel asks us to try again.
  do fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN && ++tries < 16);
  return fd;
}

// Opens path in root (O_PATH), creating what is missing: directories 0755 on the way, and the
// last component as `kind` (a directory with `mode`, or an empty file). Anything created is
// created relative to an already-resolved parent and then looked up again from the root, so a
// dangling symlink in the image can never make us create something outside.
static int ensure_depth(char *p, enum create kind, mode_t mode, int depth);

// The entry `last` in pfd exists but could not be opened: a dangling symlink. Create what it
// points to, read as a path in root (relative to the parent `parent`), as the image intends.
static int follow_dangling(int pfd, const char *parent, const char *last, enum create kind, mode_t mode, int depth) {
  char link[4096], next[8192];
  ssize_t n = readlinkat(pfd, last, link, sizeof link - 1);
  if (n < 0) return -1;   // not a symlink after all: keep ENOENT's story simple
  link[n] = 0;
  if (depth >= 40) {
    errno = ELOOP;
    return -1;
  }
  if (link[0] == '/') snprintf(next, sizeof next, "%s", link);
  else snprintf(next, sizeof next, "%s/%s", parent, link);
  int fd = ensure_depth(next, kind, mode, depth + 1);
  if (fd >= 0) close(fd);
  return fd;
}

// Opens path in root (O_PATH), creating what is missing: directories 0755 on the way, and the
// last component as `kind` (a directory with `mode`, or an empty file). Anything created is
// created relative to an already-resolved parent and then looked up again from the root, so no
// symlink in the image can make us create something outside.
static int ensure_depth(char *p, enum create kind, mode_t mode, int depth) {
  int dirflag = kind == CREATE_DIR ? O_DIRECTORY : 0;
  int fd = in_root(*p ? p : "/", O_PATH | dirflag, 0);
  if (fd >= 0 || errno != ENOENT || kind == CREATE_NONE) return fd;
  size_t len = strlen(p);
  while (len > 1 && p[len - 1] == '/') p[--len] = 0;
  char *slash = strrchr(p, '/');
  const char *last = slash ? slash + 1 : p;
  char *parent = slash == p ? (char[]){"/"} : slash ? p : (char[]){"/"};
  if (slash && slash != p) *slash = 0;
  int pfd = ensure_depth(parent, CREATE_DIR, 0755, depth);
  int r = -1, saved = errno;
  if (pfd >= 0) {
    if (kind == CREATE_DIR) {
      r = mkdirat(pfd, last, mode);
    } else if ((r = openat(pfd, last, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)) >= 0) {
      close(r);
    }
    saved = errno;
    if (r < 0 && saved == EEXIST && (r = follow_dangling(pfd, parent, last, kind, mode, depth)) < 0) saved = errno;
    close(pfd);
  }
  if (slash && slash != p) *slash = '/';
  if (pfd < 0) return -1;
  if (r < 0 && saved != EEXIST) {
    errno = saved;
    return -1;
  }
  return in_root(p, O_PATH | dirflag, 0);
}

static int ensure(char *p, enum create kind, mode_t mode) {
  return ensure_depth(p, kind, mode, 0);
}

int in_root_ensure(const char *path, enum create kind, mode_t mode) {
  char buf[4096];
  if (strlen(path) >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(buf, path);
  return ensure(buf, kind, mode);
}

// Opens (creating) the parent directory of path in root; *last points into buf at the name.
int in_root_parent(char *buf, const char *path, const char **last) {
  size_t len = strlen(path);
  if (len >= 4096) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(buf, path, len + 1);
  while (len > 1 && buf[len - 1] == '/') buf[--len] = 0;
  char *slash = strrchr(buf, '/');
  if (!slash) {
    *last = buf;
    return ensure((char[]){"/"}, CREATE_DIR, 0755);
  }
  *last = slash + 1;
  if (!**last || !strcmp(*last, ".") || !strcmp(*last, "..")) {
    errno = EINVAL;
    return -1;
  }
  *slash = 0;
  int fd = ensure(slash == buf ? (char[]){"/"} : buf, CREATE_DIR, 0755);
  *slash = '/';
  return fd;
}

// The name to hand to mount(2) and friends for fd: its magic link, or, when /proc is not
// mounted in the container after the pivot, the plain path (the only other choice there is).
const char *fd_path(char buf[32], int fd, const char *fallback) {
  if (proc_ok < 0) proc_ok = access("/proc/self/fd", X_OK) == 0;
  if (!proc_ok && fallback) return fallback;
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}
