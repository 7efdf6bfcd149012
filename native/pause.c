/*
 * berth-pause: a pod's infra process. It holds the pod's namespaces open for the containers
 * that join them, sleeps until SIGTERM/SIGINT (then exits 0), and, as pid 1 of a shared PID
 * namespace, reaps the orphans re-parented to it. Static: the infra rootfs holds only this file.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig) { (void)sig; stop = 1; }
static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "-v")) {
    puts("berth-pause");
    return 0;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_child;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  while (!stop) pause();
  return 0;
}
