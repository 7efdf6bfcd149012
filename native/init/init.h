// berth-init: executes a plan sent by berth-runtime (docs/plan-format.md). Shared declarations.
#ifndef BERTH_INIT_H
#define BERTH_INIT_H

#include <stdint.h>
#include <sys/types.h>

struct field { char *p; uint32_t len; };   // p is NUL-terminated (len excludes the NUL)

struct step;
typedef void step_fn(const struct step *s);

struct step {
  int index;          // 0-based position in the plan, as error records name it
  int nf;             // number of fields, f[0] being the op name
  struct field *f;
  step_fn *run;
  int stage0;         // runs in the helper before `clone`
};

// channel.c — records on the channel fd, error reporting
extern int chan;
extern const struct step *cur;   // the step being run, named by errors
extern char *state_json;         // last ["state", json] received
extern size_t state_len;
struct step *read_plan(int *n);
int chan_send(int n, const char *const *fields);
void wait_go(void);
_Noreturn void fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void fail_code(int code, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t num(const struct step *s, int i);
uint64_t hexnum(const struct step *s, int i);
int ns_flags(const char *names);

// sealed.c — run from a sealed memfd copy of ourselves, never from the host's file
void reexec_sealed(char **argv);

// keyring.c
void op_session_keyring(const struct step *s);

// steps.c — the op table
step_fn *find_op(const char *op, int *stage0, int *min_fields);

// inroot.c — the current root and safe resolution inside it
enum create { CREATE_NONE, CREATE_DIR, CREATE_FILE };
extern int root_fd;
extern char root_path[4096];
extern int proc_ok;
int in_root(const char *path, int flags, mode_t mode);
int in_root_ensure(const char *path, enum create kind, mode_t mode);
int in_root_parent(char *buf, const char *path, const char **last);
const char *fd_path(char buf[32], int fd, const char *fallback);

// stage0.c
void op_setns(const struct step *s);
void op_unshare_time(const struct step *s);
void op_timens_offset(const struct step *s);

// mounts.c
void op_root_propagation(const struct step *s);
void op_bind_rootfs(const struct step *s);
void op_mount(const struct step *s);
void op_remount(const struct step *s);
void op_propagate(const struct step *s);
void op_mkdir(const struct step *s);
void op_mknod(const struct step *s);
void op_bind_dev(const struct step *s);
void op_symlink(const struct step *s);
void op_pivot_root(const struct step *s);
void op_chroot_move(const struct step *s);
void op_mask(const struct step *s);
void op_readonly(const struct step *s);

// copyup.c — tmpcopyup: copy a directory's content (through fds) into the mount over it
void copy_up(int from, int to, const char *path);

// propagation.c
void op_rootfs_parent_private(const struct step *s);

// chroot.c
void op_chroot(const struct step *s);

// sched.c
void op_scheduler(const struct step *s);

// console.c
void op_console_connect(const struct step *s);
void op_console_dial(const struct step *s);
void op_console_pty(const struct step *s);
void op_console_setup(const struct step *s);

// process.c — identity, limits, capabilities, seccomp
void op_unshare(const struct step *s);
void op_become_root(const struct step *s);
void op_sethostname(const struct step *s);
void op_setdomainname(const struct step *s);
void op_sysctl(const struct step *s);
void op_setsid(const struct step *s);
void op_rlimit(const struct step *s);
void op_oom_score_adj(const struct step *s);
void op_personality(const struct step *s);
void op_ioprio(const struct step *s);
void op_no_new_privs(const struct step *s);
void op_caps_bounding(const struct step *s);
void op_keep_caps(const struct step *s);
void op_setgroups(const struct step *s);
void op_setresgid(const struct step *s);
void op_setresuid(const struct step *s);
void op_caps(const struct step *s);
void op_caps_ambient(const struct step *s);
void op_umask(const struct step *s);
void op_chdir(const struct step *s);
void op_close_fds(const struct step *s);
void op_seccomp(const struct step *s);

// run.c — channel-driven steps, hooks, the start fifo and the final exec
extern mode_t exec_umask;
void op_sync(const struct step *s);
void op_report(const struct step *s);
void op_hook(const struct step *s);
void op_exec_fifo(const struct step *s);
void op_wait_start(const struct step *s);
void op_find_exec(const struct step *s);
void op_exec(const struct step *s);

#endif
