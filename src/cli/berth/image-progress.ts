// The progress display of the image commands that move layers (pull, push).
import { createProgress, type Progress } from '../../engine/index.ts';

/** Per-layer bars on a TTY, plain lines otherwise, nothing with --quiet. */
export function progressFor(quiet: boolean): Progress {
  return createProgress({ mode: quiet ? 'quiet' : 'auto', out: process.stdout });
}
