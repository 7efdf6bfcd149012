// The image configuration a stage accumulates (docker's container config subset an image keeps).
export interface RunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  OnBuild?: string[] | null;
  Shell?: string[];
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function envGet(env: string[] | undefined, key: string): string | undefined {
  const e = env?.find((x) => x.split('=', 1)[0] === key);
  return e === undefined ? undefined : e.slice(key.length + 1);
}

export function envSet(env: string[], key: string, value: string): string[] {
  const out = env.filter((x) => x.split('=', 1)[0] !== key);
  const i = env.findIndex((x) => x.split('=', 1)[0] === key);
  if (i >= 0) { const copy = [...env]; copy[i] = `${key}=${value}`; return copy; }
  return [...out, `${key}=${value}`];
}
