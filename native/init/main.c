// berth-init <channel-fd> [--wait]: reads a plan from the channel and turns it into a container
// process. See docs/plan-format.md for the plan, the records and the processes.
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t clone_init(int flags) {
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = (uint64_t)(unsigned)flags;
  ca.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  // clone3 may be filtered (ENOSYS) when berth itself runs under seccomp; clone(2) does the same
  // here since no stack is given: the child continues on a copy of ours, as with fork.
  if (pid < 0 && errno == ENOSYS) pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
  return (pid_t)pid;
}

static void run_init(const struct step *steps, int n) {
  wait_go();
  // Until exec, nothing in the container may ptrace us or open /proc/<pid>/exe (CVE-2019-5736).
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // Steps create files and nodes with exact modes; the container's umask is applied at exec.
  exec_umask = umask(0);
  for (int i = 0; i < n; i++) {
    cur = &steps[i];
    if (steps[i].stage0) fail(EINVAL, "a stage-0 step after clone");
    steps[i].run(&steps[i]);
  }
  cur = NULL;
  fail(0, "the plan ends without an exec step");
}

int main(int argc, char **argv) {
  char *end;
  if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--wait"))) {
    dprintf(2, "usage: berth-init <channel-fd> [--wait]\n");
    return 2;
  }
#ifndef BERTH_TEST_UNSEALED   // only for the test that shows the attack working without this
  reexec_sealed(argv);
#endif
  long fd = strtol(argv[1], &end, 10);
  if (*end || fd < 0 || fd > 1 << 20 || fcntl((int)fd, F_SETFD, FD_CLOEXEC)) {
    dprintf(2, "berth-init: bad channel fd '%s'\n", argv[1]);
    return 2;
  }
  chan = (int)fd;
  int wait_init = argc == 3;

  int n;
  struct step *steps = read_plan(&n);
  int i = 0;
  for (; i < n && steps[i].stage0; i++) {
    cur = &steps[i];
    // Joining a running container's namespaces: from here on its processes could see us.
    if (!strcmp(cur->f[0].p, "setns")) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    steps[i].run(&steps[i]);
  }
  cur = i < n ? &steps[i] : NULL;
  if (i == n || strcmp(steps[i].f[0].p, "clone")) fail(EINVAL, "expected a clone step here");
  int flags = ns_flags(steps[i].f[1].p);

  // Signals to forward are blocked before the clone so that none is lost in between; the init
  // gets the original mask back at once.
  sigset_t fwd, old;
  sigemptyset(&fwd);
  int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) sigaddset(&fwd, sigs[k]);
  if (wait_init) sigprocmask(SIG_BLOCK, &fwd, &old);

  pid_t pid = clone_init(flags);
  if (pid < 0) fail(errno, "clone (%s)", steps[i].f[1].p);
  if (pid == 0) {
    if (wait_init) sigprocmask(SIG_SETMASK, &old, NULL);
    run_init(steps + i + 1, n - i - 1);
  }

  char pidbuf[16];
  snprintf(pidbuf, sizeof pidbuf, "%d", pid);
  const char *rec[] = {"pid", pidbuf};
  if (chan_send(2, rec)) {
    kill(pid, SIGKILL);
    _exit(1);
  }
  if (!wait_init) _exit(0);

  close(chan);
  chan = -1;
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&fwd, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(pid, sig);
      continue;
    }
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
}
