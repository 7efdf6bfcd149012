// berth-fsops ROOT: applies a batch of filesystem operations that Node.js cannot make
// (mknod, setxattr) to paths inside ROOT, for the layer unpacker. The batch comes on stdin;
// every path is relative to ROOT, and the directory holding each entry is opened beneath ROOT
// without following any symlink (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or a component
// by component O_NOFOLLOW walk on kernels without openat2). The last component is never
// followed either: mknodat, fchownat/utimensat with AT_SYMLINK_NOFOLLOW, lsetxattr through the
// pinned directory's /proc/self/fd entry.
//
// Batch format (integers little-endian), one record per op, until end of input:
//   'N' path\0 u32 mode(with S_IFCHR|S_IFBLK|S_IFIFO) u32 major u32 minor
//       i64 uid i64 gid (-1: keep ours) i64 atime_s u32 atime_ns i64 mtime_s u32 mtime_ns
//       mknod (replacing a non-directory already there), chown, chmod again when setuid/setgid
//       (chown clears them), set times
//   'X' path\0 name\0 u32 len value[len]     lsetxattr
//   'C' path\0 i64 uid i64 gid               lchown
//   'T' path\0 i64 atime_s u32 atime_ns i64 mtime_s u32 mtime_ns   utimes, not following
//   'S'                                      syncfs of ROOT's filesystem (a layer made durable)
// Exit 0 when all were applied. On the first failure: exit 3 and one line on stderr,
//   "<op index>\t<errno>\t<message>", nothing further applied. Bad usage or input: exit 2.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static unsigned char *buf;
static size_t len, pos;
static long op_index;

static void fail(int err, const char *what, const char *path) {
  fprintf(stderr, "%ld\t%d\t%s %s: %s\n", op_index, err, what, path, strerror(err));
  exit(3);
}

static void bad_input(const char *why) {
  fprintf(stderr, "%ld\t0\tbad batch: %s\n", op_index, why);
  exit(2);
}

static const char *take_str(void) {
  const unsigned char *end = memchr(buf + pos, 0, len - pos);
  if (!end) bad_input("unterminated string");
  const char *s = (const char *)buf + pos;
  pos = (size_t)(end - buf) + 1;
  return s;
}

static uint64_t take_le(int n) {
  if (len - pos < (size_t)n) bad_input("truncated record");
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | buf[pos + i];
  pos += n;
  return v;
}
#define take_u32() ((uint32_t)take_le(4))
#define take_i64() ((int64_t)take_le(8))

static int root_fd;
static char cur_parent[PATH_MAX];
static int cur_fd = -1;

/* Opens `rel` (a clean relative path, "" for ROOT) beneath ROOT, following no symlink. */
static int open_beneath(const char *rel) {
  if (!*rel) return dup(root_fd);
  struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  int fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return fd;
  // No openat2: walk one component at a time, never following a symlink, never climbing.
  char part[PATH_MAX];
  if (strlen(rel) >= sizeof part) { errno = ENAMETOOLONG; return -1; }
  strcpy(part, rel);
  int dir = dup(root_fd);
  for (char *save = NULL, *c = strtok_r(part, "/", &save); c && dir >= 0; c = strtok_r(NULL, "/", &save)) {
    if (!strcmp(c, "..") || !strcmp(c, ".")) { close(dir); errno = EXDEV; return -1; }
    int next = openat(dir, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(dir);
    errno = e;
    dir = next;
  }
  return dir;
}

/* Splits `path` into its directory (opened safely, cached for runs in one directory) and base name. */
static const char *parent_of(const char *path, int *dirfd) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t plen = slash ? (size_t)(slash - path) : 0;
  if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) { errno = EINVAL; fail(EINVAL, "resolve", path); }
  if (plen >= sizeof cur_parent) fail(ENAMETOOLONG, "resolve", path);
  if (cur_fd < 0 || strlen(cur_parent) != plen || strncmp(cur_parent, path, plen)) {
    if (cur_fd >= 0) close(cur_fd);
    memcpy(cur_parent, path, plen);
    cur_parent[plen] = 0;
    cur_fd = open_beneath(cur_parent);
    if (cur_fd < 0) {
      int e = errno;
      fail(e, (e == ELOOP || e == EXDEV) ? "parent directory is reached through a symlink or leaves the root:" : "opening the parent directory of", path);
    }
  }
  *dirfd = cur_fd;
  return base;
}

static void set_times(int dirfd, const char *base, const char *path, int64_t as, uint32_t ans, int64_t ms, uint32_t mns) {
  struct timespec ts[2] = { { .tv_sec = as, .tv_nsec = ans }, { .tv_sec = ms, .tv_nsec = mns } };
  if (utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0) fail(errno, "utimes", path);
}

static void do_mknod(void) {
  const char *path = take_str();
  uint32_t mode = take_u32(), major = take_u32(), minor = take_u32();
  int64_t uid = take_i64(), gid = take_i64(), as = take_i64();
  uint32_t ans = take_u32();
  int64_t ms = take_i64();
  uint32_t mns = take_u32();
  uint32_t type = mode & S_IFMT;
  if (type != S_IFCHR && type != S_IFBLK && type != S_IFIFO) fail(EINVAL, "mknod (not a device or fifo)", path);
  int dirfd;
  const char *base = parent_of(path, &dirfd);
  dev_t dev = type == S_IFIFO ? 0 : makedev(major, minor);
  if (mknodat(dirfd, base, mode, dev) < 0) {
    if (errno != EEXIST) fail(errno, "mknod", path);
    // Replace a non-directory (unlinkat without AT_REMOVEDIR refuses directories).
    if (unlinkat(dirfd, base, 0) < 0) fail(errno, "replacing", path);
    if (mknodat(dirfd, base, mode, dev) < 0) fail(errno, "mknod", path);
  }
  if (uid >= 0 || gid >= 0) {
    if (fchownat(dirfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0) fail(errno, "chown", path);
    // chown cleared setuid/setgid; the node was just made by us and is no symlink.
    if ((mode & 06000) && fchmodat(dirfd, base, mode & 07777, 0) < 0) fail(errno, "chmod", path);
  }
  set_times(dirfd, base, path, as, ans, ms, mns);
}

static void do_setxattr(void) {
  const char *path = take_str();
  const char *name = take_str();
  uint32_t vlen = take_u32();
  if (len - pos < vlen) bad_input("truncated xattr value");
  const void *value = buf + pos;
  pos += vlen;
  int dirfd;
  const char *base;
  char at[64 + PATH_MAX];
  if (*path) {
    base = parent_of(path, &dirfd);
    // The directory is pinned by its descriptor; the base name is not followed (lsetxattr).
    snprintf(at, sizeof at, "/proc/self/fd/%d/%s", dirfd, base);
  } else {
    // The root itself: follow the magic link to the directory it pins.
    snprintf(at, sizeof at, "/proc/self/fd/%d", root_fd);
    if (setxattr(at, name, value, vlen, 0) < 0) fail(errno, "setxattr", "(layer root)");
    return;
  }
  if (lsetxattr(at, name, value, vlen, 0) < 0) fail(errno, "setxattr", path);
}

static void do_lchown(void) {
  const char *path = take_str();
  int64_t uid = take_i64(), gid = take_i64();
  int dirfd;
  const char *base = parent_of(path, &dirfd);
  if (fchownat(dirfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0) fail(errno, "chown", path);
}

static void do_utimes(void) {
  const char *path = take_str();
  int64_t as = take_i64();
  uint32_t ans = take_u32();
  int64_t ms = take_i64();
  uint32_t mns = take_u32();
  int dirfd;
  const char *base = parent_of(path, &dirfd);
  set_times(dirfd, base, path, as, ans, ms, mns);
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: berth-fsops ROOT < batch\n"); return 2; }
  umask(0);
  root_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) { fprintf(stderr, "-1\t%d\topening root %s: %s\n", errno, argv[1], strerror(errno)); return 2; }
  size_t cap = 1 << 16;
  buf = malloc(cap);
  for (;;) {
    if (len == cap) { cap *= 2; buf = realloc(buf, cap); }
    if (!buf) { fprintf(stderr, "-1\t%d\tout of memory\n", ENOMEM); return 2; }
    ssize_t n = read(0, buf + len, cap - len);
    if (n < 0) { if (errno == EINTR) continue; fprintf(stderr, "-1\t%d\treading the batch: %s\n", errno, strerror(errno)); return 2; }
    if (n == 0) break;
    len += (size_t)n;
  }
  for (op_index = 0; pos < len; op_index++) {
    switch (buf[pos++]) {
      case 'N': do_mknod(); break;
      case 'X': do_setxattr(); break;
      case 'C': do_lchown(); break;
      case 'T': do_utimes(); break;
      case 'S': if (syncfs(root_fd) < 0) fail(errno, "syncfs", argv[1]); break;
      default: bad_input("unknown op");
    }
  }
  return 0;
}
