// tmpcopyup: a tmpfs mounted over a directory of the image starts with that directory's content
// (files, directories, symlinks, device nodes, fifos; mode and owner kept), as runc and crun do.
// The lower directory is read through an fd opened before the mount: it still reaches what the
// mount hides. Everything below it is opened relative to that fd with O_NOFOLLOW, so a symlink in
// the image is copied as a symlink and never followed out of the rootfs.
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void copy_file(int from, int to, const char *name, const struct stat *st, const char *path) {
  int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) fail(errno, "tmpcopyup: open %s/%s", path, name);
  int out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 07777);
  if (out < 0) fail(errno, "tmpcopyup: create %s/%s", path, name);
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(errno, "tmpcopyup: read %s/%s", path, name);
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail(errno, "tmpcopyup: write %s/%s", path, name);
      off += w;
    }
  }
  close(in);
  close(out);
}

// Owner first, then mode: chown clears the setuid and setgid bits.
static void copy_attrs(int to, const char *name, const struct stat *st, const char *path) {
  if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW))
    fail(errno, "tmpcopyup: chown %s/%s", path, name);
  if (!S_ISLNK(st->st_mode) && fchmodat(to, name, st->st_mode & 07777, 0))
    fail(errno, "tmpcopyup: chmod %s/%s", path, name);
}

void copy_up(int from, int to, const char *path) {
  int dfd = dup(from);
  if (dfd < 0) fail(errno, "tmpcopyup: dup %s", path);
  DIR *d = fdopendir(dfd);
  if (!d) fail(errno, "tmpcopyup: read %s", path);
  struct dirent *e;
  while ((errno = 0, e = readdir(d))) {
    const char *name = e->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
    struct stat st;
    if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW)) fail(errno, "tmpcopyup: stat %s/%s", path, name);
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/%s", path, name);
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
      if (mkdirat(to, name, 0700)) fail(errno, "tmpcopyup: mkdir %s", sub);
      int f = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (f < 0) fail(errno, "tmpcopyup: open %s", sub);
      int t = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (t < 0) fail(errno, "tmpcopyup: open copy of %s", sub);
      copy_up(f, t, sub);
      close(f);
      close(t);
      break;
    }
    case S_IFREG:
      copy_file(from, to, name, &st, path);
      break;
    case S_IFLNK: {
      char target[4096];
      ssize_t n = readlinkat(from, name, target, sizeof target - 1);
      if (n < 0) fail(errno, "tmpcopyup: readlink %s", sub);
      target[n] = 0;
      if (symlinkat(target, to, name)) fail(errno, "tmpcopyup: symlink %s", sub);
      break;
    }
    default:  // devices, fifos, sockets
      if (mknodat(to, name, st.st_mode, st.st_rdev)) fail(errno, "tmpcopyup: mknod %s", sub);
      break;
    }
    copy_attrs(to, name, &st, path);
  }
  if (errno) fail(errno, "tmpcopyup: read %s", path);
  closedir(d);
}
