// The self-pipe through which berth's two clients (client.c, runtime-client.c) pass the
// caller's signals on: the handler only writes the signal's number to sig_pipe[1] (async-signal
// safe); the poll loop reads it and sends the signal where it belongs.
#ifndef BERTH_SIGRELAY_H
#define BERTH_SIGRELAY_H

#include <errno.h>
#include <signal.h>
#include <unistd.h>

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig) {
  int saved = errno;
  unsigned char c = (unsigned char)sig;
  if (write(sig_pipe[1], &c, 1) < 0) { /* full: the signal is pending already */ }
  errno = saved;
}

// What a client forwards: what a shell or supervisor sends a foreground command.
static const int FORWARDED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// Catches `sig` through on_signal, restarting interrupted calls.
static void catch_signal(int sig) {
  struct sigaction act = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
  sigemptyset(&act.sa_mask);
  sigaction(sig, &act, NULL);
}

static void catch_forwarded(void) {
  for (size_t i = 0; i < sizeof FORWARDED / sizeof FORWARDED[0]; i++) catch_signal(FORWARDED[i]);
}

#endif
