// process.terminal: the pty is created inside the container's devpts and its master is handed to
// whoever listens on the --console-socket.
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static int console_fd = -1;

static void dial(const struct step *s) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (s->f[1].len >= sizeof sa.sun_path) fail(ENAMETOOLONG, "console socket %s", s->f[1].p);
  memcpy(sa.sun_path, s->f[1].p, s->f[1].len + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(errno, "socket");
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) fail(errno, "connect to console socket %s", s->f[1].p);
  if (console_fd >= 0) close(console_fd);
  console_fd = fd;
}

// In the init, before the pivot (a new container).
void op_console_connect(const struct step *s) { dial(s); }

// In stage 0, before any setns (exec into a container); the init inherits the socket.
void op_console_dial(const struct step *s) { dial(s); }

// The master goes with the pty's name as payload, as runc's recvtty protocol has it.
static void send_master(int master, const char *name) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  ssize_t r;
  do r = sendmsg(console_fd, &msg, MSG_NOSIGNAL); while (r < 0 && errno == EINTR);
  if (r < 0) fail(errno, "send the pty master over the console socket");
}

struct pty { int master, slave; char name[32]; };

static void pty_open(const struct step *s, int ptmx, struct pty *p) {
  int unlock = 0;
  unsigned ptn;
  if (console_fd < 0) fail(EINVAL, "no console socket (console-connect or console-dial comes first)");
  if (ptmx < 0) fail(errno, "open /dev/ptmx");
  p->master = ptmx;
  if (ioctl(ptmx, TIOCSPTLCK, &unlock)) fail(errno, "unlock the pty");
  if (ioctl(ptmx, TIOCGPTN, &ptn)) fail(errno, "get the pty number");
  snprintf(p->name, sizeof p->name, "/dev/pts/%u", ptn);
  // TIOCGPTPEER opens the slave through the master's own devpts: no path lookup to race.
  if ((p->slave = ioctl(ptmx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) fail(errno, "open the pty slave");
  struct winsize ws = {.ws_row = (unsigned short)num(s, 1), .ws_col = (unsigned short)num(s, 2)};
  if ((ws.ws_row || ws.ws_col) && ioctl(p->slave, TIOCSWINSZ, &ws)) fail(errno, "set the console size");
}

// The terminal is ours before the master leaves: a receiver that closes it at once hangs the pty
// up, and TIOCSCTTY on a hung-up pty fails.
static void pty_finish(struct pty *p) {
  if (setsid() < 0) fail(errno, "setsid");
  if (ioctl(p->slave, TIOCSCTTY, 0)) fail(errno, "make the pty the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(p->slave, fd) < 0) fail(errno, "dup the pty slave onto fd %d", fd);
  if (p->slave > 2) close(p->slave);
  send_master(p->master, p->name);
  close(p->master);
  close(console_fd);
  console_fd = -1;
}

void op_console_setup(const struct step *s) {
  struct pty p;
  pty_open(s, in_root("/dev/ptmx", O_RDWR | O_NOCTTY, 0), &p);
  int cfd = in_root_ensure("/dev/console", CREATE_FILE, 0);
  if (cfd < 0) fail(errno, "create /dev/console in root");
  char sb[32], tb[32];
  if (mount(fd_path(sb, p.slave, p.name), fd_path(tb, cfd, "/dev/console"), NULL, MS_BIND, NULL))
    fail(errno, "bind the pty slave over /dev/console");
  close(cfd);
  pty_finish(&p);
}

// exec with a terminal: the process's root is already the container's (its mount namespace was
// joined), so /dev/ptmx is the container's own; /dev/console stays the container's.
void op_console_pty(const struct step *s) {
  struct pty p;
  pty_open(s, root_fd >= 0 ? in_root("/dev/ptmx", O_RDWR | O_NOCTTY, 0) : open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), &p);
  pty_finish(&p);
}
