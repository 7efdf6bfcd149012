// scheduler: process.scheduler through sched_setattr(2), which covers every policy including
// SCHED_DEADLINE (sched_setscheduler cannot). glibc has no wrapper; the struct is the kernel's
// first version (48 bytes), which every field of the spec fits in.
#include "init.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sched_attr_v0 {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

// fields: policy, flags, nice (may be negative), priority, runtime, deadline, period
void op_scheduler(const struct step *s) {
  struct sched_attr_v0 a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.sched_policy = (uint32_t)num(s, 1);
  a.sched_flags = num(s, 2);
  char *end;
  long nice = strtol(s->f[3].p, &end, 10);
  if (*end || nice < -20 || nice > 19) fail(EINVAL, "bad nice value '%s'", s->f[3].p);
  a.sched_nice = (int32_t)nice;
  a.sched_priority = (uint32_t)num(s, 4);
  a.sched_runtime = num(s, 5);
  a.sched_deadline = num(s, 6);
  a.sched_period = num(s, 7);
  if (syscall(SYS_sched_setattr, 0, &a, 0)) fail(errno, "sched_setattr policy %s priority %s nice %s", s->f[1].p, s->f[4].p, s->f[3].p);
}
