// Steps that talk to the runtime or run programs: sync points, reports, hooks, the start fifo
// and the final exec.
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

mode_t exec_umask = 022;
static int fifo_fd = -1;

void op_sync(const struct step *s) {
  const char *v[] = {"sync", s->f[1].p};
  if (chan_send(2, v)) fail(errno, "send sync %s", s->f[1].p);
  wait_go();
}

void op_report(const struct step *s) {
  const char *v[] = {"report", s->f[1].p};
  if (chan_send(2, v)) fail(errno, "send report %s", s->f[1].p);
}

// Fields from `from` on: argc, then argc args, then the environment. Returns argv and sets *envp
// (both NULL-terminated, pointing into the step's fields).
static char **arg_vectors(const struct step *s, int from, char ***envp) {
  uint64_t argc = num(s, from);
  if (argc < 1 || argc > (uint64_t)(s->nf - from - 1)) fail(EINVAL, "bad argc %s", s->f[from].p);
  int nenv = s->nf - from - 1 - (int)argc;
  char **v = malloc(((size_t)s->nf + 2) * sizeof *v);
  if (!v) fail(ENOMEM, "argv");
  int k = 0;
  for (uint64_t i = 0; i < argc; i++) v[k++] = s->f[from + 1 + i].p;
  v[k++] = NULL;
  *envp = v + k;
  for (int i = 0; i < nenv; i++) v[k++] = s->f[from + 1 + (int)argc + i].p;
  v[k] = NULL;
  return v;
}

void op_hook(const struct step *s) {
  const char *path = s->f[1].p;
  uint64_t timeout = num(s, 2);
  char **env, **argv = arg_vectors(s, 3, &env);
  int p[2];
  if (pipe2(p, O_CLOEXEC)) fail(errno, "pipe for hook %s", path);
  pid_t pid = fork();
  if (pid < 0) fail(errno, "fork hook %s", path);
  if (pid == 0) {
    // Its own process group, so that a timeout kills whatever the hook started too.
    setpgid(0, 0);
    if (dup2(p[0], 0) < 0) _exit(127);
    umask(exec_umask);
    execve(path, argv, env);
    _exit(errno == ENOENT ? 127 : 126);
  }
  setpgid(pid, pid);   // both sides set it: no window where a timeout would miss the group
  close(p[0]);
  // The state is small; a hook that does not read it must not block us, hence non-blocking.
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  if (state_json && write(p[1], state_json, state_len) < 0 && errno != EAGAIN && errno != EPIPE) {
    /* the hook may exit without reading; its exit status is what counts */
  }
  close(p[1]);
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (timeout && pidfd >= 0) {
    struct pollfd pf = {.fd = pidfd, .events = POLLIN};
    int r;
    do r = poll(&pf, 1, timeout > 2000000 ? 2000000000 : (int)(timeout * 1000));
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      kill(-pid, SIGKILL);
      waitpid(pid, NULL, 0);
      fail(ETIMEDOUT, "hook %s timed out after %s s", path, s->f[2].p);
    }
  }
  if (pidfd >= 0) close(pidfd);
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) fail(errno, "wait for hook %s", path);
  free(argv);
  if (WIFSIGNALED(st)) fail(0, "hook %s killed by signal %d", path, WTERMSIG(st));
  if (WEXITSTATUS(st)) fail(0, "hook %s exited with status %d", path, WEXITSTATUS(st));
}

void op_exec_fifo(const struct step *s) {
  // Made here rather than by the runtime: Node has no mkfifo(3), and spawning mkfifo(1) costs a
  // fork of the whole runtime on every create. Mode 0622 as runc's (umask is 0 here).
  if (mkfifo(s->f[1].p, 0622) < 0 && errno != EEXIST) fail(errno, "create exec fifo %s", s->f[1].p);
  if ((fifo_fd = open(s->f[1].p, O_RDWR | O_CLOEXEC)) < 0) fail(errno, "open exec fifo %s", s->f[1].p);
}

void op_wait_start(const struct step *s) {
  (void)s;
  char c;
  ssize_t r;
  if (fifo_fd < 0) fail(EINVAL, "no exec fifo (exec-fifo comes first)");
  do r = read(fifo_fd, &c, 1); while (r < 0 && errno == EINTR);
  if (r != 1) fail(r < 0 ? errno : 0, "read the exec fifo");
  close(fifo_fd);
  fifo_fd = -1;
}

// find-exec: what exec will run, found before `created` is reported (runc reports a missing
// program at create too). The name the plan gave and the file found are kept for op_exec.
static char *found_name, *found_path;

// "DIR/NAME" for one PATH entry (its first dlen bytes) into buf, which holds dlen + nlen + 2
// bytes; an empty entry is the cwd, as execvp has it.
static void path_join(char *buf, const char *dir, size_t dlen, const char *name, size_t nlen) {
  if (dlen) {
    memcpy(buf, dir, dlen);
    buf[dlen] = '/';
    memcpy(buf + dlen + 1, name, nlen + 1);
  } else {
    memcpy(buf, name, nlen + 1);
  }
}

static int executable(const char *path, int *err) {
  struct stat st;
  if (stat(path, &st)) { *err = errno; return 0; }
  if (S_ISDIR(st.st_mode)) { *err = EISDIR; return 0; }
  // As the container's user (its ids are final by now): what execve would decide on permissions.
  // glibc implements AT_EACCESS with faccessat2, which older seccomp profiles (runtime-tools'
  // default among them) deny with EPERM: then execve has the last word, as without this step.
  if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) && errno != EPERM && errno != ENOSYS) { *err = errno; return 0; }
  return 1;
}

void op_find_exec(const struct step *s) {
  const char *name = s->f[1].p, *search = s->f[2].p;
  int err = ENOENT;
  if (!*name) fail_code(127, ENOENT, "exec: empty program name");
  if (strchr(name, '/')) {
    if (!executable(name, &err)) fail_code(err == ENOENT ? 127 : 126, err, "exec: \"%s\"", name);
    found_name = s->f[1].p;
    found_path = s->f[1].p;
    return;
  }
  size_t nlen = strlen(name);
  for (const char *d = search; ; ) {
    size_t dlen = strcspn(d, ":");
    char *cand = malloc(dlen + nlen + 2);
    if (!cand) fail(ENOMEM, "find-exec");
    path_join(cand, d, dlen, name, nlen);
    int e = 0;
    if (executable(cand, &e)) {
      found_name = s->f[1].p;
      found_path = cand;
      return;
    }
    free(cand);
    if (e != ENOENT && e != ENOTDIR) err = e;   // a later match still wins, as execvp
    if (!d[dlen]) break;
    d += dlen + 1;
  }
  if (err == ENOENT) fail_code(127, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
  fail_code(126, err, "exec: \"%s\": found in $PATH but not executable", name);
}

static const char *env_path(char **env) {
  for (; *env; env++)
    if (!strncmp(*env, "PATH=", 5)) return *env + 5;
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

// The PATH search tries execve on each candidate: no stat needed, and EACCES on one entry does
// not hide a later match (as execvp does).
void op_exec(const struct step *s) {
  const char *path = s->f[1].p;
  char **env, **argv = arg_vectors(s, 2, &env);
  umask(exec_umask);
  if (found_path && !strcmp(found_name, path)) {
    execve(found_path, argv, env);
    fail_code(errno == ENOENT ? 127 : 126, errno, "exec %s (found as %s at create)", path, found_path);
  }
  if (strchr(path, '/')) {
    execve(path, argv, env);
    fail_code(errno == ENOENT ? 127 : 126, errno, "exec %s", path);
  }
  int err = ENOENT;
  size_t plen = strlen(path);
  char buf[4096];
  for (const char *d = env_path(env); ; ) {
    size_t dlen = strcspn(d, ":");
    if (dlen + plen + 2 <= sizeof buf) {
      path_join(buf, d, dlen, path, plen);
      execve(buf, argv, env);
      if (errno != ENOENT && errno != ENOTDIR) err = errno;
      if (errno != ENOENT && errno != ENOTDIR && errno != EACCES) break;
    }
    if (!d[dlen]) break;
    d += dlen + 1;
  }
  fail_code(err == ENOENT ? 127 : 126, err, "exec %s: not found in PATH or not executable", path);
}
