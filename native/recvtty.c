// berth-recvtty [--print-only | --tty] SOCKET: the receiving end of a --console-socket (for
// tests, and the relay of a foreground `run -t` / `exec -t` without one).
// Listens on SOCKET (the path appears only once it accepts connections: it is bound under a
// temporary name and renamed), takes one connection, receives a pty master with SCM_RIGHTS, and
// then either prints "got pty: NAME" and exits when the pty hangs up (--print-only), or copies the master's output to
// stdout and stdin to the master until the pty hangs up (every slave closed).
// --tty does what runc does for its caller's terminal: when stdin is a tty it is put in raw mode
// (keys, ^C included, go to the container's pty, which does the echoing and signals) and restored
// on the way out, and the pty's window size follows stdin's, on SIGWINCH too.
// --tty with fd 3 open (a pipe from berthd, whose exec sessions have no terminal of their own):
// each line "HEIGHT WIDTH" read from it sets the pty's window size (docker's exec resize).
// SIGUSR1 (sent once the process on the pty has exited): copy what the pty still holds, then exit
// after DRAIN_QUIET_MS without output, even if a background process keeps the pty open. The
// quiet time is measured here, so a relay that is short of CPU still passes everything on.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "fdio.h"

static struct termios saved;
static int raw_on;
static volatile sig_atomic_t winch = 1;   // the size is copied once at the start
static volatile sig_atomic_t draining;
#define DRAIN_QUIET_MS 150

static void on_drain(int sig) { (void)sig; draining = 1; }

static void restore(void) {
  if (raw_on) tcsetattr(0, TCSANOW, &saved);
  raw_on = 0;
}

static void on_winch(int sig) { (void)sig; winch = 1; }
static void on_term(int sig) {
  restore();
  signal(sig, SIG_DFL);
  raise(sig);
}

// Raw mode on our stdin when it is a terminal; SIGWINCH marks the size for copying.
static void tty_setup(void) {
  struct sigaction sa = {.sa_handler = on_winch};   // no SA_RESTART: poll returns EINTR
  sigaction(SIGWINCH, &sa, NULL);
  if (!isatty(0) || tcgetattr(0, &saved)) return;
  struct termios t = saved;
  cfmakeraw(&t);
  if (tcsetattr(0, TCSANOW, &t)) return;
  raw_on = 1;
  atexit(restore);
  for (int sig = 1; sig < 32; sig++)
    if (sig == SIGTERM || sig == SIGHUP || sig == SIGINT || sig == SIGQUIT) signal(sig, on_term);
}

static void copy_size(int master) {
  struct winsize ws;
  winch = 0;
  if (!ioctl(0, TIOCGWINSZ, &ws) && (ws.ws_row || ws.ws_col)) ioctl(master, TIOCSWINSZ, &ws);
}

// Applies every complete "H W" line in the size channel; returns -1 once it is closed.
static int read_sizes(int fd, int master) {
  static char line[64];
  static size_t len;
  ssize_t n = read(fd, line + len, sizeof line - 1 - len);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 0 : -1;
  if (n == 0) return -1;
  len += (size_t)n;
  line[len] = 0;
  char *nl;
  while ((nl = memchr(line, '\n', len))) {
    *nl = 0;
    unsigned h, w;
    if (sscanf(line, "%u %u", &h, &w) == 2 && h <= 0xffff && w <= 0xffff) {
      struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
      ioctl(master, TIOCSWINSZ, &ws);
    }
    size_t used = (size_t)(nl - line) + 1;
    memmove(line, nl + 1, len - used);
    len -= used;
  }
  if (len == sizeof line - 1) len = 0;   // an over-long line: dropped
  return 0;
}

static int die(const char *what) {
  fprintf(stderr, "berth-recvtty: %s: %s\n", what, strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  int print_only = argc == 3 && !strcmp(argv[1], "--print-only");
  int tty = argc == 3 && !strcmp(argv[1], "--tty");
  // The size channel is a pipe (a socket pair from Node) on fd 3 from the start: checked before
  // this program opens anything, since the received pty master itself may land on fd 3 (its
  // output then went to read_sizes: `run -it` lost the container's output).
  struct stat st3;
  int sizes = tty && fstat(3, &st3) == 0 && (S_ISFIFO(st3.st_mode) || S_ISSOCK(st3.st_mode)) ? 3 : -1;
  if (argc != 2 + print_only + tty) {
    fprintf(stderr, "usage: berth-recvtty [--print-only | --tty] SOCKET\n");
    return 2;
  }
  // Before the socket appears: from then on the caller may ask for the drain.
  struct sigaction drain = {.sa_handler = on_drain};   // no SA_RESTART: poll returns EINTR
  sigaction(SIGUSR1, &drain, NULL);
  const char *path = argv[argc - 1];
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) + 5 >= sizeof sa.sun_path) {
    fprintf(stderr, "berth-recvtty: socket path too long\n");
    return 2;
  }
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s.tmp", path);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0) return die("socket");
  unlink(sa.sun_path);
  if (bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 1)) return die("listen");
  if (rename(sa.sun_path, path)) return die("rename the socket into place");
  int c;
  do c = accept4(ls, NULL, NULL, SOCK_CLOEXEC); while (c < 0 && errno == EINTR);
  if (c < 0) return die("accept");
  close(ls);
  unlink(path);

  char name[256], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n;
  do n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) return die("recvmsg");
  name[n] = 0;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
    fprintf(stderr, "berth-recvtty: no fd received\n");
    return 1;
  }
  int master;
  memcpy(&master, CMSG_DATA(cm), sizeof master);
  close(c);
  if (print_only) {
    // Report at once, then hold the master (discarding output) until the container lets go of
    // the pty, so that closing it does not hang up a container that is still starting.
    printf("got pty: %s\n", name);
    fflush(stdout);
    char sink[4096];
    for (;;) {
      ssize_t r = read(master, sink, sizeof sink);
      if (r == 0 || (r < 0 && errno != EINTR)) break;
    }
    return 0;
  }

  if (tty) tty_setup();
  struct pollfd pf[3] = {{.fd = master, .events = POLLIN}, {.fd = 0, .events = POLLIN}, {.fd = sizes, .events = POLLIN}};
  char buf[16384];
  for (;;) {
    if (tty && winch) copy_size(master);
    int ready = poll(pf, 3, draining ? DRAIN_QUIET_MS : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return die("poll");
    }
    if (ready == 0) return 0;   // draining, and the pty has been quiet: what is left is a holder's
    if (pf[2].revents && read_sizes(sizes, master) < 0) pf[2].fd = -1;
    if (pf[0].revents) {
      // Drain before honouring a hangup: the last output arrives together with POLLHUP.
      n = read(master, buf, sizeof buf);
      if (n > 0) {
        if (write_all(1, buf, (size_t)n)) return die("write stdout");
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return 0;   // EIO: every slave is closed
    }
    if (pf[1].revents) {
      n = read(0, buf, sizeof buf);
      if (n <= 0) pf[1].fd = -1;   // stdin done; keep copying output
      else if (write_all(master, buf, (size_t)n)) return die("write the pty");
    }
  }
}
