// Loading and attaching happen in build/berth-devbpf (bpf(2) has no Node binding): the program
// goes in on stdin, the cgroup directory is the argument. The attachment lives as long as the
// cgroup; removing the cgroup removes it.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { helperPath } from '../helper.ts';
import { deviceProgramBytes, type DeviceRuleText } from './program.ts';

export class DeviceAttachError extends Error {
  override name = 'DeviceAttachError';
  readonly cgroup: string;
  constructor(cgroup: string, detail: string) {
    super(`attach the device program to ${cgroup}: ${detail.trim()}`);
    this.cgroup = cgroup;
  }
}

export function devbpfPath(): string {
  return process.env.BERTH_DEVBPF || join(dirname(helperPath()), 'berth-devbpf');
}

/** Generates the program for `rules` and attaches it (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) to
 * the cgroup v2 directory `cgroup`. */
export function attachDeviceProgram(cgroup: string, rules: DeviceRuleText[]): Promise<void> {
  const prog = deviceProgramBytes(rules);
  return new Promise((resolve, reject) => {
    const child = execFile(devbpfPath(), [cgroup], { encoding: 'utf8' }, (err, _out, stderr) => {
      if (err) reject(new DeviceAttachError(cgroup, stderr || err.message));
      else resolve();
    });
    child.stdin!.end(prog);
  });
}
