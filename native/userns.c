// berth-userns: runs a command inside the calling user's own user namespace (and a mount
// namespace of it), as that namespace's root: where rootless berth does its work (overlay
// mounts, unpacking with the image's owners, network namespaces, conmon, the runtime).
//
//   berth-userns RUN_ROOT PROGRAM [ARG...]
//
// Node is multithreaded and cannot unshare a user namespace itself, so this small helper does
// it, as podman's does: the first call makes the namespaces and leaves a "pause" process
// (named berth-userns as the helper itself, stdio on /dev/null, its own session) holding them, its pid in
// RUN_ROOT/pause.pid; every later call setns()es into that process's user and mount namespaces,
// so the mounts of one command (a running container's rootfs) are there for the next.
// The maps: the user's own id as 0, then the subordinate ranges of /etc/subuid and /etc/subgid
// as 1.. (written by the setuid newuidmap/newgidmap, which check them); with no ranges, only the
// own id (written directly, setgroups denied), and a warning on stderr, since files owned by
// anyone else in an image then cannot be made.
// When the pause process has died (killed) while containers still run, their conmon (found by
// its exit directory, RUN_ROOT/exits) is in the old namespaces: a new pause process joins those.
// RUN_ROOT is made 0700 and must belong to the caller: under /tmp anyone could have made it.
// Exit status: the command's (exec), or 125 when the namespace cannot be made or joined.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_RANGES 16
#define PAUSE_NAME "berth-userns"

struct range { unsigned long start, count; };

static void die(const char *fmt, const char *arg, int err) {
  fprintf(stderr, "berth: user namespace: ");
  fprintf(stderr, fmt, arg);
  if (err) fprintf(stderr, ": %s", strerror(err));
  fputc('\n', stderr);
  exit(125);
}

// The directory exists, is a directory (not a link) of ours, and only we can enter it.
static void own_dir(const char *dir) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", dir);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST) die("cannot make %s", tmp, errno);
    *p = '/';
  }
  if (mkdir(tmp, 0700) < 0 && errno != EEXIST) die("cannot make %s", tmp, errno);
  struct stat st;
  if (lstat(dir, &st) < 0) die("cannot stat %s", dir, errno);
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
    die("%s is not a directory of this user (another user may have made it; remove it or set XDG_RUNTIME_DIR)", dir, 0);
  if ((st.st_mode & 077) && chmod(dir, 0700) < 0) die("cannot make %s private", dir, errno);
}

// The subordinate ranges of this user (by name or by uid) in /etc/subuid or /etc/subgid.
static int ranges(const char *file, const char *name, unsigned long id, struct range *out) {
  FILE *f = fopen(file, "re");
  if (!f) return 0;
  char line[512], idtext[32];
  snprintf(idtext, sizeof idtext, "%lu", id);
  int n = 0;
  while (n < MAX_RANGES && fgets(line, sizeof line, f)) {
    char *owner = strtok(line, ":\n"), *start = strtok(NULL, ":\n"), *count = strtok(NULL, ":\n");
    if (!owner || !start || !count) continue;
    if (strcmp(owner, name) && strcmp(owner, idtext)) continue;
    out[n].start = strtoul(start, NULL, 10);
    out[n].count = strtoul(count, NULL, 10);
    if (out[n].count) n++;
  }
  fclose(f);
  return n;
}

// newuidmap PID 0 ID 1 1 START COUNT ...; 0 when it succeeded.
static int run_newidmap(const char *tool, pid_t pid, unsigned long id, struct range *r, int n) {
  char *argv[4 + 3 * (MAX_RANGES + 1) + 1];
  char buf[3 * (MAX_RANGES + 1)][24], pidtext[24];
  int a = 0, b = 0;
  snprintf(pidtext, sizeof pidtext, "%d", pid);
  argv[a++] = (char *)tool;
  argv[a++] = pidtext;
  unsigned long inside = 1;
  argv[a++] = "0";
  snprintf(buf[b], 24, "%lu", id); argv[a++] = buf[b++];
  argv[a++] = "1";
  for (int i = 0; i < n; i++) {
    snprintf(buf[b], 24, "%lu", inside); argv[a++] = buf[b++];
    snprintf(buf[b], 24, "%lu", r[i].start); argv[a++] = buf[b++];
    snprintf(buf[b], 24, "%lu", r[i].count); argv[a++] = buf[b++];
    inside += r[i].count;
  }
  argv[a] = NULL;
  pid_t c = fork();
  if (c < 0) return -1;
  if (c == 0) {
    execv(tool, argv);
    execvp(strrchr(tool, '/') + 1, argv);
    fprintf(stderr, "berth: user namespace: cannot run %s: %s\n", tool, strerror(errno));
    _exit(127);
  }
  int st;
  while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int write_file(pid_t pid, const char *name, const char *text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t w = write(fd, text, strlen(text));
  close(fd);
  return w == (ssize_t)strlen(text) ? 0 : -1;
}

static void hold(void) __attribute__((noreturn));
static int join(pid_t pid);

// The pause process: unshares, reports its pid, waits for its maps, then holds the namespaces.
static void pause_child(int ready, int go) {
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
    int e = errno;
    if (write(ready, &e, sizeof e) < 0) {}
    _exit(1);
  }
  // No pid namespace: our pid is the one the caller writes maps for and records.
  int ok = 0;
  pid_t self = getpid();
  if (write(ready, &ok, sizeof ok) < 0 || write(ready, &self, sizeof self) < 0) _exit(1);
  char c;
  if (read(go, &c, 1) != 1) _exit(1);
  close(ready);
  close(go);
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) _exit(1);
  hold();
}

// The rest of a pause process's life: nameless stdio, no fds, asleep.
static void hold(void) {
  prctl(PR_SET_NAME, PAUSE_NAME, 0, 0, 0);
  if (chdir("/") < 0) _exit(1);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); if (null > 2) close(null); }
  for (int fd = 3; fd < 1024; fd++) close(fd);
  sigset_t all;
  sigfillset(&all);
  sigdelset(&all, SIGTERM);
  sigdelset(&all, SIGINT);
  sigprocmask(SIG_SETMASK, &all, NULL);
  for (;;) pause();
}

static void write_pidfile(const char *run_root, pid_t pause_pid) {
  char pidfile[PATH_MAX], tmpfile[PATH_MAX + 16];
  snprintf(pidfile, sizeof pidfile, "%s/pause.pid", run_root);
  snprintf(tmpfile, sizeof tmpfile, "%s.%d", pidfile, getpid());
  FILE *f = fopen(tmpfile, "we");
  if (!f || fprintf(f, "%d\n", pause_pid) < 0 || fclose(f) != 0 || rename(tmpfile, pidfile) < 0)
    die("cannot write %s", pidfile, errno);
}

// Makes the namespaces; returns the pause process's pid.
static pid_t create(const char *run_root) {
  struct passwd *pw = getpwuid(getuid());
  const char *name = pw ? pw->pw_name : "";
  struct range ur[MAX_RANGES], gr[MAX_RANGES];
  int nu = ranges("/etc/subuid", name, getuid(), ur), ng = ranges("/etc/subgid", name, getuid(), gr);
  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) die("pipe%s", "", errno);
  pid_t mid = fork();
  if (mid < 0) die("fork%s", "", errno);
  if (mid == 0) {
    // A session and a grandchild of its own: the pause process outlives this command and is
    // nobody's child but init's (or the subreaper's).
    setsid();
    pid_t p = fork();
    if (p < 0) _exit(1);
    if (p == 0) {
      // Only the ends it uses: were the caller to die, the read of `go` must see its end.
      close(ready[0]);
      close(go[1]);
      pause_child(ready[1], go[0]);
    }
    _exit(0);
  }
  close(ready[1]);
  close(go[0]);
  int st;
  while (waitpid(mid, &st, 0) < 0 && errno == EINTR) {}
  int err = -1;
  if (read(ready[0], &err, sizeof err) != sizeof err) die("the pause process did not start%s", "", 0);
  if (err) die("unshare%s (is kernel.unprivileged_userns_clone or user.max_user_namespaces 0?)", "", err);
  pid_t pause_pid = 0;
  if (read(ready[0], &pause_pid, sizeof pause_pid) != sizeof pause_pid || pause_pid <= 0)
    die("the pause process did not start%s", "", 0);
  char own[32];
  int mapped;
  if (nu && ng) {
    mapped = run_newidmap("/usr/bin/newuidmap", pause_pid, getuid(), ur, nu) == 0
          && run_newidmap("/usr/bin/newgidmap", pause_pid, getgid(), gr, ng) == 0;
    if (!mapped) { kill(pause_pid, SIGKILL); die("newuidmap/newgidmap refused the ranges of /etc/subuid and /etc/subgid for %s", name, 0); }
  } else {
    fprintf(stderr, "berth: warning: %s has no subordinate ids in /etc/subuid and /etc/subgid: the user namespace maps only your own id (as 0); image files owned by other users are unpacked as yours, and containers cannot switch to other users (add ranges with `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s`)\n", name, name);
    snprintf(own, sizeof own, "0 %u 1\n", getuid());
    mapped = write_file(pause_pid, "uid_map", own) == 0 && write_file(pause_pid, "setgroups", "deny") == 0;
    snprintf(own, sizeof own, "0 %u 1\n", getgid());
    mapped = mapped && write_file(pause_pid, "gid_map", own) == 0;
    if (!mapped) { int e = errno; kill(pause_pid, SIGKILL); die("cannot write the id maps%s", "", e); }
  }
  if (write(go[1], "g", 1) != 1) die("the pause process died%s", "", errno);
  close(go[1]);
  close(ready[0]);
  write_pidfile(run_root, pause_pid);
  return pause_pid;
}

// The recorded pause process, if it is still ours and still our holder (comm berth-userns); else 0.
static pid_t recorded(const char *run_root) {
  char path[PATH_MAX], buf[64];
  snprintf(path, sizeof path, "%s/pause.pid", run_root);
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  int pid = 0;
  if (fscanf(f, "%d", &pid) != 1) pid = 0;
  fclose(f);
  if (pid <= 0) return 0;
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  if (!(f = fopen(path, "re"))) return 0;
  int same = fgets(buf, sizeof buf, f) && !strcmp(buf, PAUSE_NAME "\n");
  fclose(f);
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d", pid);
  if (!same || stat(path, &st) < 0 || st.st_uid != getuid()) return 0;
  // A killed one may linger as a zombie (until its parent, init or a subreaper, reaps it): it
  // holds no namespaces any more.
  char stat_line[256];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (!(f = fopen(path, "re"))) return 0;
  char *rp = fgets(stat_line, sizeof stat_line, f) ? strrchr(stat_line, ')') : NULL;
  fclose(f);
  if (!rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X') return 0;
  return pid;
}

static int join(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
  int user = open(path, O_RDONLY | O_CLOEXEC);
  snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
  int mnt = open(path, O_RDONLY | O_CLOEXEC);
  if (user < 0 || mnt < 0) return -1;
  if (setns(user, CLONE_NEWUSER) < 0 || setns(mnt, CLONE_NEWNS) < 0) return -1;
  close(user);
  close(mnt);
  return setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 ? -1 : 0;
}

// A conmon of this user's berth (its exit files in RUN_ROOT/exits) in another user namespace
// than ours: the namespace a pause process held before it died (killed, say), still alive for
// the containers it runs. 0 when there is none.
static pid_t orphaned_namespace(const char *run_root) {
  char want[PATH_MAX + 16], path[64], self_ns[64] = "", ns[64];
  snprintf(want, sizeof want, "%s/exits", run_root);
  ssize_t n = readlink("/proc/self/ns/user", self_ns, sizeof self_ns - 1);
  if (n <= 0) return 0;
  self_ns[n] = 0;
  DIR *d = opendir("/proc");
  if (!d) return 0;
  pid_t found = 0;
  struct dirent *e;
  while (!found && (e = readdir(d))) {
    pid_t pid = (pid_t)atoi(e->d_name);
    if (pid <= 0) continue;
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", pid);
    if (stat(path, &st) < 0 || st.st_uid != getuid()) continue;
    char comm[32] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    FILE *f = fopen(path, "re");
    if (!f) continue;
    if (!fgets(comm, sizeof comm, f)) comm[0] = 0;
    fclose(f);
    if (strcmp(comm, "conmon\n")) continue;
    snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
    n = readlink(path, ns, sizeof ns - 1);
    if (n <= 0) continue;
    ns[n] = 0;
    if (!strcmp(ns, self_ns)) continue;
    // Its argv (NUL-separated) names our exit directory: this user's berth, this run root.
    char args[8192];
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t len = read(fd, args, sizeof args - 1);
    close(fd);
    for (ssize_t i = 0; i + (ssize_t)strlen(want) <= len; i++) {
      if (!memcmp(args + i, want, strlen(want)) && (i + (ssize_t)strlen(want) == len || args[i + strlen(want)] == 0)) { found = pid; break; }
    }
  }
  closedir(d);
  return found;
}

// A new pause process in the namespaces `holder` is in; returns its pid (recorded).
static pid_t adopt(const char *run_root, pid_t holder) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) die("pipe%s", "", errno);
  pid_t mid = fork();
  if (mid < 0) die("fork%s", "", errno);
  if (mid == 0) {
    setsid();
    pid_t p = fork();
    if (p < 0) _exit(1);
    if (p == 0) {
      pid_t self = join(holder) == 0 ? getpid() : 0;
      if (write(ready[1], &self, sizeof self) < 0 || !self) _exit(1);
      close(ready[0]);
      close(ready[1]);
      hold();
    }
    _exit(0);
  }
  close(ready[1]);
  int st;
  while (waitpid(mid, &st, 0) < 0 && errno == EINTR) {}
  pid_t pause_pid = 0;
  if (read(ready[0], &pause_pid, sizeof pause_pid) != sizeof pause_pid || pause_pid <= 0) return 0;
  close(ready[0]);
  write_pidfile(run_root, pause_pid);
  return pause_pid;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: berth-userns RUN_ROOT PROGRAM [ARG...]\n");
    return 125;
  }
  const char *run_root = argv[1];
  if (getuid() == 0) die("%s", "root needs no user namespace of its own", 0);
  own_dir(run_root);
  char lockpath[PATH_MAX];
  snprintf(lockpath, sizeof lockpath, "%s/userns.lock", run_root);
  int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) < 0) die("cannot lock %s", lockpath, errno);
  pid_t pid = recorded(run_root);
  if (!pid) {
    // The pause process is gone but containers still run in its namespaces: hold those again,
    // so that their mounts stay where the engine looks for them.
    pid_t holder = orphaned_namespace(run_root);
    if (holder) pid = adopt(run_root, holder);
  }
  if (!pid) pid = create(run_root);
  // setns(CLONE_NEWNS) moves us to the namespace's root directory: come back to ours.
  char cwd[PATH_MAX];
  int have_cwd = getcwd(cwd, sizeof cwd) != NULL;
  if (join(pid) < 0) die("cannot join the namespaces of process %s", "(see pause.pid)", errno);
  close(lock);
  if (have_cwd && chdir(cwd) < 0 && chdir("/") < 0) {}
  execv(argv[2], argv + 2);
  die("cannot run %s", argv[2], errno);
  return 125;
}
