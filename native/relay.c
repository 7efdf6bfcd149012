// berth-relay: the OCI runtime the engine hands to conmon, so that `create` needs no Node start.
//
// conmon runs `RUNTIME [global options] create --bundle B --pid-file P [--console-socket S] ID`
// as its child (the container init must end up below conmon, its subreaper). The engine (a Node
// process that already holds the plan's inputs) cannot be that child, so this program stands in:
// it starts the native helper (build/berth-init, beside this binary) on a fresh channel exactly
// as the runtime's TypeScript would, connects to the engine's socket, and then only relays
// records between the two. The engine runs the whole create conversation (plan, cgroups, id
// maps, state, pid file) over that relay, as src/runtime/create.ts does for a spawned helper,
// and finally sends ["relay-exit", CODE, MESSAGE]: MESSAGE goes to stderr (where conmon looks for
// a runtime's error), CODE becomes this process's exit status.
//
// Wire: the record framing of the helper's channel (docs/plan-format.md: u32 field count, then
// per field u32 length + bytes, little-endian). First record to the engine:
//   ["relay", "1", CWD, ARGV0, ARGV1, ...]
// then every byte the helper writes, unchanged; from the engine, records for the helper (passed
// on unchanged) and the final relay-exit (consumed here).
//
// Without BERTH_RELAY_SOCK, for any command but `create`, or when file descriptors are to be
// preserved (--preserve-fds, LISTEN_FDS), this execs the real runtime BERTH_RELAY_RUNTIME with
// the same arguments: `exec`, `state`, `delete` and the rest behave as berth-runtime's own.
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "channel.h"
#include "fdio.h"

#define MAX_RECORD (64u << 20)

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "berth-relay: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  exit(1);
}

static void exec_runtime(char **argv) {
  const char *rt = getenv("BERTH_RELAY_RUNTIME");
  if (!rt || !*rt) die("%s", "BERTH_RELAY_RUNTIME is not set: no runtime to hand this command to");
  argv[0] = (char *)rt;
  execv(rt, argv);
  fprintf(stderr, "berth-relay: cannot exec %s: %s\n", rt, strerror(errno));
  exit(127);
}

// The command word: the first argument that is not a global option (or an option's value).
static int command_index(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-') return i;
    if (strchr(a, '=')) continue;
    if (!strcmp(a, "--root") || !strcmp(a, "--log") || !strcmp(a, "--log-format") || !strcmp(a, "--criu") ||
        !strcmp(a, "--rootless")) i++;
  }
  return -1;
}

static void write_or_die(int fd, const void *p, size_t n) {
  if (write_all(fd, p, n) < 0) die("write to the engine: %s", strerror(errno));
}

// A helper that is gone (EPIPE) is the engine's to notice: it sees the channel end.
static void to_helper(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) return;
      die("write to the helper: %s", strerror(errno));
    }
    p += w;
    n -= (size_t)w;
  }
}

static void send_hello(int sock, int argc, char **argv) {
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) die("getcwd: %s", strerror(errno));
  size_t n = (size_t)argc + 3;
  const char *fields[n];
  fields[0] = "relay";
  fields[1] = "1";
  fields[2] = cwd;
  for (int i = 0; i < argc; i++) fields[3 + i] = argv[i];
  size_t size = record_size(n, fields);
  char *buf = malloc(size);
  if (!buf) die("%s", "out of memory");
  record_put(buf, n, fields);
  write_or_die(sock, buf, size);
  free(buf);
}

// Length of the complete record at the start of buf, 0 when incomplete; exits on a bad one.
static size_t engine_record_len(const char *buf, size_t have) {
  long len = record_len(buf, have, MAX_RECORD);
  if (len < 0) die("%s", "oversized record from the engine");
  return (size_t)len;
}

// ["relay-exit", CODE, MESSAGE]: print MESSAGE, exit with CODE (1 without one).
static void do_exit(const char *rec) {
  uint32_t l;
  const char *message = record_field(rec, 2, &l);
  if (message && l) {
    fwrite(message, 1, l, stderr);
    fputc('\n', stderr);
  }
  fflush(stderr);
  _exit(record_int(rec, 1, 1));
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  const char *sockpath = getenv("BERTH_RELAY_SOCK");
  int ci = command_index(argc, argv);
  if (!sockpath || !*sockpath || ci < 0 || strcmp(argv[ci], "create") != 0) exec_runtime(argv);
  for (int i = ci + 1; i < argc; i++)
    if (!strncmp(argv[i], "--preserve-fds", 14)) exec_runtime(argv);
  const char *lf = getenv("LISTEN_FDS");
  if (lf && atoi(lf) > 0) exec_runtime(argv);

  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(sockpath) >= sizeof addr.sun_path) die("socket path too long: %s", sockpath);
  strcpy(addr.sun_path, sockpath);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
    die("cannot reach the berth engine: %s", strerror(errno));

  // The helper: build/berth-init beside us (BERTH_INIT overrides, as for the runtime).
  char helper[PATH_MAX];
  if (helper_path(helper, sizeof helper) < 0) die("%s", "cannot find berth-init (BERTH_INIT, or beside this program)");
  int chan[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) < 0) die("socketpair: %s", strerror(errno));
  // The helper gets our stdio (conmon's pipes or nothing) and the channel as fd 3, nothing else.
  if (spawn_helper(helper, chan[1], 3, 0, "berth-relay") < 0) die("fork: %s", strerror(errno));
  close(chan[1]);
  int ch = chan[0];

  send_hello(sock, argc, argv);

  size_t cap = 1 << 16, have = 0;
  char *in = malloc(cap);
  char io[1 << 16];
  if (!in) die("%s", "out of memory");
  int chan_open = 1;
  for (;;) {
    struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = chan_open ? ch : -1, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll: %s", strerror(errno));
    }
    if (p[1].revents) {
      ssize_t n = read(ch, io, sizeof io);
      if (n > 0) {
        write_or_die(sock, io, (size_t)n);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        // The helper is done with the channel (exec'd, exited): the engine sees the end too.
        chan_open = 0;
        shutdown(sock, SHUT_WR);
      }
    }
    if (p[0].revents) {
      if (have == cap) {
        if (cap >= MAX_RECORD + 4096) die("%s", "oversized record from the engine");
        cap *= 2;
        char *g = realloc(in, cap);
        if (!g) die("%s", "out of memory");
        in = g;
      }
      ssize_t n = read(sock, in + have, cap - have);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die("%s", "the berth engine closed the connection before the create was done");
      have += (size_t)n;
      size_t off = 0, len;
      while ((len = engine_record_len(in + off, have - off)) > 0) {
        if (record_is_word(in + off, 0, "relay-exit")) do_exit(in + off);
        if (chan_open) to_helper(ch, in + off, len);
        off += len;
      }
      memmove(in, in + off, have - off);
      have -= off;
    }
  }
}
