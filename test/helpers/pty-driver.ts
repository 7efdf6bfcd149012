// Drives a program through a pseudo-terminal, as a person at a terminal would: wait for some
// output, type some bytes, and so on; then its exit status and everything it wrote. Python's
// pty module (/usr/bin/python3) makes the terminal: Node has none of its own.
import { execFile } from 'node:child_process';

export interface PtyStep {
  /** A regular expression to wait for in the output written since the previous step matched. */
  expect?: string;
  /** Bytes to type then (latin1). */
  send?: string;
  /** Wait this long first (ms), e.g. for the program to have read what came before. */
  pauseMs?: number;
}

export interface PtyResult { status: number | null; output: string; failedStep: number | null }

const DRIVER = String.raw`
import json, os, pty, re, select, signal, sys, time
argv, steps, timeout = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, mark, failed = b'', 0, None
def pump(wait):
    global out
    r, _, _ = select.select([fd], [], [], wait)
    if not r: return True
    try: d = os.read(fd, 65536)
    except OSError: return False
    if not d: return False
    out += d
    return True
for i, st in enumerate(steps):
    if st.get('pauseMs'): time.sleep(st['pauseMs'] / 1000)
    if st.get('expect'):
        rx, end, alive = re.compile(st['expect'].encode('latin1')), time.time() + timeout, True
        while not rx.search(out, mark) and time.time() < end and alive: alive = pump(0.1)
        m = rx.search(out, mark)
        if not m: failed = i; break
        mark = m.end()
    if st.get('send'): os.write(fd, st['send'].encode('latin1'))
status, end = None, time.time() + (1 if failed is not None else timeout)
while time.time() < end:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = os.waitstatus_to_exitcode(st)
        break
    pump(0.1)
if status is None:
    os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0)
try:
    while pump(0.05): pass
except Exception: pass
print(json.dumps({'status': status, 'output': out.decode('latin1'), 'failedStep': failed}))
`;

/** Runs `argv` on a terminal through `steps`; each wait lasts up to `timeoutMs`, and so does the
 * wait for the exit (then it is killed: status null). */
export function driveOnPty(argv: string[], steps: PtyStep[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<PtyResult> {
  const timeout = (opts.timeoutMs ?? 20_000) / 1000;
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', DRIVER, JSON.stringify(argv), JSON.stringify(steps), String(timeout)], { env: opts.env, maxBuffer: 16 << 20, timeout: (opts.timeoutMs ?? 20_000) * (steps.length + 3) }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`pty driver: ${err.message}\n${stderr}`)); return; }
      resolve(JSON.parse(String(stdout)) as PtyResult);
    });
  });
}
