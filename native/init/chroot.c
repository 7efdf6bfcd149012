// chroot: a container without a mount namespace of its own shares the runtime's, where nothing
// may be mounted; its process is only confined to the rootfs with chroot(2), as runc does.
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void op_chroot(const struct step *s) {
  const char *path = s->f[1].p;
  if (chdir(path)) fail(errno, "chdir %s", path);
  if (chroot(".")) fail(errno, "chroot %s", path);
  if (chdir("/")) fail(errno, "chdir / after chroot");
  // In-root steps (e.g. a console) resolve from here.
  int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open the new root");
  if (root_fd >= 0) close(root_fd);
  root_fd = fd;
  root_path[0] = 0;
}
