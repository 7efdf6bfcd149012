// containerd's snapshot model: an active snapshot is writable and becomes, once committed, a
// read-only parent for others; a view is a read-only active snapshot.

export type SnapshotKind = 'active' | 'view' | 'committed';
export type SnapshotDriver = 'overlay' | 'copy';

export interface SnapshotInfo {
  /** The key (active/view) or name (committed). Committed layers are named by chainID. */
  key: string;
  kind: SnapshotKind;
  parent?: string;
  /** Directory number under snapshots/<driver>/. */
  id: number;
  created: string;
  labels: Record<string, string>;
}

/** A mount as mount(8) takes it. */
export interface Mount {
  type: 'overlay' | 'bind';
  source: string;
  options: string[];
}

export class SnapshotError extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(`snapshot ${JSON.stringify(key)}: ${message}`);
    this.name = 'SnapshotError';
    this.key = key;
  }
}

export class SnapshotExistsError extends SnapshotError {
  constructor(key: string) {
    super(key, 'already exists');
    this.name = 'SnapshotExistsError';
  }
}

export class SnapshotNotFoundError extends SnapshotError {
  constructor(key: string) {
    super(key, 'not found');
    this.name = 'SnapshotNotFoundError';
  }
}
