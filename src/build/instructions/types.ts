// Typed Dockerfile instructions: what each instruction says, with its flags checked, before any
// variable is expanded (expansion depends on the stage's ARG/ENV state and happens in the plan).

export interface Source {
  file: string;
  line: number;
  /** The instruction as written (continuations joined): the history's created_by. */
  original: string;
}

export interface KeyValue { key: string; value: string }

export interface HeredocFile { name: string; content: string; expand: boolean; chomp: boolean; fd: number }

export interface RunMount {
  type: 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
  target: string;
  source?: string;
  from?: string;
  id?: string;
  readonly: boolean;
  sharing?: 'shared' | 'private' | 'locked';
  mode?: number;
  uid?: number;
  gid?: number;
  required?: boolean;
  env?: string;
  size?: number;
}

export type Instruction = Source & (
  | { kind: 'from'; image: string; stageName?: string; platform?: string }
  | { kind: 'arg'; args: { key: string; value?: string }[] }
  | { kind: 'env'; pairs: KeyValue[] }
  | { kind: 'label'; pairs: KeyValue[] }
  | { kind: 'run'; cmd: string[]; prependShell: boolean; heredocs: HeredocFile[]; mounts: string[]; network?: string; security?: string }
  | { kind: 'copy' | 'add'; sources: string[]; dest: string; heredocs: HeredocFile[]; from?: string; chown?: string; chmod?: string; link: boolean; parents: boolean; excludes: string[]; checksum?: string; keepGitDir?: boolean; unpack?: boolean }
  | { kind: 'cmd' | 'entrypoint'; cmd: string[]; prependShell: boolean }
  | { kind: 'shell'; shell: string[] }
  | { kind: 'workdir'; path: string }
  | { kind: 'user'; user: string }
  | { kind: 'expose'; ports: string[] }
  | { kind: 'volume'; volumes: string[] }
  | { kind: 'stopsignal'; signal: string }
  | { kind: 'healthcheck'; test: string[] | 'NONE'; interval?: number; timeout?: number; startPeriod?: number; startInterval?: number; retries?: number }
  | { kind: 'onbuild'; expression: string }
  | { kind: 'maintainer'; maintainer: string }
);

export type InstructionKind = Instruction['kind'];
export type Of<K extends InstructionKind> = Extract<Instruction, { kind: K }>;
