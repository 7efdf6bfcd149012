// session-keyring: the container gets a session keyring of its own (runc names it `_ses.<id>`),
// so that it neither sees nor adds to the keys of whoever started the runtime.
#include "init.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_SETPERM 5
#define KEYCTL_DESCRIBE 6
#define KEY_USR_SEARCH 0x00080000U

void op_session_keyring(const struct step *s) {
  long key = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s->f[1].p);
  // Kernels without keys: there is nothing to leak either (runc ignores this case too).
  if (key < 0 && errno == ENOSYS) return;
  if (key < 0) fail(errno, "join a new session keyring %s", s->f[1].p);
  // The owner may search it (the kernel's default lets only the possessor), as runc does: what
  // the container's processes may do with it is then decided by the keys' own permissions.
  char desc[512];
  long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof desc);
  if (n < 0 || n > (long)sizeof desc) fail(n < 0 ? errno : E2BIG, "describe session keyring %s", s->f[1].p);
  desc[sizeof desc - 1] = 0;
  // "type;uid;gid;perm;description", perm in hex.
  char *p = desc;
  for (int i = 0; i < 3 && p; i++) p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL;
  if (!p) fail(EINVAL, "unexpected keyring description '%s'", desc);
  unsigned long perm = strtoul(p, NULL, 16) | KEY_USR_SEARCH;
  if (syscall(SYS_keyctl, KEYCTL_SETPERM, key, perm)) fail(errno, "set the permissions of session keyring %s", s->f[1].p);
}
