// Whole-buffer reads and writes on a file descriptor, retried on EINTR and short counts; shared
// by the single-file tools (each .c still builds alone: everything here is static inline).
#ifndef BERTH_FDIO_H
#define BERTH_FDIO_H
#include <errno.h>
#include <stddef.h>
#include <unistd.h>

// 0 once all n bytes are written; -1 on an error (errno set).
static inline int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

// 0 once all n bytes are read; -1 on an error or at end of input.
static inline int read_full(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}
#endif
