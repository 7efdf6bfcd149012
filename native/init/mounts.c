// Filesystem steps: the rootfs, mounts, device nodes, masking, and leaving the host's root.
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int devnull_fd = -1;   // the root's /dev/null, opened once for all mask steps

static void new_root(void) {
  root_path[0] = 0;
  proc_ok = -1;
  if (devnull_fd >= 0) close(devnull_fd);
  devnull_fd = -1;
}

void op_root_propagation(const struct step *s) {
  if (mount(NULL, "/", NULL, (unsigned long)num(s, 1), NULL)) fail(errno, "set propagation of /");
}

void op_bind_rootfs(const struct step *s) {
  const char *path = s->f[1].p;
  if (s->f[1].len >= sizeof root_path) fail(ENAMETOOLONG, "rootfs %s", path);
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL)) fail(errno, "bind rootfs %s onto itself", path);
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open rootfs %s", path);
  if (root_fd >= 0) close(root_fd);
  root_fd = fd;
  memcpy(root_path, path, s->f[1].len + 1);
}

static enum create create_kind(const char *k) {
  if (!strcmp(k, "dir")) return CREATE_DIR;
  if (!strcmp(k, "file")) return CREATE_FILE;
  if (!strcmp(k, "none")) return CREATE_NONE;
  fail(EINVAL, "bad create kind '%s'", k);
}

static int target(const char *path, enum create kind) {
  int fd = in_root_ensure(path, kind, 0755);
  if (fd < 0) fail(errno, "resolve %s in root", path);
  return fd;
}

// Bind mounts: the source is opened first, so what gets mounted is what was opened.
static void bind_at(const char *source, const char *tpath, enum create kind, unsigned long flags) {
  int sfd = open(source, O_PATH | O_CLOEXEC);
  if (sfd < 0) fail(errno, "open bind source %s", source);
  int tfd = target(tpath, kind);
  char sb[32], tb[32];
  if (mount(fd_path(sb, sfd, source), fd_path(tb, tfd, tpath), NULL, flags, NULL))
    fail(errno, "bind %s on %s", source, tpath);
  close(sfd);
  close(tfd);
}

#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572

// proc and sysfs (CVE-2019-16884, CVE-2019-19921): the target must be a real directory, never a
// symlink, even one that stays inside the root (an image could aim /proc at a directory it then
// fills with fake files the masks would miss). The parent is resolved in root; the last
// component is checked without following it and opened O_NOFOLLOW, so a swap in between fails.
// After the mount, the same name through the same parent must be the filesystem asked for.
static void kernel_fs_mount(const char *src, const char *tpath, const char *fstype, unsigned long flags, const char *data, long magic) {
  char buf[4096], tb[32];
  const char *last;
  int pfd = in_root_parent(buf, tpath, &last);
  if (pfd < 0) fail(errno, "resolve the parent of %s in root", tpath);
  struct stat st;
  if (fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW)) {
    if (errno != ENOENT) fail(errno, "stat %s", tpath);
    if (mkdirat(pfd, last, 0755) && errno != EEXIST) fail(errno, "mkdir %s", tpath);
  } else if (S_ISLNK(st.st_mode)) {
    fail(ELOOP, "%s must be mounted on a real directory, and %s is a symlink", fstype, tpath);
  } else if (!S_ISDIR(st.st_mode)) {
    fail(ENOTDIR, "%s must be mounted on a real directory, and %s is not a directory", fstype, tpath);
  }
  int tfd = openat(pfd, last, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (tfd < 0) fail(errno, "%s must be mounted on a real directory: open %s", fstype, tpath);
  if (mount(src, fd_path(tb, tfd, tpath), fstype, flags, *data ? data : NULL))
    fail(errno, "mount %s (%s) on %s", src, fstype, tpath);
  close(tfd);
  int mfd = openat(pfd, last, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct statfs sf;
  if (mfd < 0 || fstatfs(mfd, &sf)) fail(errno, "check the new %s mount on %s", fstype, tpath);
  if ((long)sf.f_type != magic)
    fail(EXDEV, "%s is not %s after mounting it (filesystem type 0x%lx): was it swapped?", tpath, fstype, (long)sf.f_type);
  close(mfd);
  close(pfd);
}

void op_mount(const struct step *s) {
  const char *src = s->f[1].p, *tpath = s->f[2].p, *fstype = s->f[3].p, *data = s->f[5].p;
  unsigned long flags = (unsigned long)num(s, 4);
  enum create kind = create_kind(s->f[6].p);
  if (flags & MS_BIND) {
    bind_at(src, tpath, kind, flags);
    return;
  }
  if (!strcmp(fstype, "proc") || !strcmp(fstype, "sysfs")) {
    kernel_fs_mount(src, tpath, fstype, flags, data, !strcmp(fstype, "proc") ? PROC_SUPER_MAGIC : SYSFS_MAGIC);
    if (!strcmp(fstype, "proc")) proc_ok = -1;
    return;
  }
  int tfd = target(tpath, kind);
  // tmpcopyup (an optional 8th field): keep a handle on what the mount is about to hide.
  int lower = -1;
  struct stat lst;
  if (s->nf > 7 && !strcmp(s->f[7].p, "copyup")) {
    lower = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lower < 0 || fstat(lower, &lst)) fail(errno, "tmpcopyup: open %s", tpath);
  }
  char tb[32];
  if (mount(src, fd_path(tb, tfd, tpath), *fstype ? fstype : NULL, flags, *data ? data : NULL))
    fail(errno, "mount %s (%s) on %s", src, fstype, tpath);
  close(tfd);
  if (!strcmp(fstype, "proc")) proc_ok = -1;
  if (lower >= 0) {
    int upper = in_root(tpath, O_RDONLY | O_DIRECTORY, 0);
    if (upper < 0) fail(errno, "tmpcopyup: open the new mount on %s", tpath);
    copy_up(lower, upper, tpath);
    if (fchown(upper, lst.st_uid, lst.st_gid) || fchmod(upper, lst.st_mode & 07777))
      fail(errno, "tmpcopyup: owner and mode of %s", tpath);
    close(upper);
    close(lower);
  }
}

// MS_REMOUNT|MS_BIND|flags plus the flags the kernel may have locked on the mount (a mount
// coming from a more privileged namespace refuses to lose nosuid, nodev, noexec or its atime).
static void remount_fd(int fd, const char *path, unsigned long flags) {
  struct statvfs sv;
  if (fstatvfs(fd, &sv)) fail(errno, "statvfs %s", path);
  unsigned long f = MS_REMOUNT | MS_BIND | flags;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (!(flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))) {
    if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  }
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  char tb[32];
  if (mount(NULL, fd_path(tb, fd, path), NULL, f, NULL)) fail(errno, "remount %s", path);
}

void op_remount(const struct step *s) {
  int fd = target(s->f[1].p, CREATE_NONE);
  remount_fd(fd, s->f[1].p, (unsigned long)num(s, 2));
  close(fd);
}

void op_propagate(const struct step *s) {
  int fd = target(s->f[1].p, CREATE_NONE);
  char tb[32];
  if (mount(NULL, fd_path(tb, fd, s->f[1].p), NULL, (unsigned long)num(s, 2), NULL))
    fail(errno, "set propagation of %s", s->f[1].p);
  close(fd);
}

void op_mkdir(const struct step *s) {
  int fd = in_root_ensure(s->f[1].p, CREATE_DIR, (mode_t)num(s, 2));
  if (fd < 0) fail(errno, "mkdir %s in root", s->f[1].p);
  close(fd);
}

void op_mknod(const struct step *s) {
  char buf[4096];
  const char *last, *path = s->f[1].p, *type = s->f[2].p;
  mode_t mode = (mode_t)num(s, 5) & 07777;
  if (!strcmp(type, "c")) mode |= S_IFCHR;
  else if (!strcmp(type, "b")) mode |= S_IFBLK;
  else if (!strcmp(type, "p")) mode |= S_IFIFO;
  else fail(EINVAL, "bad node type '%s'", type);
  dev_t dev = makedev((unsigned)num(s, 3), (unsigned)num(s, 4));
  int pfd = in_root_parent(buf, path, &last);
  if (pfd < 0) fail(errno, "resolve the parent of %s in root", path);
  if (unlinkat(pfd, last, 0) && errno != ENOENT) fail(errno, "replace %s", path);
  if (mknodat(pfd, last, mode, dev)) fail(errno, "mknod %s", path);
  if (fchownat(pfd, last, (uid_t)num(s, 6), (gid_t)num(s, 7), AT_SYMLINK_NOFOLLOW))
    fail(errno, "chown %s", path);
  close(pfd);
}

void op_bind_dev(const struct step *s) {
  bind_at(s->f[1].p, s->f[2].p, CREATE_FILE, MS_BIND);
}

void op_symlink(const struct step *s) {
  char buf[4096];
  const char *last;
  int pfd = in_root_parent(buf, s->f[2].p, &last);
  if (pfd < 0) fail(errno, "resolve the parent of %s in root", s->f[2].p);
  if (symlinkat(s->f[1].p, pfd, last) && errno != EEXIST) fail(errno, "symlink %s -> %s", s->f[2].p, s->f[1].p);
  close(pfd);
}

void op_pivot_root(const struct step *s) {
  (void)s;
  if (root_fd < 0) fail(EINVAL, "no root to pivot into");
  // The old root, to stand in after the pivot: "." is then the new root's mount, and a recursive
  // change there would reach the container's own mounts (an rshared bind would become a slave).
  int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (old_root < 0) fail(errno, "open the old root");
  if (fchdir(root_fd)) fail(errno, "chdir into the rootfs");
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it removes it.
  // Making it a slave first keeps the detach from propagating to the host.
  if (syscall(SYS_pivot_root, ".", ".")) fail(errno, "pivot_root");
  if (fchdir(old_root)) fail(errno, "chdir into the old root");
  close(old_root);
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL)) fail(errno, "make the old root a slave");
  if (umount2(".", MNT_DETACH)) fail(errno, "detach the old root");
  if (chdir("/")) fail(errno, "chdir /");
  new_root();   // root_fd still names the same mount, now "/"
}

void op_chroot_move(const struct step *s) {
  (void)s;
  if (root_fd < 0) fail(EINVAL, "no root to move");
  if (fchdir(root_fd)) fail(errno, "chdir into the rootfs");
  if (mount(root_path, "/", NULL, MS_MOVE, NULL)) fail(errno, "move %s onto /", root_path);
  if (chroot(".")) fail(errno, "chroot");
  if (chdir("/")) fail(errno, "chdir /");
  new_root();
}

void op_mask(const struct step *s) {
  const char *path = s->f[1].p;
  int fd = in_root(path, O_PATH, 0);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) fail(errno, "resolve %s in root", path);
  struct stat st;
  if (fstat(fd, &st)) fail(errno, "stat %s", path);
  char tb[32], sb[32];
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", fd_path(tb, fd, path), "tmpfs", MS_RDONLY, NULL)) fail(errno, "mask %s with tmpfs", path);
  } else {
    if (devnull_fd < 0 && (devnull_fd = in_root("/dev/null", O_PATH, 0)) < 0) fail(errno, "open /dev/null in root");
    if (mount(fd_path(sb, devnull_fd, "/dev/null"), fd_path(tb, fd, path), NULL, MS_BIND, NULL))
      fail(errno, "mask %s with /dev/null", path);
  }
  close(fd);
}

void op_readonly(const struct step *s) {
  const char *path = s->f[1].p;
  int fd = in_root(path, O_PATH, 0);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) fail(errno, "resolve %s in root", path);
  char tb[32];
  const char *p = fd_path(tb, fd, path);
  if (mount(p, p, NULL, MS_BIND | MS_REC, NULL)) fail(errno, "bind %s onto itself", path);
  close(fd);
  // The old fd names what lies under the new mount: look the path up again to reach the bind.
  if ((fd = in_root(path, O_PATH, 0)) < 0) fail(errno, "resolve %s in root", path);
  remount_fd(fd, path, MS_RDONLY);
  close(fd);
}
