// seccomp-load: a test tool for the seccomp compiler. Loads a classic-BPF filter (the raw
// struct sock_filter array berth compiles, as a file) with seccomp(SECCOMP_SET_MODE_FILTER) and
// execs the given command under it.
//   berth-seccomp-load FILTER-FILE FLAGS COMMAND [ARG...]
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s FILTER-FILE FLAGS COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) { perror(argv[1]); return 2; }
  if (st.st_size == 0 || st.st_size % sizeof(struct sock_filter) != 0 || st.st_size > 65536) {
    fprintf(stderr, "%s: size %lld is not a filter\n", argv[1], (long long)st.st_size);
    return 2;
  }
  struct sock_filter *insns = malloc(st.st_size);
  size_t got = 0;
  while (insns && got < (size_t)st.st_size) {
    ssize_t r = read(fd, (char *)insns + got, st.st_size - got);
    if (r <= 0) { perror("read"); return 2; }
    got += (size_t)r;
  }
  close(fd);
  struct sock_fprog prog = { .len = (unsigned short)(st.st_size / sizeof(struct sock_filter)), .filter = insns };
  unsigned long flags = strtoul(argv[2], NULL, 0);
  // Needed without CAP_SYS_ADMIN; harmless with it.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) { perror("PR_SET_NO_NEW_PRIVS"); return 2; }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0) { perror("seccomp"); return 2; }
  execvp(argv[3], argv + 3);
  fprintf(stderr, "exec %s: %s\n", argv[3], strerror(errno));
  return 127;
}
