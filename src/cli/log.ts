// The runtime's log, shaped like runc's (logrus): conmon and containerd pass --log FILE
// --log-format json and read the last {"level":"error","msg":...} line to report a failure.
// Without --log, messages go to stderr only.
import { appendFileSync } from 'node:fs';
import { writeErr } from './stdio.ts';

export type LogFormat = 'text' | 'json';
export type Level = 'debug' | 'info' | 'warning' | 'error';

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

function rfc3339Seconds(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function formatLine(format: LogFormat, level: Level, msg: string, time = rfc3339Seconds()): string {
  if (format === 'json') return `${JSON.stringify({ level, msg, time })}\n`;
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export function createLogger(opts: { file?: string; format: LogFormat; debug: boolean; prefix: string }): Logger {
  const write = (level: Level, msg: string) => {
    if (opts.file) {
      try { appendFileSync(opts.file, formatLine(opts.format, level, msg)); } catch { /* the log must not hide the error */ }
    }
  };
  return {
    error(msg) {
      write('error', msg);
      writeErr(`${opts.prefix}: ${msg}\n`);
    },
    warn(msg) {
      write('warning', msg);
      writeErr(`${opts.prefix}: warning: ${msg}\n`);
    },
    debug(msg) {
      if (!opts.debug) return;
      write('debug', msg);
      if (!opts.file) writeErr(`${opts.prefix}: debug: ${msg}\n`);
    },
  };
}
