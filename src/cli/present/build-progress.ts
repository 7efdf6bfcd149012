// Rendering a build's progress: BuildKit's plain lines (`#N [stage i/n] INSTRUCTION`, output
// lines with their time, CACHED, DONE, ERROR) for logs and pipes, and on a terminal a view
// redrawn in place: one line per step with its state and time, the last output lines of the
// steps still running, a header with the elapsed time.
import type { BuildEvent } from '../../build/index.ts';

export type Renderer = { event(e: BuildEvent): void; finish(): void };

export function plainRenderer(write: (t: string) => void): Renderer {
  const started = new Map<number, number>();
  return {
    event(e) {
      switch (e.type) {
        case 'step': started.set(e.id, performance.now()); write(`#${e.id} [${e.stage} ${e.index}/${e.total}] ${e.instruction.split('\n')[0]}\n`); break;
        case 'cached': write(`#${e.id} CACHED\n`); break;
        case 'output': {
          const t = ((performance.now() - (started.get(e.id) ?? 0)) / 1000).toFixed(3);
          for (const line of e.text.replace(/\n$/, '').split('\n')) write(`#${e.id} ${t} ${line}\n`);
          break;
        }
        case 'done': write(`#${e.id} DONE ${e.seconds.toFixed(1)}s\n`); break;
        case 'error': write(`#${e.id} ERROR: ${e.message}\n`); break;
        case 'warning': write(`WARNING: ${e.message}\n`); break;
        case 'info': write(`${e.message}\n`); break;
      }
    },
    finish() { /* nothing buffered */ },
  };
}

interface Row { title: string; start: number; end?: number; cached?: boolean; error?: boolean; tail: string[] }

const TAIL = 6;

export function ttyRenderer(out: NodeJS.WriteStream): Renderer {
  const rows = new Map<number, Row>();
  const notes: string[] = [];
  const t0 = performance.now();
  let drawn = 0;
  const width = () => Math.max(40, out.columns ?? 100);
  const fit = (s: string) => (s.length > width() - 1 ? `${s.slice(0, width() - 2)}…` : s);
  const draw = (final = false) => {
    const lines: string[] = [];
    const done = [...rows.values()].filter((r) => r.end !== undefined).length;
    lines.push(`[+] Building ${((performance.now() - t0) / 1000).toFixed(1)}s (${done}/${rows.size})${final ? ' FINISHED' : ''}`);
    for (const r of rows.values()) {
      const secs = (((r.end ?? performance.now()) - r.start) / 1000).toFixed(1);
      const state = r.error ? 'ERROR ' : r.cached ? 'CACHED ' : '';
      lines.push(fit(` => ${state}${r.title}`.padEnd(Math.min(width() - 8, 80)) + ` ${secs}s`));
      if (r.end === undefined || r.error) for (const l of r.tail) lines.push(fit(` => => # ${l}`));
    }
    for (const n of notes) lines.push(fit(n));
    out.write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
  };
  const timer = setInterval(() => draw(), 150);
  timer.unref();
  return {
    event(e) {
      switch (e.type) {
        case 'step': rows.set(e.id, { title: `[${e.stage} ${e.index}/${e.total}] ${e.instruction.split('\n')[0]}`, start: performance.now(), tail: [] }); break;
        case 'cached': { const r = rows.get(e.id); if (r) r.cached = true; break; }
        case 'output': {
          const r = rows.get(e.id);
          if (r) r.tail = [...r.tail, ...e.text.replace(/\n$/, '').split('\n')].slice(-TAIL);
          break;
        }
        case 'done': { const r = rows.get(e.id); if (r) r.end = performance.now(); break; }
        case 'error': { const r = rows.get(e.id); if (r) { r.error = true; r.end = performance.now(); } break; }
        case 'warning': notes.push(`WARNING: ${e.message}`); break;
        case 'info': notes.push(e.message); break;
      }
    },
    finish() {
      clearInterval(timer);
      draw(true);
    },
  };
}
