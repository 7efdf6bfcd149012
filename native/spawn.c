// berth-spawn --serve: starts programs for a long-lived Node process (berthd), which would
// otherwise fork its whole address space for each of them (src/util/spawner.ts says why). Many
// at once: each request names an id, and its reply comes when that program is done, in any order.
//
// Framing (both ways, on stdin and stdout): u32 N, then N strings, each u32 length + bytes
// (little-endian, as the host's). A request:
//   id, kind ("run" or "sync"), timeout in ms ("0": none), cwd ("": ours), file, argc, argv...,
//   envc, env ("K=V")..., input (run: written to the program's stdin, which is then closed)
// and its reply, once:
//   run:   id, "run", exit code ("" when killed by a signal), signal name ("" or e.g. "SIGKILL"),
//          timed out ("0"/"1"), stdout, stderr      (once the program exited and closed both)
//   sync:  id, "sync", closed ("0"/"1"), text, stderr
//          (conmon's start: its fd 3 read up to the first complete line, "0"; or to its end,
//          "1", with what stderr said within 5 ms; the program is then left to run, and reaped)
//   error: id, "error", message   (it could not be started: "FILE ENOENT: No such file or
//          directory"; or the request was malformed)
// `file` without a slash is looked up in the request's PATH. A run's program is the leader of a
// process group of its own: its timeout kills the group (a plugin's own children with it), and
// a program that left its output open to a child outside it is answered 2 s after its timeout.
// End of stdin: no new requests; the runs under way are finished (their output read to its
// end, answered if the client still listens), then the server exits. Sync programs go on.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "fdio.h"

extern char **environ;

struct buf { char *p; size_t n, cap; };

static void buf_add(struct buf *b, const void *d, size_t n) {
  if (!n) return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) exit(1);
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}

enum { RUN, SYNC };

// A run whose output a process outside its group still holds is answered this long after its
// timeout, with what it had written.
#define OUTPUT_GRACE_MS 2000

struct job {
  struct job *next;
  char *id;
  int kind;
  pid_t pid;
  int in, out, err, sync;        // our ends (-1: closed)
  struct buf input, stdout_, stderr_, text;
  size_t input_off;
  long long deadline;            // run: when to kill it; sync after fd 3's end: when to answer
  int timed_out, exited, status, replied;
};

static struct job *jobs;
static int sigchld_pipe[2];
static int client_gone;

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void reply(const char *const *fields, const size_t *lens, uint32_t n) {
  if (client_gone) return;
  struct buf b = {0};
  buf_add(&b, &n, 4);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = (uint32_t)lens[i];
    buf_add(&b, &len, 4);
    buf_add(&b, fields[i], lens[i]);
  }
  if (write_all(1, b.p, b.n) < 0) client_gone = 1; // the runs under way still finish
  free(b.p);
}

static void reply_error(const char *id, const char *msg) {
  const char *f[] = {id, "error", msg};
  size_t l[] = {strlen(id), 5, strlen(msg)};
  reply(f, l, 3);
}

static void on_sigchld(int sig) {
  (void)sig;
  int e = errno;
  if (write(sigchld_pipe[1], "x", 1) < 0) {} // full: a wake-up is pending anyway
  errno = e;
}

static void signal_name(int sig, char *out, size_t size) {
  const char *abbrev = sigabbrev_np(sig);
  if (abbrev) snprintf(out, size, "SIG%s", abbrev);
  else if (sig >= SIGRTMIN && sig <= SIGRTMAX) snprintf(out, size, "SIGRTMIN+%d", sig - SIGRTMIN);
  else snprintf(out, size, "SIG%d", sig);
}

// Sends the job's reply once what it waits for is there; true when the job can go.
static int settle(struct job *j) {
  if (j->kind == RUN) {
    if (j->replied) return j->exited; // (its exec failed: gone once reaped)
    if (!j->exited || j->out >= 0 || j->err >= 0) return 0;
    char code[16] = "", sig[32] = "";
    if (WIFEXITED(j->status)) snprintf(code, sizeof code, "%d", WEXITSTATUS(j->status));
    else if (WIFSIGNALED(j->status)) signal_name(WTERMSIG(j->status), sig, sizeof sig);
    const char *f[] = {j->id, "run", code, sig, j->timed_out ? "1" : "0", j->stdout_.p ? j->stdout_.p : "", j->stderr_.p ? j->stderr_.p : ""};
    size_t l[] = {strlen(j->id), 3, strlen(code), strlen(sig), 1, j->stdout_.n, j->stderr_.n};
    reply(f, l, 7);
    j->replied = 1;
    return 1;
  }
  if (!j->replied) {
    int line = j->text.n && memchr(j->text.p, '\n', j->text.n);
    int ended = j->sync < 0 && (j->err < 0 || now_ms() >= j->deadline);
    if (!line && !ended) return 0;
    const char *f[] = {j->id, "sync", line ? "0" : "1", j->text.p ? j->text.p : "", j->stderr_.p ? j->stderr_.p : ""};
    size_t l[] = {strlen(j->id), 4, 1, j->text.n, j->stderr_.n};
    reply(f, l, 5);
    j->replied = 1;
    close_fd(&j->sync);
    close_fd(&j->err);
  }
  return j->exited; // left to run: kept until reaped
}

static void free_job(struct job *j) {
  close_fd(&j->in);
  close_fd(&j->out);
  close_fd(&j->err);
  close_fd(&j->sync);
  free(j->id);
  free(j->input.p);
  free(j->stdout_.p);
  free(j->stderr_.p);
  free(j->text.p);
  free(j);
}

// A field of a request read as a count no larger than `max`; -1 if it is not one.
static long count(const char *s, uint32_t len, unsigned long max) {
  if (!len || len > 10 || strlen(s) != len) return -1;
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  return *end || v > max ? -1 : (long)v;
}

static void close_pair(int p[2]) {
  if (p[0] >= 0) close(p[0]);
  if (p[1] >= 0) close(p[1]);
  p[0] = p[1] = -1;
}

// Starts a request's program; on failure the error reply is sent and NULL returned.
static struct job *start(char **s, const uint32_t *lens, uint32_t n) {
  // id kind timeout cwd file argc argv... envc env... input
  const char *id = n ? s[0] : "";
  long argc = n >= 8 ? count(s[5], lens[5], n - 8) : -1;
  long envc = argc > 0 ? count(s[6 + argc], lens[6 + argc], n - 8 - (uint32_t)argc) : -1;
  long timeout = n >= 8 ? count(s[2], lens[2], 1UL << 31) : -1;
  if (argc < 1 || envc < 0 || timeout < 0 || 8 + (uint32_t)argc + (uint32_t)envc != n ||
      (strcmp(s[1], "run") && strcmp(s[1], "sync"))) {
    reply_error(id, "malformed request");
    return NULL;
  }
  for (uint32_t i = 3; i < n - 1; i++) {
    if (strlen(s[i]) != lens[i]) { reply_error(id, "a NUL byte in an argument, the environment or the directory"); return NULL; }
  }
  struct job *j = calloc(1, sizeof *j);
  if (!j) exit(1);
  j->id = strdup(id);
  if (!j->id) exit(1);
  j->kind = !strcmp(s[1], "sync") ? SYNC : RUN;
  j->in = j->out = j->err = j->sync = -1;
  const char *cwd = s[3], *file = s[4];
  char **argv = calloc((size_t)argc + 1, sizeof *argv), **envp = calloc((size_t)envc + 1, sizeof *envp);
  if (!argv || !envp) exit(1);
  for (long i = 0; i < argc; i++) argv[i] = s[6 + i];
  for (long i = 0; i < envc; i++) envp[i] = s[7 + argc + i];

  int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1}, psync[2] = {-1, -1}, pexec[2] = {-1, -1};
  pid_t pid = -1;
  if (pipe2(perr, O_CLOEXEC) < 0 || pipe2(pexec, O_CLOEXEC) < 0 ||
      (j->kind == RUN && (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0)) ||
      (j->kind == SYNC && pipe2(psync, O_CLOEXEC) < 0) || (pid = fork()) < 0) {
    reply_error(j->id, strerror(errno));
    close_pair(pin); close_pair(pout); close_pair(perr); close_pair(psync); close_pair(pexec);
    free(argv);
    free(envp);
    free_job(j);
    return NULL;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    if (j->kind == RUN) setpgid(0, 0); // its timeout kills the group
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (j->kind == RUN) {
      dup2(pin[0], 0);
      dup2(pout[1], 1);
    } else {
      dup2(null, 0);
      dup2(null, 1);
      dup2(psync[1], 3);
    }
    dup2(perr[1], 2);
    if (*cwd && chdir(cwd) < 0) {
      int e = errno;
      if (write(pexec[1], &e, sizeof e) < 0) {}
      _exit(127);
    }
    environ = envp;
    execvp(file, argv);
    int e = errno;
    if (write(pexec[1], &e, sizeof e) < 0) {}
    _exit(127);
  }
  if (j->kind == RUN) setpgid(pid, pid); // (either may come first: both, as shells do)
  free(argv);
  free(envp);
  close(pexec[1]);
  if (pin[0] >= 0) close(pin[0]);
  if (pout[1] >= 0) close(pout[1]);
  if (psync[1] >= 0) close(psync[1]);
  close(perr[1]);
  j->in = pin[1];
  j->out = pout[0];
  j->sync = psync[0];
  j->err = perr[0];
  j->pid = pid;
  // The exec's outcome: end of file (it happened), or the child's errno.
  int e = 0;
  ssize_t r;
  while ((r = read(pexec[0], &e, sizeof e)) < 0 && errno == EINTR) {}
  close(pexec[0]);
  if (r == sizeof e) {
    char msg[512];
    const char *name = strerrorname_np(e);
    snprintf(msg, sizeof msg, "%s %s: %s", file, name ? name : "?", strerror(e));
    reply_error(j->id, msg);
    j->replied = 1;
    close_fd(&j->in);
    close_fd(&j->out);
    close_fd(&j->err);
    close_fd(&j->sync);
    // (still to be reaped: the job stays until its SIGCHLD)
  } else if (j->kind == RUN) {
    buf_add(&j->input, s[n - 1], lens[n - 1]);
    if (!j->input.n) close_fd(&j->in);
    else fcntl(j->in, F_SETFL, O_NONBLOCK);
    if (timeout > 0) j->deadline = now_ms() + timeout;
  }
  return j;
}

static void reap(void) {
  int st;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
    for (struct job *j = jobs; j; j = j->next) {
      if (j->pid == pid && !j->exited) {
        j->exited = 1;
        j->status = st;
        break;
      }
    }
  }
}

// Reads what a pipe has into `b`; closes it at its end.
static void drain(int *fd, struct buf *b) {
  char chunk[65536];
  ssize_t r = read(*fd, chunk, sizeof chunk);
  if (r > 0) buf_add(b, chunk, (size_t)r);
  else if (r == 0 || (errno != EINTR && errno != EAGAIN)) close_fd(fd);
}

// Takes the whole requests at the start of `req` and starts them.
static int take_requests(struct buf *req) {
  size_t off = 0;
  for (;;) {
    size_t at = off;
    uint32_t cnt;
    if (req->n - at < 4) break;
    memcpy(&cnt, req->p + at, 4);
    at += 4;
    char **s = calloc((size_t)cnt + 1, sizeof *s);
    uint32_t *lens = calloc((size_t)cnt + 1, sizeof *lens);
    if (!s || !lens) return -1;
    uint32_t k = 0;
    for (; k < cnt; k++) {
      uint32_t len;
      if (req->n - at < 4) break;
      memcpy(&len, req->p + at, 4);
      if (req->n - at - 4 < len) break;
      s[k] = malloc((size_t)len + 1);
      if (!s[k]) return -1;
      memcpy(s[k], req->p + at + 4, len);
      s[k][len] = 0;
      lens[k] = len;
      at += 4 + len;
    }
    if (k == cnt) {
      off = at;
      sigset_t chld, old;
      sigemptyset(&chld);
      sigaddset(&chld, SIGCHLD);
      sigprocmask(SIG_BLOCK, &chld, &old);
      struct job *j = start(s, lens, cnt);
      if (j) { j->next = jobs; jobs = j; }
      sigprocmask(SIG_SETMASK, &old, NULL);
    }
    for (uint32_t x = 0; x < k; x++) free(s[x]);
    free(s);
    free(lens);
    if (k < cnt) break; // the rest of it is still to come
  }
  if (off) {
    memmove(req->p, req->p + off, req->n - off);
    req->n -= off;
  }
  return 0;
}

static int serve(void) {
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return 1;
  struct sigaction sa = {0};
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  struct buf req = {0};
  int input_open = 1;
  for (;;) {
    // Jobs that are done go; replies that are due go out.
    int running = 0;
    for (struct job **pj = &jobs; *pj;) {
      struct job *j = *pj;
      if (settle(j)) { *pj = j->next; free_job(j); continue; }
      if (j->kind == RUN && !j->replied) running = 1;
      pj = &j->next;
    }
    if (!input_open && !running) { free(req.p); return 0; }
    size_t cap = 2;
    for (struct job *j = jobs; j; j = j->next) cap += 4;
    struct pollfd *fds = calloc(cap, sizeof *fds);
    struct job **owner = calloc(cap, sizeof *owner);
    int *which = calloc(cap, sizeof *which);
    if (!fds || !owner || !which) return 1;
    nfds_t n = 0;
    fds[n++] = (struct pollfd){.fd = input_open ? 0 : -1, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = sigchld_pipe[0], .events = POLLIN};
    long long wake = -1, now = now_ms();
    for (struct job *j = jobs; j; j = j->next) {
      int *mine[] = {&j->in, &j->out, &j->err, &j->sync};
      for (int k = 0; k < 4; k++) {
        if (*mine[k] < 0) continue;
        owner[n] = j;
        which[n] = k;
        fds[n++] = (struct pollfd){.fd = *mine[k], .events = k == 0 ? POLLOUT : POLLIN};
      }
      long long due = -1;
      if (j->kind == RUN && j->deadline && !j->replied) due = j->timed_out ? j->deadline + OUTPUT_GRACE_MS : j->deadline;
      if (j->kind == SYNC && !j->replied && j->sync < 0 && j->deadline) due = j->deadline;
      if (due >= 0 && (wake < 0 || due < wake)) wake = due;
    }
    int timeout = wake < 0 ? -1 : wake <= now ? 0 : (int)(wake - now);
    int r = poll(fds, n, timeout);
    if (r < 0 && errno != EINTR) return 1;
    for (nfds_t i = 0; r > 0 && i < n; i++) {
      if (!fds[i].revents) continue;
      if (i == 0) {
        char chunk[65536];
        ssize_t got = read(0, chunk, sizeof chunk);
        if (got > 0) buf_add(&req, chunk, (size_t)got);
        else if (got == 0 || errno != EINTR) input_open = 0;
        continue;
      }
      if (i == 1) {
        char drainbuf[64];
        while (read(sigchld_pipe[0], drainbuf, sizeof drainbuf) > 0) {}
        reap();
        continue;
      }
      struct job *j = owner[i];
      switch (which[i]) {
        case 0: {
          ssize_t w = write(j->in, j->input.p + j->input_off, j->input.n - j->input_off);
          if (w > 0) j->input_off += (size_t)w;
          if ((w < 0 && errno != EAGAIN && errno != EINTR) || j->input_off == j->input.n) close_fd(&j->in);
          break;
        }
        case 1: drain(&j->out, &j->stdout_); break;
        case 2: drain(&j->err, &j->stderr_); break;
        case 3:
          drain(&j->sync, &j->text);
          if (j->sync < 0) j->deadline = now_ms() + 5; // its end: stderr's last words, briefly
          break;
      }
    }
    free(fds);
    free(owner);
    free(which);
    now = now_ms();
    for (struct job *j = jobs; j; j = j->next) {
      if (j->kind != RUN || !j->deadline || j->replied) continue;
      if (!j->timed_out && now >= j->deadline) {
        // The group: the program and what it started (which may hold its output after its exit).
        kill(-j->pid, SIGKILL);
        j->timed_out = 1;
      } else if (j->timed_out && now >= j->deadline + OUTPUT_GRACE_MS) {
        // Exited, but something outside its group still holds its output: answered as it is.
        close_fd(&j->in);
        close_fd(&j->out);
        close_fd(&j->err);
      }
    }
    if (take_requests(&req) < 0) return 1;
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "--serve")) return serve();
  fprintf(stderr, "usage: berth-spawn --serve (requests on stdin: see native/spawn.c)\n");
  return 2;
}
