// berth-runtime-client: the `berth-runtime` on PATH. With berthd running, runc's commands run in
// berthd's warm process (src/daemon/runtime-serve.ts) instead of a fresh Node; without it, or
// for what berthd sends back, this execs the plain runtime, dist/berth-runtime.mjs.
//
// berthd decides and computes everything (the command line, the plan, cgroups, id maps, hooks,
// state.json, the pid file); this process only does what must happen in the caller's process
// tree: it starts the helper (build/berth-init, beside this binary) with the caller's stdio and
// preserved fds, so that the container's init descends from the caller as under runc, relays
// the helper's channel to berthd, forwards the caller's signals to the helper's stage 0 (`run`
// and `exec` in the foreground), writes the command's output, and exits with its status.
// The wire is described in src/daemon/runtime-serve.ts.
//
// The plain runtime runs instead when BERTH_NO_DAEMON is set (not "0"), when the caller is not
// root (berthd serves root only), when no berthd answers on $BERTH_DAEMON_SOCKET (default
// /run/berth/berthd.sock), or when berthd says so: for a command it always leaves to the plain
// runtime (ps, spec, a terminal to relay...), or when it cannot serve this client (another
// build, other namespaces).
// BERTH_DAEMON_REQUIRED=1 makes the cases where berthd could have served an error (exit 125)
// instead, for tests that must know which path ran.
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
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "channel.h"
#include "fdio.h"
#include "sigrelay.h"

extern char **environ;

#define DEFAULT_SOCKET "/run/berth/berthd.sock"
#define MAX_RECORD (64u << 20)

static char script[PATH_MAX + 64];
static char self_dir[PATH_MAX];

static void die(const char *what) {
  fprintf(stderr, "berth-runtime: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void find_paths(void) {
  ssize_t n = readlink("/proc/self/exe", self_dir, sizeof self_dir - 1);
  if (n <= 0) n = 0;
  self_dir[n] = 0;
  char *slash = strrchr(self_dir, '/');
  if (slash) *slash = 0;
  const char *env = getenv("BERTH_RUNTIME_CLI");
  if (env && *env) snprintf(script, sizeof script, "%s", env);
  else snprintf(script, sizeof script, "%s/../dist/berth-runtime.mjs", self_dir);
}

// The plain runtime's real path, which berthd compares with its own build's: only needed when
// berthd answers (the plain path execs `script` as it is).
static void resolve_script(void) {
  char real[PATH_MAX];
  if (realpath(script, real)) snprintf(script, sizeof script, "%s", real);
}

static void exec_node(char **argv) {
  argv[0] = script;
  execv(script, argv);
  fprintf(stderr, "berth-runtime: cannot run %s: %s\n", script, strerror(errno));
  exit(127);
}

static void exec_plain(char **argv, const char *why) {
  const char *req = getenv("BERTH_DAEMON_REQUIRED");
  if (req && *req && strcmp(req, "0")) {
    fprintf(stderr, "berth-runtime: berthd cannot run this command: %s\n", why);
    exit(125);
  }
  exec_node(argv);
}

// The request frame: u32 length, then NUL-terminated strings.
struct buf { char *p; size_t len, cap; };

static void put(struct buf *b, const char *s) {
  size_t n = strlen(s) + 1;
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) die("out of memory");
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void put_long(struct buf *b, long v) {
  char s[32];
  snprintf(s, sizeof s, "%ld", v);
  put(b, s);
}

// This process's namespaces, as berthd compares them with its own: "cgroup:[4026531835] ...".
static const char *const NAMESPACES[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

static void namespaces(char *out, size_t cap) {
  size_t o = 0;
  out[0] = 0;
  for (size_t i = 0; i < sizeof NAMESPACES / sizeof NAMESPACES[0]; i++) {
    char link[64], target[128];
    snprintf(link, sizeof link, "/proc/self/ns/%s", NAMESPACES[i]);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) { target[0] = '-'; n = 1; }
    target[n] = 0;
    o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s%s", i ? " " : "", target);
  }
}

static int send_request(int sock, int argc, char **argv, const char *cwd) {
  struct buf b = {0};
  b.cap = 8192;
  b.p = malloc(b.cap);
  if (!b.p) die("out of memory");
  b.len = 4;
  put(&b, "berth-runtime/1");
  put(&b, script);
  put_long(&b, getpid());
  put(&b, cwd);
  char ns[1024];
  namespaces(ns, sizeof ns);
  put(&b, ns);
  put_long(&b, argc - 1);
  for (int i = 1; i < argc; i++) put(&b, argv[i]);
  long envc = 0;
  for (char **e = environ; *e; e++) envc++;
  put_long(&b, envc);
  for (char **e = environ; *e; e++) put(&b, *e);
  put_u32(b.p, (uint32_t)(b.len - 4));
  int r = write_all(sock, b.p, b.len);
  free(b.p);
  return r;
}

// A growing input buffer of records.
struct inbuf { char *p; size_t have, cap; };

static int fill(struct inbuf *b, int fd) {
  if (b->have == b->cap) {
    if (b->cap >= MAX_RECORD + 4096) { errno = EMSGSIZE; return -1; }
    b->cap = b->cap ? b->cap * 2 : 65536;
    char *g = realloc(b->p, b->cap);
    if (!g) die("out of memory");
    b->p = g;
  }
  ssize_t n = read(fd, b->p + b->have, b->cap - b->have);
  if (n > 0) b->have += (size_t)n;
  return (int)n;
}

static void consume(struct inbuf *b, size_t n) {
  memmove(b->p, b->p + n, b->have - n);
  b->have -= n;
}

// One of our small records (client-helper-exit, client-helper-eof) to berthd.
static void send_record(int sock, size_t n, const char *const *fields) {
  char buf[256];
  size_t size = record_size(n, fields);
  if (size > sizeof buf) return;
  record_put(buf, n, fields);
  if (write_all(sock, buf, size) < 0) { /* berthd is gone: noticed on the next read */ }
}

// Our own fds stay above 2 (0-2 are open from the start; this only guards that our output can
// never go into a socket of ours).
static int high(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return h;
}

// ["client-spawn", WAIT, PRESERVE]: the helper, build/berth-init, with fds 0-2 and
// 3..3+preserve-1 the caller's and the channel above them; SIGCHLD tells us stage 0 is done,
// and with --wait (WAIT "1") the caller's signals go to it. Returns its pid; *chan is our end.
static pid_t start_helper(int wait, int preserve, int *chan) {
  if (preserve < 0) preserve = 0;
  char helper[PATH_MAX];
  if (helper_path(helper, sizeof helper) < 0) { errno = ENAMETOOLONG; die("berth-init's path"); }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
  sv[0] = high(sv[0]);
  sv[1] = high(sv[1]);
  if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die("pipe");
  sig_pipe[0] = high(sig_pipe[0]);
  sig_pipe[1] = high(sig_pipe[1]);
  if (sv[0] < 0 || sv[1] < 0 || sig_pipe[0] < 0 || sig_pipe[1] < 0) die("fcntl");
  catch_signal(SIGCHLD);
  if (wait) catch_forwarded();
  pid_t pid = spawn_helper(helper, sv[1], 3 + preserve, wait, "berth-runtime");
  if (pid < 0) die("fork");
  close(sv[1]);
  *chan = sv[0];
  // Drained without waiting when stage 0 exits (an init waiting for "go" keeps it open).
  fcntl(*chan, F_SETFL, O_NONBLOCK);
  return pid;
}

// Passes the complete records the helper wrote on to berthd, in one write; -1 when one is
// malformed.
static int pass_records(int sock, struct inbuf *from_h) {
  long len;
  size_t o = 0;
  while ((len = record_len(from_h->p + o, from_h->have - o, MAX_RECORD)) > 0) o += (size_t)len;
  if (o && write_all(sock, from_h->p, o) < 0) { /* noticed on the next read */ }
  consume(from_h, o);
  return len < 0 ? -1 : 0;
}

// ["client-helper-exit", CODE, SIGNAL]: how stage 0 ended (one of the two is empty).
static void report_exit(int sock, int status) {
  char code[16] = "", sig[16] = "";
  if (WIFEXITED(status)) snprintf(code, sizeof code, "%d", WEXITSTATUS(status));
  else snprintf(sig, sizeof sig, "%d", WTERMSIG(status));
  const char *rec[] = {"client-helper-exit", code, sig};
  send_record(sock, 3, rec);
}

int main(int argc, char **argv) {
  // A closed stdio fd becomes /dev/null, as the plain runtime (Node) and runc find them: the
  // container then has all three open whichever path serves it.
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR) < 0) die("open /dev/null");
  find_paths();
  const char *off = getenv("BERTH_NO_DAEMON");
  if (off && *off && strcmp(off, "0")) exec_plain(argv, "BERTH_NO_DAEMON is set");
  if (geteuid() != 0) exec_plain(argv, "berthd serves root only");
  const char *path = getenv("BERTH_DAEMON_SOCKET");
  if (!path || !*path) path = DEFAULT_SOCKET;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) exec_plain(argv, "the socket path is too long");
  strcpy(sa.sun_path, path);
  int sock = high(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0) exec_plain(argv, "no berthd answers on the socket");
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) exec_plain(argv, "the working directory is gone");
  signal(SIGPIPE, SIG_IGN);
  resolve_script();
  if (send_request(sock, argc, argv, cwd) < 0) exec_plain(argv, "the request could not be sent");

  struct inbuf from_d = {0}, from_h = {0};
  int chan = -1;          // our end of the helper's channel, -1 before the spawn and after EOF
  pid_t helper = 0;       // stage 0, until reaped
  int replied = 0;        // a record from berthd came: no falling back from here on
  for (;;) {
    struct pollfd pf[3] = {
      {.fd = sock, .events = POLLIN},
      {.fd = chan, .events = POLLIN},
      {.fd = sig_pipe[0], .events = POLLIN},
    };
    if (poll(pf, 3, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (pf[2].revents) {
      unsigned char c;
      int reaped = 0;
      while (read(sig_pipe[0], &c, 1) == 1) {
        if (c == SIGCHLD) reaped = 1;
        else if (helper > 0) kill(helper, c);
      }
      int st;
      if (reaped && helper > 0 && waitpid(helper, &st, WNOHANG) == helper) {
        helper = 0;
        // What the helper wrote before it went is ahead of its exit.
        while (chan >= 0) {
          int n = fill(&from_h, chan);
          if (n > 0) continue;
          if (n < 0 && errno == EINTR) continue;
          break;
        }
        pass_records(sock, &from_h);
        report_exit(sock, st);
      }
    }
    if (chan >= 0 && pf[1].revents) {
      int n = fill(&from_h, chan);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (pass_records(sock, &from_h) < 0) n = 0;  // a malformed record: the conversation is over
      if (n <= 0) {
        close(chan);
        chan = -1;
        const char *rec[] = {"client-helper-eof"};
        send_record(sock, 1, rec);
      }
    }
    if (!pf[0].revents) continue;
    int n = fill(&from_d, sock);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Nothing understood yet (a berthd of an older build answers in its own words): nothing
      // was done, the plain runtime can run the command.
      if (!replied) exec_plain(argv, "berthd did not take the command");
      fprintf(stderr, "berth-runtime: lost the connection to berthd before the command ended\n");
      exit(1);
    }
    // Runs of helper records go on in one write; our own records are handled in between.
    size_t o = 0, run = 0;
    long len;
    while ((len = record_len(from_d.p + o, from_d.have - o, MAX_RECORD)) > 0) {
      replied = 1;
      const char *rec = from_d.p + o;
      uint32_t w0;
      const char *f0 = record_field(rec, 0, &w0);
      if (!f0 || w0 < 7 || memcmp(f0, "client-", 7)) { o += (size_t)len; continue; }
      if (o > run && chan >= 0 && write_all(chan, from_d.p + run, o - run) < 0) { /* the helper is gone: berthd sees its channel end */ }
      o += (size_t)len;
      run = o;
      uint32_t l;
      if (record_is_word(rec, 0, "client-out") || record_is_word(rec, 0, "client-err")) {
        const char *f = record_field(rec, 1, &l);
        if (f && write_all(record_is_word(rec, 0, "client-out") ? 1 : 2, f, l) < 0) { /* the reader is gone */ }
      } else if (record_is_word(rec, 0, "client-exit")) {
        exit(record_int(rec, 1, -1) & 0xff);
      } else if (record_is_word(rec, 0, "client-fallback")) {
        const char *f = record_field(rec, 2, &l);
        char why[256];
        snprintf(why, sizeof why, "%.*s", f ? (int)(l < 255 ? l : 255) : 0, f ? f : "");
        if (chan >= 0 || helper > 0) { fprintf(stderr, "berth-runtime: berthd: %s\n", why); exit(1); }
        close(sock);
        if (record_is_word(rec, 1, "command")) exec_node(argv);
        exec_plain(argv, why);
      } else if (record_is_word(rec, 0, "client-spawn")) {
        if (chan >= 0 || helper > 0) { fprintf(stderr, "berth-runtime: berthd asked for a second helper\n"); exit(1); }
        helper = start_helper(record_int(rec, 1, -1) == 1, record_int(rec, 2, -1), &chan);
      }
      // Anything else of ours is from a newer berthd: ignored.
    }
    if (len < 0 && !replied) exec_plain(argv, "berthd did not take the command");
    if (len < 0) {
      fprintf(stderr, "berth-runtime: a malformed record from berthd\n");
      exit(1);
    }
    if (o > run && chan >= 0 && write_all(chan, from_d.p + run, o - run) < 0) { /* as above */ }
    consume(&from_d, o);
  }
}
