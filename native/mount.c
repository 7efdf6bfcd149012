// berth-mount OP ARG... [OP ARG...]...: the mount, netns and fifo steps that Node.js cannot make
// itself (mount(2), umount2(2), unshare(2), mknod(2)), a whole logical step in one exec instead of
// one util-linux mount/umount/unshare/mkfifo spawn per syscall. Linked statically: no dynamic
// loader or locale work on a container's start path.
//
// Every OP takes a fixed number of arguments; the whole command line is checked before anything
// is done, then the ops run in order. Paths are used as given (absolute paths expected).
//   overlay TARGET LOWERDIRS UPPERDIR WORKDIR EXTRA
//        mount -t overlay: LOWERDIRS is overlayfs's ':'-separated list (topmost first); UPPERDIR
//        and WORKDIR both "" for a read-only overlay; EXTRA "" or more comma-separated options.
//        No path may hold a ',' (the kernel splits the options on it).
//   bind SOURCE TARGET            bind mount (MS_BIND)
//   rbind SOURCE TARGET           recursive bind mount (MS_BIND|MS_REC)
//   remount-ro TARGET             makes the bind mount at TARGET read-only, keeping its nosuid,
//                                 nodev, noexec and atime flags (mount -o remount,bind,ro)
//   umount PATH FLAGS             umount2(PATH, UMOUNT_NOFOLLOW); FLAGS is "" or a comma list of
//                                 lazy        busy (EBUSY): detach it lazily (MNT_DETACH)
//                                 missing-ok  not a mount point or no such path (EINVAL, ENOENT): done
//   shared DIR                    DIR bind-mounted onto itself unless it is a mount point already,
//                                 then made a shared mount (MS_SHARED), as ip-netns does its dir
//   netns PATH                    a new network namespace pinned at PATH: PATH created
//                                 (O_EXCL, mode 0444), a child unshare(CLONE_NEWNET)s and bind-mounts
//                                 its /proc/self/ns/net onto PATH (it shares our mount namespace,
//                                 so the mount is ours), and is reaped; on failure PATH is removed.
//                                 Its loopback interface is brought up (as ip-netns users and the
//                                 CNI loopback plugin do): every berth netns has a working lo.
//   podns IPC UTS HOSTNAME NETNS SYSCTLS
//                                 a pod's namespaces without a process to hold them (CRI-O's
//                                 pinns): a child unshares a new IPC namespace when IPC is not
//                                 "" and a new UTS namespace when UTS is not "" (with HOSTNAME
//                                 set in it), writes the sysctls of those namespaces, bind-mounts
//                                 its /proc/self/ns/{ipc,uts} onto IPC and UTS (created O_EXCL,
//                                 0444), then, when NETNS is not "", joins that network namespace
//                                 and writes the net.* sysctls there. SYSCTLS: "" or lines
//                                 "key=value" (key dotted as for sysctl(8), no '/' or empty part;
//                                 net.* need NETNS, the others are written in the new IPC/UTS
//                                 namespaces; the caller checks which keys are namespaced). On
//                                 failure IPC and UTS are unmounted and removed again.
//   umount-if-empty DIR           unmounts DIR when it is a mount point and has no entries; busy,
//                                 not mounted or missing is fine (another user still has it)
//   unlink PATH                   removes PATH; already gone is fine
//   mkfifo PATH MODE              a FIFO with exactly MODE (octal; our umask is 0)
// Exit 0 when every op succeeded. On the first failure: exit 3 and one line on stderr,
//   "<op index>\t<errno>\t<message>" (index from 0), nothing further done. Bad usage: exit 2 and
//   the same kind of line with errno 0.
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "fdio.h"

static long op_index;

__attribute__((noreturn)) static void fail(int err, const char *what, const char *path) {
  fprintf(stderr, "%ld\t%d\t%s %s: %s\n", op_index, err, what, path, strerror(err));
  exit(3);
}

__attribute__((noreturn)) static void usage(const char *why, const char *arg) {
  fprintf(stderr, "%ld\t0\tbad usage: %s%s%s\n", op_index, why, arg ? " " : "", arg ? arg : "");
  exit(2);
}

struct op_def {
  const char *name;
  int argc;
};

static const struct op_def OPS[] = {
  { "overlay", 5 }, { "bind", 2 }, { "rbind", 2 }, { "remount-ro", 1 }, { "umount", 2 },
  { "shared", 1 }, { "netns", 1 }, { "umount-if-empty", 1 }, { "unlink", 1 }, { "mkfifo", 2 },
  { "podns", 5 },
};

static const struct op_def *find_op(const char *name) {
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
    if (!strcmp(OPS[i].name, name)) return &OPS[i];
  return NULL;
}

/* Decodes mountinfo's octal escapes (\040 for a space...) in place. */
static void unescape(char *s) {
  char *o = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 3;
    } else {
      *o++ = *s;
    }
  }
  *o = 0;
}

/* Whether `path` (not following a last-component symlink) is the root of a mount: statx's
 * STATX_ATTR_MOUNT_ROOT where the kernel reports it (5.8+), else a look at /proc/self/mountinfo. */
static int is_mount_point(const char *path) {
  struct statx stx;
  if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0) return -1;
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) return !!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return -1;
  char *line = NULL;
  size_t cap = 0;
  int found = 0;
  while (!found && getline(&line, &cap, f) > 0) {
    // id parent major:minor root MOUNT-POINT ...
    char *save = NULL, *field = strtok_r(line, " ", &save);
    for (int i = 0; field && i < 4; i++) field = strtok_r(NULL, " ", &save);
    if (field) {
      unescape(field);
      found = !strcmp(field, path);
    }
  }
  free(line);
  fclose(f);
  return found;
}

static void op_overlay(char **a) {
  const char *target = a[0], *lower = a[1], *upper = a[2], *work = a[3], *extra = a[4];
  if (!*lower) fail(EINVAL, "mount overlay (no lowerdir) on", target);
  if ((*upper != 0) != (*work != 0)) fail(EINVAL, "mount overlay (upperdir and workdir go together) on", target);
  if (strchr(lower, ',') || strchr(upper, ',') || strchr(work, ',')) fail(EINVAL, "mount overlay (a ',' in a directory name) on", target);
  char data[4096];
  int n = *upper ? snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
                 : snprintf(data, sizeof data, "lowerdir=%s", lower);
  if (n >= 0 && (size_t)n < sizeof data && *extra) n += snprintf(data + n, sizeof data - n, ",%s", extra);
  // The kernel copies at most a page of options.
  if (n < 0 || (size_t)n >= sizeof data) fail(E2BIG, "mount overlay (options longer than a page) on", target);
  if (mount("overlay", target, "overlay", 0, data) < 0) fail(errno, "mount overlay on", target);
}

static void op_bind(char **a, unsigned long rec) {
  if (mount(a[0], a[1], NULL, MS_BIND | rec, NULL) < 0) fail(errno, rec ? "rbind mount onto" : "bind mount onto", a[1]);
}

static void op_remount_ro(char **a) {
  struct statvfs sv;
  if (statvfs(a[0], &sv) < 0) fail(errno, "statvfs", a[0]);
  // A bind remount sets the mount's flags as a whole: what is not passed again is cleared.
  unsigned long keep = 0;
  if (sv.f_flag & ST_NOSUID) keep |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) keep |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) keep |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) keep |= MS_RELATIME;
  if (mount(NULL, a[0], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0) fail(errno, "remount read-only", a[0]);
}

static int has_flag(const char *list, const char *flag) {
  size_t fl = strlen(flag);
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    size_t l = end ? (size_t)(end - p) : strlen(p);
    if (l == fl && !strncmp(p, flag, fl)) return 1;
    p += l + (end ? 1 : 0);
  }
  return 0;
}

static int valid_umount_flags(const char *list) {
  char copy[64];
  if (strlen(list) >= sizeof copy) return 0;
  strcpy(copy, list);
  for (char *save = NULL, *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save))
    if (strcmp(f, "lazy") && strcmp(f, "missing-ok")) return 0;
  return 1;
}

static void op_umount(char **a) {
  const char *path = a[0];
  if (umount2(path, UMOUNT_NOFOLLOW) == 0) return;
  int e = errno;
  if (e == EBUSY && has_flag(a[1], "lazy")) {
    if (umount2(path, UMOUNT_NOFOLLOW | MNT_DETACH) == 0) return;
    fail(errno, "lazy umount", path);
  }
  if ((e == EINVAL || e == ENOENT) && has_flag(a[1], "missing-ok")) return;
  fail(e, "umount", path);
}

static void op_shared(char **a) {
  const char *dir = a[0];
  int m = is_mount_point(dir);
  if (m < 0) fail(errno, "stat", dir);
  if (!m && mount(dir, dir, NULL, MS_BIND, NULL) < 0) fail(errno, "bind mount onto itself:", dir);
  if (mount(NULL, dir, NULL, MS_SHARED, NULL) < 0) fail(errno, "make shared:", dir);
}

struct child_report {
  int stage; /* 0 done, 1 unshare, 2 bind mount */
  int err;
};

// `ip link set lo up` in the current netns (what the CNI loopback plugin does, without a Go
// binary's start for every container).
static int loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
  if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    rc = ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  int e = errno;
  close(s);
  errno = e;
  return rc;
}

// The parent's half of a step run in a forked child: closes the pipe's write end, reads the
// child's report (n bytes into r, whose first field is an int stage, 0 when done) and reaps the
// child. 1: done; 0: the child reported a failure; -1: it died without reporting.
static int await_child(int p[2], pid_t pid, void *r, size_t n) {
  close(p[1]);
  ssize_t got;
  do got = read(p[0], r, n); while (got < 0 && errno == EINTR);
  close(p[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (got != (ssize_t)n) return -1;
  return *(const int *)r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
}

static void op_netns(char **a) {
  const char *path = a[0];
  int fd = open(path, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0444);
  if (fd < 0) fail(errno, "create", path);
  close(fd);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    int e = errno;
    unlink(path);
    fail(e, "pipe for", path);
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    unlink(path);
    fail(e, "fork for", path);
  }
  if (pid == 0) {
    // Same mount namespace as the parent: the bind mount below lands in it.
    struct child_report r = { 0, 0 };
    if (unshare(CLONE_NEWNET) < 0) r = (struct child_report){ 1, errno };
    else if (loopback_up() < 0) r = (struct child_report){ 3, errno };
    else if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0) r = (struct child_report){ 2, errno };
    ssize_t w = write(p[1], &r, sizeof r);
    _exit(w == (ssize_t)sizeof r && r.stage == 0 ? 0 : 1);
  }
  struct child_report r = { -1, 0 };
  int done = await_child(p, pid, &r, sizeof r);
  if (done == 1) return;
  unlink(path);
  if (done < 0) fail(EPIPE, "netns child died before reporting, for", path);
  fail(r.err, r.stage == 1 ? "unshare(CLONE_NEWNET) for" : r.stage == 3 ? "bringing lo up in the new netns for" : "bind mount of the new netns onto", path);
}

// Writes value to /proc/sys/<key with '.' as '/'> (in the namespaces of the calling process).
static int write_sysctl(const char *key, const char *value) {
  char path[PATH_MAX];
  int n = snprintf(path, sizeof path, "/proc/sys/%s", key);
  if (n < 0 || (size_t)n >= sizeof path) { errno = ENAMETOOLONG; return -1; }
  for (char *c = path + 10; *c; c++) if (*c == '.') *c = '/';
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t w = write(fd, value, strlen(value));
  int e = errno;
  close(fd);
  errno = e;
  return w < 0 ? -1 : 0;
}

// The sysctls of SYSCTLS ("key=value" lines) whose key does (net != 0) or does not start with
// "net.": 0, or -1 with errno set and *bad the failing line.
static int write_sysctls(char *lines, int net, const char **bad) {
  for (char *save = NULL, *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char *eq = strchr(l, '=');
    if (!eq) { *bad = l; errno = EINVAL; return -1; }
    *eq = 0;
    int is_net = !strncmp(l, "net.", 4);
    int ok = strchr(l, '/') == NULL && *l && l[strlen(l) - 1] != '.' && *l != '.' && !strstr(l, "..");
    if (is_net == !!net) {
      if (!ok) { *eq = '='; *bad = l; errno = EINVAL; return -1; }
      if (write_sysctl(l, eq + 1) < 0) { int e = errno; *eq = '='; *bad = l; errno = e; return -1; }
    }
    *eq = '=';
  }
  return 0;
}

struct podns_report {
  int stage; /* 0 done, 1 unshare, 2 sethostname, 3 sysctl, 4 bind mount, 5 open/join netns, 6 net sysctl */
  int err;
  char detail[256];
};

static void op_podns(char **a) {
  const char *ipc = a[0], *uts = a[1], *hostname = a[2], *netns = a[3];
  if (!*ipc && !*uts && !*netns) fail(EINVAL, "podns: no namespace given:", "IPC, UTS and NETNS are all empty");
  if (*uts && !*hostname) fail(EINVAL, "podns: a new UTS namespace needs a hostname, for", uts);
  // Never a write into the host's namespaces: net.* only with the pod's network namespace,
  // kernel.domainname only in a new UTS namespace, every other key (the IPC ones: the caller
  // checks which are namespaced) only in a new IPC namespace; kernel.hostname is HOSTNAME's.
  for (const char *l = a[4]; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    size_t n = strcspn(l, "=\n");
    int is_net = !strncmp(l, "net.", 4);
    int is_domain = n == 17 && !strncmp(l, "kernel.domainname", 17);
    int is_host = n == 15 && !strncmp(l, "kernel.hostname", 15);
    if (is_host) fail(EINVAL, "podns: kernel.hostname is set through HOSTNAME:", l);
    if (is_net ? !*netns : is_domain ? !*uts : !*ipc)
      fail(EINVAL, is_net ? "podns: a net.* sysctl without the pod's network namespace:" : is_domain ? "podns: kernel.domainname without a new UTS namespace:" : "podns: an IPC sysctl without a new IPC namespace:", l);
  }
  const char *made[2] = { NULL, NULL };
  const char *pins[2] = { ipc, uts };
  for (int i = 0; i < 2; i++) {
    if (!*pins[i]) continue;
    int fd = open(pins[i], O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0444);
    if (fd < 0) {
      int e = errno;
      if (made[0]) unlink(made[0]);
      fail(e, "create", pins[i]);
    }
    close(fd);
    made[i] = pins[i];
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    int e = errno;
    for (int i = 0; i < 2; i++) if (made[i]) unlink(made[i]);
    fail(e, "pipe for", *ipc ? ipc : uts);
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    for (int i = 0; i < 2; i++) if (made[i]) unlink(made[i]);
    fail(e, "fork for", *ipc ? ipc : uts);
  }
  if (pid == 0) {
    // Same mount namespace as the parent: the bind mounts below land in it.
    struct podns_report r;
    memset(&r, 0, sizeof r);
    char *lines = strdup(a[4]), *net_lines = strdup(a[4]);
    const char *bad = "";
    int flags = (*ipc ? CLONE_NEWIPC : 0) | (*uts ? CLONE_NEWUTS : 0);
    if (!lines || !net_lines) r = (struct podns_report){ 3, ENOMEM, "" };
    else if (flags && unshare(flags) < 0) r = (struct podns_report){ 1, errno, "" };
    else if (*uts && sethostname(hostname, strlen(hostname)) < 0) r = (struct podns_report){ 2, errno, "" };
    else if (write_sysctls(lines, 0, &bad) < 0) { r.stage = 3; r.err = errno; snprintf(r.detail, sizeof r.detail, "%s", bad); }
    else if (*ipc && mount("/proc/self/ns/ipc", ipc, NULL, MS_BIND, NULL) < 0) { r.stage = 4; r.err = errno; snprintf(r.detail, sizeof r.detail, "%s", ipc); }
    else if (*uts && mount("/proc/self/ns/uts", uts, NULL, MS_BIND, NULL) < 0) { r.stage = 4; r.err = errno; snprintf(r.detail, sizeof r.detail, "%s", uts); }
    else if (*netns) {
      int fd = open(netns, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) { r.stage = 5; r.err = errno; snprintf(r.detail, sizeof r.detail, "%s", netns); }
      else if (write_sysctls(net_lines, 1, &bad) < 0) { r.stage = 6; r.err = errno; snprintf(r.detail, sizeof r.detail, "%s", bad); }
    }
    ssize_t w = write(p[1], &r, sizeof r);
    _exit(w == (ssize_t)sizeof r && r.stage == 0 ? 0 : 1);
  }
  struct podns_report r;
  memset(&r, 0, sizeof r);
  r.stage = -1;
  int done = await_child(p, pid, &r, sizeof r);
  if (done == 1) return;
  for (int i = 0; i < 2; i++) {
    if (!made[i]) continue;
    umount2(made[i], MNT_DETACH | UMOUNT_NOFOLLOW);
    unlink(made[i]);
  }
  r.detail[sizeof r.detail - 1] = 0;
  if (done < 0) fail(EPIPE, "podns child died before reporting, for", *ipc ? ipc : uts);
  switch (r.stage) {
    case 1: fail(r.err, "unshare(CLONE_NEWIPC|CLONE_NEWUTS) for", *ipc ? ipc : uts);
    case 2: fail(r.err, "sethostname for", uts);
    case 3: fail(r.err, "sysctl", r.detail);
    case 4: fail(r.err, "bind mount of the new namespace onto", r.detail);
    case 5: fail(r.err, "joining the network namespace", r.detail);
    default: fail(r.err, "sysctl (in the pod's network namespace)", r.detail);
  }
}

static void op_umount_if_empty(char **a) {
  const char *dir = a[0];
  int m = is_mount_point(dir);
  if (m < 0) {
    if (errno == ENOENT) return;
    fail(errno, "stat", dir);
  }
  if (!m) return;
  DIR *d = opendir(dir);
  if (!d) fail(errno, "opendir", dir);
  int empty = 1;
  for (struct dirent *de; empty && (de = readdir(d));)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) empty = 0;
  closedir(d);
  if (!empty) return;
  if (umount2(dir, UMOUNT_NOFOLLOW) < 0 && errno != EBUSY && errno != EINVAL && errno != ENOENT) fail(errno, "umount", dir);
}

static void op_unlink(char **a) {
  if (unlink(a[0]) < 0 && errno != ENOENT) fail(errno, "unlink", a[0]);
}

static int parse_mode(const char *s, mode_t *out) {
  if (!*s || strlen(s) > 4) return 0;
  unsigned v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '7') return 0;
    v = v * 8 + (unsigned)(*s - '0');
  }
  *out = (mode_t)v;
  return 1;
}

static void op_mkfifo(char **a) {
  mode_t mode = 0;
  parse_mode(a[1], &mode); // checked before anything ran
  if (mkfifo(a[0], mode) < 0) fail(errno, "mkfifo", a[0]);
}

/* Checks one op's arguments; returns how many argv entries it spans. */
static int check(char **argv, int left) {
  const struct op_def *d = find_op(argv[0]);
  if (!d) usage("unknown op", argv[0]);
  if (left - 1 < d->argc) usage("too few arguments for", argv[0]);
  for (int i = 1; i <= d->argc; i++)
    if (!*argv[i] && strcmp(d->name, "overlay") && strcmp(d->name, "umount") && strcmp(d->name, "podns")) usage("empty argument for", argv[0]);
  mode_t m;
  if (!strcmp(d->name, "umount") && !valid_umount_flags(argv[2])) usage("umount flags are lazy,missing-ok, not", argv[2]);
  if (!strcmp(d->name, "mkfifo") && !parse_mode(argv[2], &m)) usage("mkfifo mode is octal, not", argv[2]);
  if (!strcmp(d->name, "overlay") && !*argv[1]) usage("empty target for", argv[0]);
  return 1 + d->argc;
}

static void run_ops(int argc, char **argv) {
  if (argc < 2) usage("berth-mount OP ARG... [OP ARG...]... (see native/mount.c)", NULL);
  for (int i = 1; i < argc; op_index++) i += check(argv + i, argc - i);
  umask(0);
  op_index = 0;
  for (int i = 1; i < argc; op_index++) {
    const struct op_def *d = find_op(argv[i]);
    char **a = argv + i + 1;
    if (!strcmp(d->name, "overlay")) op_overlay(a);
    else if (!strcmp(d->name, "bind")) op_bind(a, 0);
    else if (!strcmp(d->name, "rbind")) op_bind(a, MS_REC);
    else if (!strcmp(d->name, "remount-ro")) op_remount_ro(a);
    else if (!strcmp(d->name, "umount")) op_umount(a);
    else if (!strcmp(d->name, "shared")) op_shared(a);
    else if (!strcmp(d->name, "netns")) op_netns(a);
    else if (!strcmp(d->name, "umount-if-empty")) op_umount_if_empty(a);
    else if (!strcmp(d->name, "unlink")) op_unlink(a);
    else if (!strcmp(d->name, "mkfifo")) op_mkfifo(a);
    else if (!strcmp(d->name, "podns")) op_podns(a);
    i += 1 + d->argc;
  }
}

static void write_full(int fd, const void *buf, size_t n) {
  if (write_all(fd, buf, n) < 0) exit(0); // our client is gone
}

// --serve: requests on stdin, one per batch: u32 N, then N arguments as u32 length + bytes (the
// argv of a one-shot run, without the program name); per request one reply on stdout: u32 exit
// status (as a one-shot run's, 128+N when killed by signal N), u32 length + its stderr. Each batch
// runs in a forked child, exactly as a one-shot run: a Node process (whose every spawn costs a
// fork of its large address space) starts this once and sends it its mounts, netns and fifos.
// End of stdin ends the server.
// The warm child of --serve: writes its own pid to PROCS (its own cgroup's cgroup.procs: a no-op
// move) every 2 ms for up to MS ms, or until our server is gone. Each write keeps the kernel's
// cgroup-attach rwsem in its slow mode, so that the container's real attach (joinCgroup) does
// not first wait out an RCU grace period (src/runtime/cgroups/apply.ts keepAttachWarm).
static pid_t warm_pid;

static void warm_stop(void) {
  if (warm_pid > 0) {
    kill(warm_pid, SIGKILL);
    while (waitpid(warm_pid, NULL, 0) < 0 && errno == EINTR) {}
  }
  warm_pid = 0;
}

static void warm_start(const char *procs, long ms) {
  warm_stop();
  pid_t server = getpid();
  pid_t pid = fork();
  if (pid != 0) {
    warm_pid = pid > 0 ? pid : 0;
    return;
  }
  char me[32];
  int n = snprintf(me, sizeof me, "%d", (int)getpid());
  struct timespec gap = {0, 2000000};
  for (long waited = 0; waited < ms && getppid() == server; waited += 2) {
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, me, (size_t)n) < 0) _exit(0);
    close(fd);
    nanosleep(&gap, NULL);
  }
  _exit(0);
}

static int serve(void) {
  signal(SIGPIPE, SIG_IGN);
  for (;;) {
    uint32_t n;
    if (read_full(0, &n, 4) < 0) return 0;
    if (n > 4096) return 2;
    char **args = calloc((size_t)n + 2, sizeof *args);
    if (!args) return 1;
    args[0] = "berth-mount";
    for (uint32_t i = 0; i < n; i++) {
      uint32_t len;
      if (read_full(0, &len, 4) < 0 || len > (1u << 20)) return 2;
      args[i + 1] = malloc((size_t)len + 1);
      if (!args[i + 1] || read_full(0, args[i + 1], len) < 0) return 2;
      args[i + 1][len] = 0;
    }
    // Two requests the server itself answers: "--warm PROCS MS" and "--warm-stop".
    if (n >= 1 && !strcmp(args[1], "--warm-stop")) {
      warm_stop();
      n = 0;
    } else if (n == 3 && !strcmp(args[1], "--warm")) {
      warm_start(args[2], atol(args[3]));
      n = 0;
    }
    if (n == 0) {
      uint32_t zero[2] = {0, 0};
      write_full(1, zero, sizeof zero);
      for (uint32_t i = 1; args[i]; i++) free(args[i]);
      free(args);
      continue;
    }
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0) return 1;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      dup2(ep[1], 2);
      run_ops((int)n + 1, args);
      exit(0);
    }
    close(ep[1]);
    char err[4096];
    size_t got = 0;
    for (;;) {
      ssize_t r = read(ep[0], err + got, sizeof err - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += (size_t)r;
      if (got == sizeof err) got = sizeof err - 1; // keep draining; the last line is what counts
    }
    close(ep[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    uint32_t code = WIFEXITED(st) ? (uint32_t)WEXITSTATUS(st) : 128u + (uint32_t)WTERMSIG(st);
    uint32_t len = (uint32_t)got;
    write_full(1, &code, 4);
    write_full(1, &len, 4);
    write_full(1, err, got);
    for (uint32_t i = 1; i <= n; i++) free(args[i]);
    free(args);
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "--serve")) return serve();
  run_ops(argc, argv);
  return 0;
}
