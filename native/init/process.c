// Process steps: namespaces, identity, limits, capabilities and the seccomp filter.
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void write_file(const char *path, const char *value, size_t len) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open %s", path);
  if (write(fd, value, len) != (ssize_t)len) fail(errno, "write '%s' to %s", value, path);
  close(fd);
}

void op_unshare(const struct step *s) {
  if (unshare(ns_flags(s->f[1].p))) fail(errno, "unshare %s", s->f[1].p);
}

void op_become_root(const struct step *s) {
  (void)s;
  if (setresgid(0, 0, 0)) fail(errno, "setresgid 0");
  if (setresuid(0, 0, 0)) fail(errno, "setresuid 0");
}

void op_sethostname(const struct step *s) {
  if (sethostname(s->f[1].p, s->f[1].len)) fail(errno, "sethostname %s", s->f[1].p);
}

void op_setdomainname(const struct step *s) {
  if (setdomainname(s->f[1].p, s->f[1].len)) fail(errno, "setdomainname %s", s->f[1].p);
}

void op_sysctl(const struct step *s) {
  char path[512];
  int n = snprintf(path, sizeof path, "/proc/sys/%s", s->f[1].p);
  if (n < 0 || (size_t)n >= sizeof path) fail(ENAMETOOLONG, "sysctl %s", s->f[1].p);
  for (char *p = path + 10; *p; p++)
    if (*p == '.') *p = '/';
  write_file(path, s->f[2].p, s->f[2].len);
}

void op_setsid(const struct step *s) {
  (void)s;
  if (setsid() < 0) fail(errno, "setsid");
}

void op_rlimit(const struct step *s) {
  // RLIM_INFINITY is all ones, which is also what the plan's 18446744073709551615 parses to.
  struct rlimit rl = {.rlim_cur = num(s, 2), .rlim_max = num(s, 3)};
  if (prlimit(0, (int)num(s, 1), &rl, NULL)) fail(errno, "prlimit resource %s", s->f[1].p);
}

void op_oom_score_adj(const struct step *s) {
  num(s, 1);
  write_file("/proc/self/oom_score_adj", s->f[1].p, s->f[1].len);
}

void op_personality(const struct step *s) {
  if (personality((unsigned long)num(s, 1)) < 0) fail(errno, "personality %s", s->f[1].p);
}

void op_ioprio(const struct step *s) {
  int prio = (int)(num(s, 1) << 13 | num(s, 2));
  if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, prio)) fail(errno, "ioprio_set");
}

void op_no_new_privs(const struct step *s) {
  (void)s;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) fail(errno, "set no_new_privs");
}

void op_caps_bounding(const struct step *s) {
  uint64_t keep = hexnum(s, 1);
  for (int cap = 0; cap < 64; cap++) {
    if (keep >> cap & 1) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) break;   // past cap_last_cap
    fail(errno, "drop capability %d from the bounding set", cap);
  }
}

void op_keep_caps(const struct step *s) {
  (void)s;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) fail(errno, "set keep-caps");
}

void op_setgroups(const struct step *s) {
  int n = s->nf - 1;
  gid_t *gids = n ? malloc((size_t)n * sizeof *gids) : NULL;
  if (n && !gids) fail(ENOMEM, "setgroups");
  for (int i = 0; i < n; i++) gids[i] = (gid_t)num(s, i + 1);
  if (setgroups((size_t)n, gids)) fail(errno, "setgroups (%d groups)", n);
  free(gids);
}

void op_setresgid(const struct step *s) {
  gid_t g = (gid_t)num(s, 1);
  if (setresgid(g, g, g)) fail(errno, "setresgid %s", s->f[1].p);
}

void op_setresuid(const struct step *s) {
  uid_t u = (uid_t)num(s, 1);
  if (setresuid(u, u, u)) fail(errno, "setresuid %s", s->f[1].p);
}

void op_caps(const struct step *s) {
  uint64_t e = hexnum(s, 1), p = hexnum(s, 2), i = hexnum(s, 3);
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2] = {
    {.effective = (uint32_t)e, .permitted = (uint32_t)p, .inheritable = (uint32_t)i},
    {.effective = (uint32_t)(e >> 32), .permitted = (uint32_t)(p >> 32), .inheritable = (uint32_t)(i >> 32)},
  };
  if (syscall(SYS_capset, &h, d)) fail(errno, "capset eff %s perm %s inh %s", s->f[1].p, s->f[2].p, s->f[3].p);
}

void op_caps_ambient(const struct step *s) {
  uint64_t mask = hexnum(s, 1);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)) fail(errno, "clear the ambient set");
  for (int cap = 0; cap < 64; cap++)
    if ((mask >> cap & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0))
      fail(errno, "raise ambient capability %d", cap);
}

void op_umask(const struct step *s) {
  exec_umask = (mode_t)num(s, 1) & 0777;
}

void op_chdir(const struct step *s) {
  char cwd[4096];
  if (chdir(s->f[1].p)) fail(errno, "chdir %s", s->f[1].p);
  // A cwd outside the root (a leaked host directory, CVE-2024-21626) shows as "(unreachable)/…"
  // from the system call; glibc's getcwd hides that behind ENOENT, hence the raw call.
  if (syscall(SYS_getcwd, cwd, sizeof cwd) < 0) fail(errno, "getcwd after chdir %s", s->f[1].p);
  if (cwd[0] != '/') fail(EPERM, "cwd %s is outside the root (%.64s)", s->f[1].p, cwd);
}

void op_close_fds(const struct step *s) {
  unsigned from = (unsigned)num(s, 1);
  if (syscall(SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  for (int fd = (int)from; fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);  // before Linux 5.11
}

void op_seccomp(const struct step *s) {
  const struct field *f = &s->f[2];
  if (!f->len || f->len % sizeof(struct sock_filter)) fail(EINVAL, "filter of %u bytes", f->len);
  struct sock_fprog prog = {.len = (unsigned short)(f->len / sizeof(struct sock_filter)), .filter = (struct sock_filter *)f->p};
  if (f->len / sizeof(struct sock_filter) > 0xffff) fail(EINVAL, "filter of %u instructions", f->len / 8);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)num(s, 1), &prog) < 0)
    fail(errno, "load the seccomp filter (flags %s)", s->f[1].p);
}
