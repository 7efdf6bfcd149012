// The channel: reading the plan and runtime messages, sending records, reporting failures.
#include "init.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int chan = -1;
const struct step *cur;
char *state_json;
size_t state_len;

// Buffered reads: the plan usually arrives in one or two reads instead of two per field. Bytes
// buffered by stage 0 are inherited by the init's copy of memory, so nothing is lost at clone.
static char rbuf[65536];
static size_t rpos, rlen;

static int take(void *dst, size_t n) {
  char *d = dst;
  while (n) {
    if (rpos == rlen) {
      ssize_t r;
      do {
        r = read(chan, rbuf, sizeof rbuf);
        // A channel handed over non-blocking still gets blocking semantics.
        if (r < 0 && errno == EAGAIN) poll(&(struct pollfd){.fd = chan, .events = POLLIN}, 1, -1);
      } while (r < 0 && (errno == EINTR || errno == EAGAIN));
      if (r <= 0) return -1;
      rpos = 0;
      rlen = (size_t)r;
    }
    size_t k = rlen - rpos < n ? rlen - rpos : n;
    memcpy(d, rbuf + rpos, k);
    rpos += k;
    d += k;
    n -= k;
  }
  return 0;
}

// One record; NULL on EOF or a malformed record. Fields are NUL-terminated copies.
static struct field *read_record(int *count) {
  uint32_t n;
  if (take(&n, 4)) return NULL;
  n = le32toh(n);
  if (n > 1u << 20) return NULL;
  struct field *f = malloc((n + 1) * sizeof *f);
  if (!f) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len;
    if (take(&len, 4)) return NULL;
    len = le32toh(len);
    if (len > 1u << 28 || !(f[i].p = malloc(len + 1)) || take(f[i].p, len)) return NULL;
    f[i].p[len] = 0;
    f[i].len = len;
  }
  *count = (int)n;
  return f;
}

static void free_record(struct field *f, int n) {
  for (int i = 0; i < n; i++) free(f[i].p);
  free(f);
}

struct step *read_plan(int *n) {
  int c;
  struct field *h = read_record(&c);
  if (!h) fail(0, "cannot read the plan header");
  if (c != 3 || strcmp(h[0].p, "plan") || strcmp(h[1].p, "1")) fail(0, "not a version 1 plan");
  char *end;
  long count = strtol(h[2].p, &end, 10);
  if (*end || count < 0 || count > 100000) fail(0, "bad step count '%s'", h[2].p);
  free_record(h, c);
  struct step *steps = calloc((size_t)count + 1, sizeof *steps);
  if (!steps) fail(ENOMEM, "plan");
  for (int i = 0; i < count; i++) {
    struct step *s = &steps[i];
    s->index = i;
    if (!(s->f = read_record(&s->nf)) || s->nf < 1) fail(0, "cannot read step %d", i);
    cur = s;
    int min;
    if (!(s->run = find_op(s->f[0].p, &s->stage0, &min))) fail(0, "unknown op");
    if (s->nf < min) fail(0, "needs %d fields, got %d", min - 1, s->nf - 1);
  }
  cur = NULL;
  *n = (int)count;
  return steps;
}

int chan_send(int n, const char *const *v) {
  char buf[8192];
  uint32_t w = htole32((uint32_t)n);
  size_t o = 4;
  memcpy(buf, &w, 4);
  for (int i = 0; i < n; i++) {
    size_t len = strlen(v[i]);
    if (len > sizeof buf - o - 4) len = sizeof buf - o - 4;  // only a long message gets cut
    w = htole32((uint32_t)len);
    memcpy(buf + o, &w, 4);
    memcpy(buf + o + 4, v[i], len);
    o += 4 + len;
  }
  for (size_t done = 0; done < o;) {
    ssize_t r = send(chan, buf + done, o - done, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    done += (size_t)r;
  }
  return 0;
}

// Blocks until ["go"]; stores ["state", json]; ["abort"] or EOF end the process.
void wait_go(void) {
  for (;;) {
    int c;
    struct field *f = read_record(&c);
    if (!f) _exit(1);
    if (c >= 1 && !strcmp(f[0].p, "go")) {
      free_record(f, c);
      return;
    }
    if (c >= 1 && !strcmp(f[0].p, "abort")) _exit(1);
    if (c >= 2 && !strcmp(f[0].p, "state")) {
      free(state_json);
      state_json = f[1].p;
      state_len = f[1].len;
      f[1].p = NULL;
    }
    free_record(f, c);
  }
}

static _Noreturn void vfail(int code, int err, const char *fmt, va_list ap) {
  char msg[2048], idx[16], en[16];
  vsnprintf(msg, sizeof msg, fmt, ap);
  snprintf(idx, sizeof idx, "%d", cur ? cur->index : -1);
  snprintf(en, sizeof en, "%d", err);
  const char *op = cur ? cur->f[0].p : "plan";
  const char *v[] = {"error", idx, op, en, msg};
  if (chan < 0 || chan_send(5, v) < 0) {
    // The runtime is gone (the container was already created): the container's stderr it is.
    if (err) dprintf(2, "berth-init: step %s: %s: %s\n", op, msg, strerror(err));
    else dprintf(2, "berth-init: step %s: %s\n", op, msg);
  }
  _exit(code);
}

void fail(int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(1, err, fmt, ap);
}

void fail_code(int code, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(code, err, fmt, ap);
}

static uint64_t parse(const struct step *s, int i, int base) {
  if (i >= s->nf) fail(EINVAL, "missing field %d", i);
  const char *p = s->f[i].p;
  char *end;
  errno = 0;
  uint64_t v = strtoull(p, &end, base);
  if (!*p || *end || errno || *p == '-') {
    // negative decimals are legitimate for a few fields (oom-score-adj); accept them signed
    if (base == 10 && *p == '-' && p[1]) {
      errno = 0;
      long long sv = strtoll(p, &end, 10);
      if (!*end && !errno) return (uint64_t)sv;
    }
    fail(EINVAL, "field %d: bad number '%s'", i, p);
  }
  return v;
}

uint64_t num(const struct step *s, int i) { return parse(s, i, 10); }
uint64_t hexnum(const struct step *s, int i) { return parse(s, i, 16); }
