// berth-client: the `berth` command. With a berthd running (`berth system service`), it hands
// the command to one of the daemon's warm workers (a Node process that has already booted and
// loaded the CLI) instead of starting Node; without one it execs the plain CLI, dist/berth.mjs.
//
// The worker runs the command as if it were this process: this process's argv, environment,
// working directory and umask, and its standard streams. Those are reopened by the worker through
// /proc/<this pid>/fd/N where that gives the same stream: terminals, character devices, anonymous
// pipes, regular files (stdin at offset 0; stdout/stderr in append mode or at the file's end).
// A socket cannot be reopened: for those this process relays through a pipe of its own. Anything
// else (a named FIFO, a file in the middle) makes it run the plain CLI, which is always right.
// Signals that would reach a command in a terminal (INT, TERM, HUP, QUIT, USR1/2, WINCH) are
// passed on to the worker; its exit status becomes this process's.
//
// Wire (unix stream socket, $BERTH_DAEMON_SOCKET or /run/berth/berthd.sock; a user's own berthd
// at RUN_ROOT/berthd.sock, see enter_userns), one request:
//   u32 length (little-endian), then NUL-terminated strings:
//   "berth-client/1", SCRIPT (realpath of the plain CLI), PID, UMASK (octal), CWD,
//   STDIN, STDOUT, STDERR (each "-" for closed, or MODE FD with MODE r|w|a|u: the fd of this
//   process to open, read/write/append/read-write), ARGC, ARGV..., ENVC, ENV...
// Replies, lines: "pid N" (the worker has taken the streams), then "exit N" or "signal N";
// or, before "pid", "fallback REASON": run the plain CLI instead; or "served" (version 2: berthd
// runs a read-only command in its own process and has taken the streams as a worker would): a
// signal then ends this process at once, as it would end the plain CLI (nothing is forwarded:
// the command has no process of its own and changes nothing).
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "fdio.h"
#include "sigrelay.h"

extern char **environ;

#define DEFAULT_SOCKET "/run/berth/berthd.sock"
#define BUF_SIZE 65536

static char script[PATH_MAX + 64];
static volatile pid_t worker_pid = 0;

static char self_exe[PATH_MAX], self_dir[PATH_MAX];

static void find_script(void) {
  ssize_t len = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
  if (len > 0) {
    self_exe[len] = 0;
    snprintf(self_dir, sizeof self_dir, "%s", self_exe);
    char *cut = strrchr(self_dir, '/');
    if (cut) *cut = 0; else self_dir[0] = 0;
  } else {
    self_exe[0] = self_dir[0] = 0;
  }
  const char *env = getenv("BERTH_CLI");
  if (env && *env) {
    if (!realpath(env, script)) snprintf(script, sizeof script, "%s", env);
    return;
  }
  // build/berth-client → ../dist/berth.mjs
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    snprintf(script, sizeof script, "berth.mjs");
    return;
  }
  self[n] = 0;
  char *slash = strrchr(self, '/');
  if (slash) *slash = 0;
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/../dist/berth.mjs", self);
  if (!realpath(path, script)) snprintf(script, sizeof script, "%s", path);
}

// BERTH_DAEMON_REQUIRED=1: a command berthd cannot take fails (exit 125) instead of running in
// the plain CLI; for checking that the daemon path is taken.
static void exec_plain(char **argv, const char *why) {
  const char *req = getenv("BERTH_DAEMON_REQUIRED");
  if (req && *req && strcmp(req, "0")) {
    fprintf(stderr, "berth: berthd cannot run this command: %s\n", why);
    exit(125);
  }
  argv[0] = script;
  execv(script, argv);
  fprintf(stderr, "berth: cannot run %s: %s\n", script, strerror(errno));
  exit(127);
}

// Without root, every command runs inside the user's own user namespace (docs/rootless.md). The
// plain CLI would exec build/berth-userns itself, after a Node start of its own; here the client
// has the helper run it again inside instead, when the run root is the default: the engine's
// rule (src/engine/paths.ts defaultRoots), $XDG_RUNTIME_DIR/berth, else /tmp/berth-UID (the
// tests check that `info` and the pause process agree). Inside, the client talks to the user's
// own berthd (RUN_ROOT/berthd.sock) or execs the plain CLI, which is then inside already. Its
// workers can reopen the client's streams through /proc only from the same user namespace.
// Any --run-root or BERTH_RUN_ROOT, or no helper: the plain CLI decides.
#define USERNS_ENV "BERTH_USERNS_RUN_ROOT"

// The user's default run root, or -1 when the command names another.
static int rootless_run_root(int argc, char **argv, char *out, size_t cap) {
  const char *env = getenv("BERTH_RUN_ROOT");
  if (env && *env) return -1;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '-') break;
    if (!strncmp(argv[i], "--run-root", 10)) return -1;
  }
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg) snprintf(out, cap, "%s/berth", xdg);
  else snprintf(out, cap, "/tmp/berth-%u", (unsigned)geteuid());
  return 0;
}

// Not root: runs this client again inside the user's namespace; returns when it cannot.
static void enter_userns(int argc, char **argv) {
  char helper[PATH_MAX + 32], run_root[PATH_MAX];
  if (!self_dir[0] || rootless_run_root(argc, argv, run_root, sizeof run_root) < 0) return;
  snprintf(helper, sizeof helper, "%s/berth-userns", self_dir);
  if (access(helper, X_OK) != 0) return;
  char **args = calloc((size_t)argc + 3, sizeof *args);
  if (!args) return;
  args[0] = helper;
  args[1] = run_root;
  args[2] = self_exe;
  for (int i = 1; i < argc; i++) args[i + 2] = argv[i];
  setenv(USERNS_ENV, run_root, 1);
  execv(helper, args);
  unsetenv(USERNS_ENV);
  free(args);
}

// Inside the user's namespace (root there, not the identity map of the host's root): the run
// root it was entered for; NULL elsewhere. The variable goes: nothing after us needs it.
static const char *userns_run_root(void) {
  static char run_root[PATH_MAX];
  const char *env = getenv(USERNS_ENV);
  if (!env || !*env || geteuid() != 0) return NULL;
  snprintf(run_root, sizeof run_root, "%s", env);
  unsetenv(USERNS_ENV);
  FILE *f = fopen("/proc/self/uid_map", "re");
  unsigned long in = 0, out = 0, count = 0;
  int n = f ? fscanf(f, "%lu %lu %lu", &in, &out, &count) : 0;
  if (f) fclose(f);
  if (n != 3 || (in == 0 && out == 0 && count == 4294967295UL)) return NULL;
  return run_root;
}

// The command words: `system service` is the daemon itself and never goes through it.
static int is_service(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-') break;
    if (strchr(a, '=')) continue;
    if (!strcmp(a, "--root") || !strcmp(a, "--run-root") || !strcmp(a, "--runtime")) i++;
  }
  return i + 1 < argc && !strcmp(argv[i], "system") && !strcmp(argv[i + 1], "service");
}

struct relay {
  int real;    // this process's fd (0, 1 or 2)
  int ours;    // our end of the relay pipe, -1 when none
  int theirs;  // the worker's end (closed once the worker has it)
  int eof;
  char buf[BUF_SIZE];
  size_t len, off;
};

static struct relay relays[3];

static int relay_spec(int fd, char *spec, size_t cap);

// Decides how the worker gets fd `fd`; writes the spec; returns 0, or -1 for "run the plain CLI".
static int stdio_spec(int fd, char *spec, size_t cap) {
  struct relay *r = &relays[fd];
  r->real = fd;
  r->ours = r->theirs = -1;
  struct stat st;
  if (fstat(fd, &st) < 0) {
    snprintf(spec, cap, "-");
    return 0;
  }
  int fl = fcntl(fd, F_GETFL);
  if (isatty(fd)) {
    snprintf(spec, cap, "u%d", fd);
    return 0;
  }
  if (S_ISCHR(st.st_mode)) {
    snprintf(spec, cap, "%c%d", fd == 0 ? 'r' : 'w', fd);
    return 0;
  }
  if (S_ISFIFO(st.st_mode)) {
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return -1;
    target[n] = 0;
    // An anonymous pipe reopens without blocking; a named FIFO might wait for a partner.
    if (strncmp(target, "pipe:", 5)) return -1;
    snprintf(spec, cap, "%c%d", fd == 0 ? 'r' : 'w', fd);
    return 0;
  }
  if (S_ISREG(st.st_mode)) {
    // A reopened file has an offset of its own. Appending is the same either way; reading
    // stdin from the start too (what follows us on this stdin sees its offset unmoved: fine
    // for `while read …; do berth …; done < file` unless berth itself reads stdin).
    if (fd == 0 && lseek(fd, 0, SEEK_CUR) != 0) return -1;
    if (fd == 0 || (fl & O_APPEND)) {
      snprintf(spec, cap, "%c%d", fd == 0 ? 'r' : 'a', fd);
      return 0;
    }
    // `> file`: later writers share this fd's offset, so the output must go through it.
    return relay_spec(fd, spec, cap);
  }
  if (S_ISSOCK(st.st_mode)) return relay_spec(fd, spec, cap);
  return -1;
}

// stdio through a pipe of ours: the worker opens its end, this process copies.
static int relay_spec(int fd, char *spec, size_t cap) {
  struct relay *r = &relays[fd];
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return -1;
  if (fd == 0) {
    r->theirs = p[0];
    r->ours = p[1];
    snprintf(spec, cap, "r%d", p[0]);
  } else {
    r->theirs = p[1];
    r->ours = p[0];
    snprintf(spec, cap, "w%d", p[1]);
  }
  fcntl(r->ours, F_SETFL, O_NONBLOCK);
  return 0;
}

// The request, built in one growing buffer.
struct buf {
  char *p;
  size_t len, cap;
};

static void put(struct buf *b, const char *s) {
  size_t n = strlen(s) + 1;
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) {
      perror("berth");
      exit(125);
    }
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void put_int(struct buf *b, long v) {
  char s[32];
  snprintf(s, sizeof s, "%ld", v);
  put(b, s);
}

// Copies what a worker-to-us relay holds to the real fd; nonblocking reads.
static void drain_out(struct relay *r) {
  if (r->ours < 0) return;
  char buf[BUF_SIZE];
  for (;;) {
    ssize_t n = read(r->ours, buf, sizeof buf);
    if (n > 0) {
      if (write_all(r->real, buf, (size_t)n) < 0) {
        // Our reader is gone: so is the worker's (it gets EPIPE, as it would have).
        close(r->ours);
        r->ours = -1;
        return;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      close(r->ours);
      r->ours = -1;
    }
    return;
  }
}

static void die_of(int sig) {
  signal(sig, SIG_DFL);
  sigset_t all;
  sigemptyset(&all);
  sigaddset(&all, sig);
  sigprocmask(SIG_UNBLOCK, &all, NULL);
  raise(sig);
  exit(128 + sig);
}

static void exit_like(const char *line) {
  if (!strncmp(line, "exit ", 5)) exit(atoi(line + 5) & 0xff);
  if (!strncmp(line, "signal ", 7)) die_of(atoi(line + 7));
  fprintf(stderr, "berth: unexpected reply from berthd: %s\n", line);
  exit(125);
}

int main(int argc, char **argv) {
  find_script();
  const char *off = getenv("BERTH_NO_DAEMON");
  if (is_service(argc, argv)) {
    // A user's berthd: into the user's namespace here, by exec, as every other command. The
    // sockets systemd passes (socket activation: LISTEN_FDS, fd 3 on) survive these execs;
    // they did not survive the plain CLI's own hop (Node's process.execve), so a user's
    // berth-docker.socket could not be served.
    if (geteuid() != 0) enter_userns(argc, argv);
    argv[0] = script;
    execv(script, argv);
    fprintf(stderr, "berth: cannot run %s: %s\n", script, strerror(errno));
    return 127;
  }
  if (geteuid() != 0) {
    enter_userns(argc, argv);
    exec_plain(argv, "berthd serves a user inside the user's namespace only");
  }
  const char *inside = userns_run_root();
  if (off && *off && strcmp(off, "0")) exec_plain(argv, "BERTH_NO_DAEMON is set");

  // A user's berthd is their own (`berth system service` as that user): RUN_ROOT/berthd.sock,
  // in the user's private run root.
  const char *path = getenv("BERTH_DAEMON_SOCKET");
  char user_socket[PATH_MAX + 16];
  if (!path || !*path) {
    path = DEFAULT_SOCKET;
    if (inside) {
      snprintf(user_socket, sizeof user_socket, "%s/berthd.sock", inside);
      path = user_socket;
    }
  }
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) exec_plain(argv, "the socket path is too long");
  strcpy(sa.sun_path, path);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0) exec_plain(argv, "no berthd answers on the socket");

  char specs[3][32];
  for (int fd = 0; fd < 3; fd++) {
    if (stdio_spec(fd, specs[fd], sizeof specs[fd]) < 0) exec_plain(argv, "a standard stream it cannot reopen (a named FIFO, a file read from the middle...)");
  }

  // Signals are caught from here on, and passed on once the worker is known.
  if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) exec_plain(argv, "no pipe for signals");
  catch_forwarded();
  signal(SIGPIPE, SIG_IGN);

  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) exec_plain(argv, "the working directory is gone");
  mode_t mask = umask(0);
  umask(mask);

  struct buf req = {0};
  put(&req, "berth-client/2");
  put(&req, script);
  put_int(&req, getpid());
  char m[16];
  snprintf(m, sizeof m, "%o", (unsigned)mask);
  put(&req, m);
  put(&req, cwd);
  for (int fd = 0; fd < 3; fd++) put(&req, specs[fd]);
  put_int(&req, argc - 1);
  for (int i = 1; i < argc; i++) put(&req, argv[i]);
  long envc = 0;
  for (char **e = environ; *e; e++) envc++;
  put_int(&req, envc);
  for (char **e = environ; *e; e++) put(&req, *e);
  uint32_t len = (uint32_t)req.len;
  unsigned char hdr[4] = {len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >> 24};
  if (write_all(sock, (char *)hdr, 4) < 0 || write_all(sock, req.p, req.len) < 0) exec_plain(argv, "the request could not be sent");
  free(req.p);

  char line[256];
  size_t line_len = 0;
  int pending_sigs[64];
  int npending = 0;
  int started = 0;
  int served = 0; // "served": berthd runs the command in its own process
  for (;;) {
    struct pollfd pf[6];
    int n = 0;
    pf[n++] = (struct pollfd){.fd = sock, .events = POLLIN};
    pf[n++] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
    int idx[3] = {-1, -1, -1};
    if (started) {
      for (int fd = 0; fd < 3; fd++) {
        struct relay *r = &relays[fd];
        if (r->ours < 0) continue;
        if (fd == 0) {
          // stdin: read the real fd when our buffer is empty, else wait to write the pipe.
          if (r->len > r->off) pf[n] = (struct pollfd){.fd = r->ours, .events = POLLOUT};
          else if (!r->eof) pf[n] = (struct pollfd){.fd = 0, .events = POLLIN};
          else continue;
        } else {
          pf[n] = (struct pollfd){.fd = r->ours, .events = POLLIN};
        }
        idx[fd] = n++;
      }
    }
    if (poll(pf, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      perror("berth: poll");
      exit(125);
    }
    if (pf[1].revents) {
      unsigned char c;
      while (read(sig_pipe[0], &c, 1) == 1) {
        if (worker_pid > 0) kill(worker_pid, c);
        else if (served && c != SIGWINCH) die_of(c);
        else if (npending < 64) pending_sigs[npending++] = c;
      }
    }
    for (int fd = 0; fd < 3; fd++) {
      struct relay *r = &relays[fd];
      if (idx[fd] < 0 || !pf[idx[fd]].revents) continue;
      if (fd != 0) {
        drain_out(r);
        continue;
      }
      if (r->len > r->off) {
        ssize_t w = write(r->ours, r->buf + r->off, r->len - r->off);
        if (w > 0) r->off += (size_t)w;
        else if (w < 0 && errno != EAGAIN && errno != EINTR) { close(r->ours); r->ours = -1; }
        if (r->off == r->len) r->off = r->len = 0;
      } else {
        ssize_t got = read(0, r->buf, sizeof r->buf);
        if (got > 0) { r->len = (size_t)got; r->off = 0; }
        else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
          r->eof = 1;
          close(r->ours); // the worker's stdin ends
          r->ours = -1;
        }
      }
    }
    if (!pf[0].revents) continue;
    ssize_t got = read(sock, line + line_len, sizeof line - 1 - line_len);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      drain_out(&relays[1]);
      drain_out(&relays[2]);
      fprintf(stderr, "berth: lost the connection to berthd before the command ended\n");
      exit(125);
    }
    line_len += (size_t)got;
    line[line_len] = 0;
    char *nl;
    while ((nl = strchr(line, '\n'))) {
      *nl = 0;
      if (!strncmp(line, "fallback", 8)) {
        if (started) { fprintf(stderr, "berth: berthd: %s\n", line); exit(125); }
        close(sock);
        exec_plain(argv, line + 9);
      } else if (!strcmp(line, "served")) {
        served = started = 1;
        for (int fd = 0; fd < 3; fd++) {
          if (relays[fd].theirs >= 0) close(relays[fd].theirs);
          relays[fd].theirs = -1;
        }
        for (int i = 0; i < npending; i++) if (pending_sigs[i] != SIGWINCH) die_of(pending_sigs[i]);
        npending = 0;
      } else if (!strncmp(line, "pid ", 4)) {
        worker_pid = (pid_t)atoi(line + 4);
        started = 1;
        for (int fd = 0; fd < 3; fd++) {
          if (relays[fd].theirs >= 0) close(relays[fd].theirs);
          relays[fd].theirs = -1;
        }
        for (int i = 0; i < npending; i++) kill(worker_pid, pending_sigs[i]);
        npending = 0;
      } else {
        // The worker has exited: everything it wrote is in the relay pipes already.
        drain_out(&relays[1]);
        drain_out(&relays[2]);
        exit_like(line);
      }
      size_t rest = line_len - (size_t)(nl + 1 - line);
      memmove(line, nl + 1, rest + 1);
      line_len = rest;
    }
    if (line_len >= sizeof line - 1) {
      fprintf(stderr, "berth: berthd sent a line too long\n");
      exit(125);
    }
  }
}
