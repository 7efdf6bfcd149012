/*
 * berth-attach: the client side of conmon's attach socket, for `berth run -i/-t`, `berth
 * attach` and `berth start -a`. Node cannot open SOCK_SEQPACKET sockets, hence this helper.
 *
 *   berth-attach [--stdin] [--tty] [--ctl FIFO] [--ready-fd N] [--detach-keys HEX] SOCKET
 *
 * conmon's framing: every packet it sends starts with one byte naming the stream (2 stdout,
 * 3 stderr), the rest is data; what the client sends is raw stdin data. Shutting down our
 * write side makes conmon close the container's stdin. With --tty the local terminal is put in
 * raw mode (restored on exit) and its size is written to conmon's control FIFO ("1 ROWS COLS\n")
 * at start and on SIGWINCH. --ready-fd gets one byte once connected (so that the caller starts
 * the container only then and no output is lost). Exits 0 when conmon closes the socket.
 * --detach-keys (the bytes in hex, e.g. 1011 for ctrl-p,ctrl-q): when they are typed, they are
 * not sent, and it exits DETACHED_EXIT at once, without shutting down its write side (the
 * container's stdin stays as it is); the bytes of a partial match are held until it breaks.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "fdio.h"

#define DETACHED_EXIT 3

static struct termios saved;
static int tty_raw = 0;
static volatile sig_atomic_t winch = 0;

static void restore(void) {
  if (tty_raw) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

static void on_winch(int sig) {
  (void)sig;
  winch = 1;
}

static void send_size(const char *ctl) {
  struct winsize ws;
  if (!ctl || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0) return;
  int fd = open(ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return;
  char buf[64];
  int n = snprintf(buf, sizeof buf, "1 %u %u\n", ws.ws_row, ws.ws_col);
  if (write(fd, buf, n) < 0) { /* conmon gone: nothing to resize */ }
  close(fd);
}

int main(int argc, char **argv) {
  int want_stdin = 0, want_tty = 0, ready_fd = -1;
  const char *ctl = NULL, *path = NULL;
  unsigned char keys[32];
  size_t nkeys = 0, matched = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--stdin")) want_stdin = 1;
    else if (!strcmp(argv[i], "--tty")) want_tty = 1;
    else if (!strcmp(argv[i], "--ctl") && i + 1 < argc) ctl = argv[++i];
    else if (!strcmp(argv[i], "--ready-fd") && i + 1 < argc) ready_fd = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--detach-keys") && i + 1 < argc) {
      const char *hex = argv[++i];
      size_t len = strlen(hex);
      if (len % 2 || len / 2 > sizeof keys) { fprintf(stderr, "berth-attach: bad --detach-keys %s\n", hex); return 2; }
      for (nkeys = 0; nkeys < len / 2; nkeys++) {
        unsigned int b;
        if (sscanf(hex + 2 * nkeys, "%2x", &b) != 1) { fprintf(stderr, "berth-attach: bad --detach-keys %s\n", hex); return 2; }
        keys[nkeys] = (unsigned char)b;
      }
    } else path = argv[i];
  }
  if (!path) {
    fprintf(stderr, "usage: berth-attach [--stdin] [--tty] [--ctl FIFO] [--ready-fd N] [--detach-keys HEX] SOCKET\n");
    return 2;
  }
  /* sun_path holds 108 bytes: connect relative to the socket's directory. */
  char *dup1 = strdup(path), *dup2 = strdup(path);
  const char *dir = dirname(dup1), *base = basename(dup2);
  int dirfd = open(".", O_RDONLY | O_CLOEXEC);
  if (chdir(dir) < 0) {
    fprintf(stderr, "berth-attach: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(base) >= sizeof addr.sun_path) {
    fprintf(stderr, "berth-attach: socket name too long\n");
    return 1;
  }
  strcpy(addr.sun_path, base);
  if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
    fprintf(stderr, "berth-attach: connect %s: %s\n", path, strerror(errno));
    return 1;
  }
  if (dirfd >= 0) {
    if (fchdir(dirfd) < 0) { /* stay where we are */ }
    close(dirfd);
  }
  if (ready_fd >= 0) {
    if (write(ready_fd, "1", 1) < 0) { /* caller gone */ }
    close(ready_fd);
  }
  if (want_tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
    struct termios raw = saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
      tty_raw = 1;
      atexit(restore);
    }
  }
  if (want_tty) {
    struct sigaction sa = {.sa_handler = on_winch};
    sigaction(SIGWINCH, &sa, NULL);
    send_size(ctl);
  }
  signal(SIGPIPE, SIG_IGN);
  char buf[32768 + 1];
  int stdin_open = want_stdin;
  for (;;) {
    if (winch) {
      winch = 0;
      send_size(ctl);
    }
    struct pollfd p[2] = {{.fd = s, .events = POLLIN}, {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(s, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (n > 1) {
        int out = buf[0] == 3 ? STDERR_FILENO : STDOUT_FILENO;
        if (write_all(out, buf + 1, (size_t)n - 1) < 0) break;
      }
    }
    if (stdin_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(STDIN_FILENO, buf, sizeof buf - 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        stdin_open = 0;
        shutdown(s, SHUT_WR);
        continue;
      }
      if (nkeys) {
        /* Filter the detach keys out: what passes is rebuilt in out[]. */
        static char out[2 * sizeof buf];
        size_t o = 0;
        for (ssize_t k = 0; k < n; k++) {
          unsigned char b = (unsigned char)buf[k];
          if (b == keys[matched]) {
            if (++matched == nkeys) {
              if (o) send(s, out, o, 0);
              return DETACHED_EXIT;
            }
            continue;
          }
          memcpy(out + o, keys, matched);
          o += matched;
          matched = 0;
          if (b == keys[0]) matched = 1;
          else out[o++] = (char)b;
        }
        if (o && send(s, out, o, 0) < 0) stdin_open = 0;
      } else if (send(s, buf, (size_t)n, 0) < 0) {
        stdin_open = 0;
      }
    }
  }
  return 0;
}
