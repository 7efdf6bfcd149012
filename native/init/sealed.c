// CVE-2019-5736: a container must never get a writable handle on the host's berth-init. The
// helper runs inside the container's namespaces until its final exec, and a container binary
// that is `#!/proc/self/exe` makes that exec run the helper's own image again, inside the
// container, where /proc/<pid>/exe hands out the file. So the helper never runs from the host
// file at all: first thing, it copies itself into a memfd, seals it against any change, and
// re-executes from there. /proc/<pid>/exe then names an anonymous, immutable copy; the file on
// the host is only ever read. (The alternative, a read-only bind of the binary in a private mount
// namespace, costs an unshare and two mounts per start; the copy of a ~1 MB static binary is a
// page-cache read and one more exec, well under a millisecond here — see docs/security.md.)
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static _Noreturn void die(const char *what) {
  dprintf(2, "berth-init: %s: %s\n", what, strerror(errno));
  _exit(1);
}

// Already running from a sealed copy? The exe of a memfd answers F_GET_SEALS; a regular file
// gives EINVAL.
static int running_sealed(int self) {
  int seals = fcntl(self, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

void reexec_sealed(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) die("open /proc/self/exe");
  if (running_sealed(self)) {
    close(self);
    return;
  }
  struct stat st;
  if (fstat(self, &st)) die("stat /proc/self/exe");
  // MFD_EXEC: kernels with vm.memfd_noexec would otherwise make the memfd non-executable.
  int mfd = memfd_create("berth-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) mfd = memfd_create("berth-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) die("memfd_create for a sealed copy of the helper");
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = sendfile(mfd, self, NULL, (size_t)(st.st_size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("copy the helper into its memfd");
    done += n;
  }
  close(self);
  if (fcntl(mfd, F_ADD_SEALS, SEALS)) die("seal the helper's memfd");
  // The fd is close-on-exec: the new image keeps no handle on its own file.
  syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
  die("re-exec the helper from its sealed memfd");
}
