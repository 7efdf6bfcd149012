// Signal names and numbers as `kill` accepts them: "KILL", "SIGKILL", "9", "SIGRTMIN+3".
import { constants } from 'node:os';
import { SignalError } from './errors.ts';

const SIGRTMIN = 34;
const SIGRTMAX = 64;
// Read when used, not when the module loads: node:os is loaded on first use by the CLI's
// launcher, and every CLI start initialises this module.
const numbers = () => constants.signals as Record<string, number>;

/** The number of an exact signal name as Node reports it ("SIGTERM" from a child's exit), or
 * undefined; for user input use parseSignal. */
export function signalNumber(name: string): number | undefined {
  return numbers()[name];
}

/** The name of a signal number ("SIGTERM" for 15), or null when it has none. */
export function signalName(num: number): string | null {
  for (const [name, n] of Object.entries(numbers())) if (n === num) return name;
  return null;
}

/** A shell's exit status for a process killed by this signal (128 + its number). */
export function signalExitCode(name: string): number {
  return 128 + (numbers()[name] ?? 0);
}

/** Parses a signal as runc does: a number, or a name with or without "SIG", any case. */
export function parseSignal(s: string): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= SIGRTMAX) return n;
    throw new SignalError(s);
  }
  const up = s.toUpperCase();
  const name = up.startsWith('SIG') ? up : `SIG${up}`;
  const known = numbers()[name];
  if (known !== undefined) return known;
  const rt = /^SIGRTM(IN|AX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'IN' ? SIGRTMIN : SIGRTMAX;
    const n = base + (rt[2] === '-' ? -1 : 1) * Number(rt[3] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  throw new SignalError(s);
}
