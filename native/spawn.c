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
//   error: id, "error", message   (it could not be started: "FILE ENOENT: No such file or directory")
// `file` without a slash is looked up in the request's PATH. End of stdin ends the server; the
// programs it started go on.
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
  struct buf b = {0};
  buf_add(&b, &n, 4);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = (uint32_t)lens[i];
    buf_add(&b, &len, 4);
    buf_add(&b, fields[i], lens[i]);
  }
  if (write_all(1, b.p, b.n) < 0) exit(0); // our client is gone
  free(b.p);
}

static void reply_strs(const char *const *fields, uint32_t n) {
  size_t lens[8];
  for (uint32_t i = 0; i < n; i++) lens[i] = strlen(fields[i]);
  reply(fields, lens, n);
}

static void reply_error(const char *id, const char *msg) {
  const char *f[] = {id, "error", msg};
  reply_strs(f, 3);
}

static void on_sigchld(int sig) {
  (void)sig;
  int e = errno;
  if (write(sigchld_pipe[1], "x", 1) < 0) {} // full: a wake-up is pending anyway
  errno = e;
}

// Sends the job's reply once what it waits for is there; true when the job can go.
static int settle(struct job *j) {
  if (j->kind == RUN) {
    if (j->replied) return j->exited; // (its exec failed: gone once reaped)
    if (!j->exited || j->out >= 0 || j->err >= 0) return 0;
    char code[16] = "", sig[32] = "";
    if (WIFEXITED(j->status)) snprintf(code, sizeof code, "%d", WEXITSTATUS(j->status));
    else if (WIFSIGNALED(j->status)) {
      const char *abbrev = sigabbrev_np(WTERMSIG(j->status));
      snprintf(sig, sizeof sig, "SIG%s", abbrev ? abbrev : "UNKNOWN");
    }
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

// Starts a request's program; on failure the error reply is sent and NULL returned.
static struct job *start(char **s, uint32_t n) {
  // id kind timeout cwd file argc argv... envc env... input
  uint32_t argc = n >= 8 ? (uint32_t)atol(s[5]) : 0;
  uint32_t envc = argc && 7 + argc <= n ? (uint32_t)atol(s[6 + argc]) : 0;
  if (n < 8 || argc == 0 || 7 + argc > n || 7 + argc + envc + 1 != n) {
    reply_error(n ? s[0] : "", "malformed request");
    return NULL;
  }
  struct job *j = calloc(1, sizeof *j);
  if (!j) exit(1);
  j->id = strdup(s[0]);
  j->kind = !strcmp(s[1], "sync") ? SYNC : RUN;
  j->in = j->out = j->err = j->sync = -1;
  long timeout = atol(s[2]);
  char *cwd = s[3], *file = s[4], *input = s[n - 1];
  char **argv = calloc((size_t)argc + 1, sizeof *argv), **envp = calloc((size_t)envc + 1, sizeof *envp);
  if (!argv || !envp) exit(1);
  for (uint32_t i = 0; i < argc; i++) argv[i] = s[6 + i];
  for (uint32_t i = 0; i < envc; i++) envp[i] = s[7 + argc + i];

  int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2], psync[2] = {-1, -1}, pexec[2];
  if (pipe2(perr, O_CLOEXEC) < 0 || pipe2(pexec, O_CLOEXEC) < 0 ||
      (j->kind == RUN && (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0)) ||
      (j->kind == SYNC && pipe2(psync, O_CLOEXEC) < 0)) {
    reply_error(j->id, strerror(errno));
    free(argv);
    free(envp);
    free_job(j);
    return NULL;
  }
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
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
  if (pid < 0) {
    reply_error(j->id, strerror(errno));
    close(pexec[0]);
    free_job(j);
    return NULL;
  }
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
    buf_add(&j->input, input, strlen(input));
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
    for (struct job **pj = &jobs; *pj;) {
      struct job *j = *pj;
      if (settle(j)) { *pj = j->next; free_job(j); } else pj = &j->next;
    }
    if (!input_open) return 0;
    size_t cap = 2;
    for (struct job *j = jobs; j; j = j->next) cap += 4;
    struct pollfd *fds = calloc(cap, sizeof *fds);
    struct job **owner = calloc(cap, sizeof *owner);
    int *which = calloc(cap, sizeof *which);
    if (!fds || !owner || !which) return 1;
    nfds_t n = 0;
    fds[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
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
      int timed = (j->kind == RUN && j->deadline && !j->exited && !j->timed_out) || (j->kind == SYNC && !j->replied && j->sync < 0 && j->deadline);
      if (timed && (wake < 0 || j->deadline < wake)) wake = j->deadline;
    }
    int timeout = wake < 0 ? -1 : wake <= now ? 0 : (int)(wake - now);
    int r = poll(fds, n, timeout);
    if (r < 0 && errno != EINTR) return 1;
    for (nfds_t i = 0; r > 0 && i < n; i++) {
      if (!fds[i].revents) continue;
      if (i == 0) {
        char chunk[65536];
        ssize_t got = read(0, chunk, sizeof chunk);
        if (got <= 0) { if (got == 0 || errno != EINTR) input_open = 0; continue; }
        buf_add(&req, chunk, (size_t)got);
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
      if (j->kind == RUN && j->deadline && !j->exited && !j->timed_out && now >= j->deadline) {
        kill(j->pid, SIGKILL);
        j->timed_out = 1;
      }
    }
    // Whole requests: start them.
    size_t off = 0;
    for (;;) {
      size_t at = off;
      uint32_t cnt;
      if (req.n - at < 4) break;
      memcpy(&cnt, req.p + at, 4);
      at += 4;
      if (cnt > 65536) return 2;
      char **s = calloc((size_t)cnt + 1, sizeof *s);
      if (!s) return 1;
      uint32_t k = 0;
      for (; k < cnt; k++) {
        uint32_t len;
        if (req.n - at < 4) break;
        memcpy(&len, req.p + at, 4);
        if (req.n - at - 4 < len) break;
        s[k] = malloc((size_t)len + 1);
        if (!s[k]) return 1;
        memcpy(s[k], req.p + at + 4, len);
        s[k][len] = 0;
        at += 4 + len;
      }
      if (k < cnt) {
        for (uint32_t x = 0; x < k; x++) free(s[x]);
        free(s);
        break; // the rest of it is still to come
      }
      off = at;
      sigset_t chld, old;
      sigemptyset(&chld);
      sigaddset(&chld, SIGCHLD);
      sigprocmask(SIG_BLOCK, &chld, &old);
      struct job *j = start(s, cnt);
      if (j) { j->next = jobs; jobs = j; }
      sigprocmask(SIG_SETMASK, &old, NULL);
      for (uint32_t x = 0; x < cnt; x++) free(s[x]);
      free(s);
    }
    if (off) {
      memmove(req.p, req.p + off, req.n - off);
      req.n -= off;
    }
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "--serve")) return serve();
  fprintf(stderr, "usage: berth-spawn --serve (requests on stdin: see native/spawn.c)\n");
  return 2;
}
