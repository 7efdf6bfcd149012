// Stage 0: the steps that run in the helper itself, before the init is cloned.
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct { const char *name; int flag; } nsnames[] = {
  {"user", CLONE_NEWUSER}, {"mount", CLONE_NEWNS}, {"pid", CLONE_NEWPID},
  {"network", CLONE_NEWNET}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC},
  {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

// "user mount pid" → CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID; an unknown name fails the step.
int ns_flags(const char *names) {
  int flags = 0;
  const char *p = names;
  while (*p) {
    while (*p == ' ') p++;
    size_t len = strcspn(p, " ");
    if (!len) break;
    size_t i;
    for (i = 0; i < sizeof nsnames / sizeof nsnames[0]; i++)
      if (strlen(nsnames[i].name) == len && !memcmp(nsnames[i].name, p, len)) break;
    if (i == sizeof nsnames / sizeof nsnames[0]) fail(EINVAL, "unknown namespace '%.*s'", (int)len, p);
    flags |= nsnames[i].flag;
    p += len;
  }
  return flags;
}

void op_setns(const struct step *s) {
  int type = ns_flags(s->f[2].p);
  int fd = open(s->f[1].p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open %s", s->f[1].p);
  if (setns(fd, type)) fail(errno, "setns %s (%s)", s->f[1].p, s->f[2].p);
  close(fd);
}

void op_unshare_time(const struct step *s) {
  (void)s;
  if (unshare(CLONE_NEWTIME)) fail(errno, "unshare(CLONE_NEWTIME)");
}

void op_timens_offset(const struct step *s) {
  char line[128];
  int len = snprintf(line, sizeof line, "%s %s %s\n", s->f[1].p, s->f[2].p, s->f[3].p);
  int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open /proc/self/timens_offsets");
  if (write(fd, line, (size_t)len) != len) fail(errno, "write %s offset to /proc/self/timens_offsets", s->f[1].p);
  close(fd);
}
