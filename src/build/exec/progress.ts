// What a build reports while it runs; fronts render it (plain lines, a terminal view, -q).
export type BuildEvent =
  | { type: 'step'; id: number; stage: string; index: number; total: number; instruction: string }
  | { type: 'cached'; id: number }
  | { type: 'output'; id: number; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'done'; id: number; seconds: number }
  | { type: 'error'; id: number; message: string }
  | { type: 'warning'; message: string }
  | { type: 'info'; message: string };

export type BuildListener = (e: BuildEvent) => void;
