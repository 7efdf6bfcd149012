// The helper's channel, shared by the programs that start build/berth-init on one and relay it
// (relay.c for conmon's creates, runtime-client.c for berthd's runtime commands): the record
// framing of docs/plan-format.md (u32 field count, then per field u32 length + bytes,
// little-endian), reading a record's fields, and the helper's launch. Everything is static inline: each .c builds alone.
#ifndef BERTH_CHANNEL_H
#define BERTH_CHANNEL_H
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void put_u32(char *p, uint32_t v) { memcpy(p, &v, 4); }  // x86_64/aarch64: little-endian
static inline uint32_t get_u32(const char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

// Length of the complete record at the start of buf, 0 when incomplete, -1 when a field is
// longer than max_field (malformed, or more than the reader will hold).
static inline long record_len(const char *buf, size_t have, uint32_t max_field) {
  if (have < 4) return 0;
  uint32_t count = get_u32(buf);
  size_t o = 4;
  for (uint32_t i = 0; i < count; i++) {
    if (have < o + 4) return 0;
    uint32_t l = get_u32(buf + o);
    if (l > max_field) return -1;
    if (have < o + 4 + l) return 0;
    o += 4 + l;
  }
  return (long)o;
}

// Field i of a complete record (its bytes and length); NULL when absent.
static inline const char *record_field(const char *rec, uint32_t i, uint32_t *len) {
  uint32_t count = get_u32(rec);
  size_t o = 4;
  for (uint32_t k = 0; k < count; k++) {
    uint32_t l = get_u32(rec + o);
    if (k == i) { *len = l; return rec + o + 4; }
    o += 4 + l;
  }
  return NULL;
}

// Whether field i of a complete record is `word`.
static inline int record_is_word(const char *rec, uint32_t i, const char *word) {
  uint32_t l;
  const char *f = record_field(rec, i, &l);
  return f && l == strlen(word) && !memcmp(f, word, l);
}

// Field i of a complete record as a decimal number; `dflt` when absent, empty or too long.
static inline int record_int(const char *rec, uint32_t i, int dflt) {
  uint32_t l;
  const char *f = record_field(rec, i, &l);
  char s[16] = {0};
  if (!f || l == 0 || l >= sizeof s) return dflt;
  memcpy(s, f, l);
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < INT32_MIN || v > INT32_MAX) return dflt;
  return (int)v;
}

// The size of the record of n string fields.
static inline size_t record_size(size_t n, const char *const *fields) {
  size_t size = 4;
  for (size_t i = 0; i < n; i++) size += 4 + strlen(fields[i]);
  return size;
}

// Writes the record of n string fields to out (record_size(n, fields) bytes).
static inline void record_put(char *out, size_t n, const char *const *fields) {
  put_u32(out, (uint32_t)n);
  out += 4;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(fields[i]);
    put_u32(out, (uint32_t)l);
    memcpy(out + 4, fields[i], l);
    out += 4 + l;
  }
}

// The helper's path: $BERTH_INIT, else berth-init beside this program. -1 when it is too long.
static inline int helper_path(char *out, size_t cap) {
  const char *env = getenv("BERTH_INIT");
  if (env && *env) return snprintf(out, cap, "%s", env) < (int)cap ? 0 : -1;
  ssize_t n = readlink("/proc/self/exe", out, cap);
  if (n < 0 || (size_t)n >= cap) return -1;
  out[n] = 0;
  char *slash = strrchr(out, '/');
  size_t dir = slash ? (size_t)(slash + 1 - out) : 0;
  return snprintf(out + dir, cap - dir, "berth-init") < (int)(cap - dir) ? 0 : -1;
}

// Starts the helper with our fds 0..target-1 (stdio and the caller's preserved fds), the
// channel end `chan` moved to fd `target` and passed as its argument, and nothing above it;
// `wait` adds --wait (stage 0 stays until the container exits). Returns the helper's pid, -1
// when fork fails; an exec failure is reported on stderr under `who` and exits the child 127.
static inline pid_t spawn_helper(const char *helper, int chan, int target, int wait, const char *who) {
  char fdarg[16];
  snprintf(fdarg, sizeof fdarg, "%d", target);
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Our own fds in the preserved range are close-on-exec: the container sees a gap there, as
  // it would have under runc.
  if (chan == target) {
    fcntl(target, F_SETFD, 0);
  } else if (dup2(chan, target) < 0) {
    _exit(126);
  }
  syscall(SYS_close_range, (unsigned)target + 1, ~0u, 0u);
  signal(SIGPIPE, SIG_DFL);
  char *hargv[] = {(char *)helper, fdarg, wait ? "--wait" : NULL, NULL};
  execv(helper, hargv);
  fprintf(stderr, "%s: cannot exec %s: %s\n", who, helper, strerror(errno));
  _exit(127);
}
#endif
