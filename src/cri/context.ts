// What every CRI call gets: the engine (the only thing a call may act through), the streaming
// server for exec/attach/port-forward URLs, and a log line sink.
import type { Engine } from '../engine/index.ts';
import type { StreamingServer } from './streaming/server.ts';

export interface CriContext {
  engine: Engine;
  log: (line: string) => void;
  /** berth's version, reported by Version. */
  version: string;
  /** The streaming server's base URL, once it listens. */
  streamingUrl?: () => string;
  /** The streaming server (exec, port-forward URLs); set by CriServer.listen. */
  streaming: () => StreamingServer;
}
