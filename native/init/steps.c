// The op table: op name → implementation, with the fields each op needs (op name included).
#include "init.h"

#include <string.h>

static const struct op {
  const char *name;
  step_fn *fn;
  int min_fields;
  int stage0;
} ops[] = {
  {"setns", op_setns, 3, 1},
  {"unshare-time", op_unshare_time, 1, 1},
  {"timens-offset", op_timens_offset, 4, 1},
  {"console-dial", op_console_dial, 2, 1},
  {"exec-fifo-early", op_exec_fifo, 2, 1},  // a joined mount namespace: open the fifo before setns
  {"clone", NULL, 2, 0},  // handled by main
  {"unshare", op_unshare, 2, 0},
  {"become-root", op_become_root, 1, 0},
  {"session-keyring", op_session_keyring, 2, 0},
  {"sethostname", op_sethostname, 2, 0},
  {"setdomainname", op_setdomainname, 2, 0},
  {"root-propagation", op_root_propagation, 2, 0},
  {"rootfs-parent-private", op_rootfs_parent_private, 2, 0},
  {"bind-rootfs", op_bind_rootfs, 2, 0},
  {"mount", op_mount, 7, 0},
  {"remount", op_remount, 3, 0},
  {"propagate", op_propagate, 3, 0},
  {"mkdir", op_mkdir, 3, 0},
  {"mknod", op_mknod, 8, 0},
  {"bind-dev", op_bind_dev, 3, 0},
  {"symlink", op_symlink, 3, 0},
  {"sync", op_sync, 2, 0},
  {"hook", op_hook, 4, 0},
  {"console-connect", op_console_connect, 2, 0},
  {"exec-fifo", op_exec_fifo, 2, 0},
  {"pivot-root", op_pivot_root, 1, 0},
  {"chroot-move", op_chroot_move, 1, 0},
  {"chroot", op_chroot, 2, 0},
  {"mask", op_mask, 2, 0},
  {"readonly", op_readonly, 2, 0},
  {"sysctl", op_sysctl, 3, 0},
  {"console-setup", op_console_setup, 3, 0},
  {"console-pty", op_console_pty, 3, 0},
  {"setsid", op_setsid, 1, 0},
  {"rlimit", op_rlimit, 4, 0},
  {"oom-score-adj", op_oom_score_adj, 2, 0},
  {"personality", op_personality, 2, 0},
  {"ioprio", op_ioprio, 3, 0},
  {"scheduler", op_scheduler, 8, 0},
  {"no-new-privs", op_no_new_privs, 1, 0},
  {"caps-bounding", op_caps_bounding, 2, 0},
  {"keep-caps", op_keep_caps, 1, 0},
  {"setgroups", op_setgroups, 1, 0},
  {"setresgid", op_setresgid, 2, 0},
  {"setresuid", op_setresuid, 2, 0},
  {"caps", op_caps, 4, 0},
  {"caps-ambient", op_caps_ambient, 2, 0},
  {"umask", op_umask, 2, 0},
  {"chdir", op_chdir, 2, 0},
  {"close-fds", op_close_fds, 2, 0},
  {"report", op_report, 2, 0},
  {"find-exec", op_find_exec, 3, 0},
  {"wait-start", op_wait_start, 1, 0},
  {"seccomp", op_seccomp, 3, 0},
  {"exec", op_exec, 3, 0},
};

static void no_op(const struct step *s) { (void)s; }

step_fn *find_op(const char *op, int *stage0, int *min_fields) {
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    if (strcmp(ops[i].name, op)) continue;
    *stage0 = ops[i].stage0;
    *min_fields = ops[i].min_fields;
    return ops[i].fn ? ops[i].fn : no_op;
  }
  return NULL;
}
