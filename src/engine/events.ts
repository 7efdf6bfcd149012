// A line of JSON per lifecycle event in <runRoot>/events.log (create, start, die, destroy), as
// docker's event stream records them: what tests use to know which containers an engine
// made, and what a later `berth events` can read.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnginePaths } from './paths.ts';

export type EventAction = 'create' | 'start' | 'die' | 'destroy' | 'restart' | 'connect' | 'disconnect' | 'pause' | 'unpause'
  | 'pod-create' | 'pod-start' | 'pod-stop' | 'pod-remove';

/** `type` is 'pod' for a pod's events (docker's Type field: container when absent). */
export interface EngineEvent { time: string; id: string; name: string; action: EventAction; type?: 'pod'; exitCode?: number; network?: string; hostVeth?: string }

export function eventsPath(p: EnginePaths): string {
  return join(p.runRoot, 'events.log');
}

export function recordEvent(p: EnginePaths, e: Omit<EngineEvent, 'time'>): void {
  try {
    // One write of a short line with O_APPEND: lines from concurrent processes do not interleave.
    appendFileSync(eventsPath(p), `${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
  } catch { /* events are informative: never fail an operation for them */ }
}
