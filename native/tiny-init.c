/*
 * berth-tiny-init: what `berth run --init` puts at /sbin/docker-init (no tini on this host).
 * Statically linked (images need not have a libc). As pid 1 of the container it runs
 * `argv[1..]` (after an optional "--") as its child, forwards the signals it gets to that child,
 * reaps every orphan that is re-parented to it, and exits with the child's status (128+N when
 * the child was killed by signal N), as tini does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int first = 1;
  if (first < argc && !strcmp(argv[first], "--")) first++;
  if (first >= argc) {
    fprintf(stderr, "usage: berth-tiny-init [--] COMMAND [ARG...]\n");
    return 2;
  }
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t child = fork();
  if (child < 0) {
    perror("berth-tiny-init: fork");
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* Its own process group in the foreground of the terminal, if there is one. */
    setpgid(0, 0);
    if (isatty(STDIN_FILENO)) {
      signal(SIGTTOU, SIG_IGN);
      tcsetpgrp(STDIN_FILENO, getpid());
      signal(SIGTTOU, SIG_DFL);
    }
    execvp(argv[first], argv + first);
    fprintf(stderr, "berth-tiny-init: exec %s: %s\n", argv[first], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  for (;;) {
    struct timespec tick = {.tv_sec = 1, .tv_nsec = 0};
    siginfo_t info;
    int sig = sigtimedwait(&all, &info, &tick);
    if (sig > 0 && sig != SIGCHLD) kill(child, sig);
    for (;;) {
      int status;
      pid_t p = waitpid(-1, &status, WNOHANG);
      if (p <= 0) break;
      if (p == child) {
        /* Reap what is left, then report the child's status. */
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        return 1;
      }
    }
  }
}
