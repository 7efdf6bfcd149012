// berth login [-u USER] [-p PASSWORD | --password-stdin] [SERVER]
import { createInterface } from 'node:readline/promises';
import { loginRegistry } from '../../image/ops/login.ts';
import type { Command, Context } from './context.ts';
import { bool, parseFlags, str, type FlagDef } from './flags.ts';
import { fail, needArgs } from './image-common.ts';

const flags: FlagDef[] = [
  { name: 'username', short: 'u', kind: 'string', help: 'Username' },
  { name: 'password', short: 'p', kind: 'string', help: 'Password' },
  { name: 'password-stdin', kind: 'bool', help: 'Take the password from stdin' },
];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks on the terminal; the answer is not echoed when `secret`. */
async function prompt(question: string, secret: boolean): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput?: (s: string) => void };
  if (secret) {
    process.stderr.write(question);
    out._writeToOutput = () => { /* no echo */ };
  }
  try {
    const a = await rl.question(secret ? '' : question);
    if (secret) process.stderr.write('\n');
    return a;
  } finally {
    rl.close();
  }
}

async function run(ctx: Context): Promise<number> {
  const p = parseFlags(ctx.argv, flags);
  needArgs(p.args, 'login', 0, 1);
  let username = str(p, 'username');
  let password = str(p, 'password');
  if (bool(p, 'password-stdin')) {
    if (password !== undefined) throw new Error('--password and --password-stdin are mutually exclusive');
    if (!username) throw new Error('Must provide --username with --password-stdin');
    password = await readStdin();
  } else if (password !== undefined) {
    ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  const tty = process.stdin.isTTY === true;
  if (!username && tty) username = (await prompt('Username: ', false)).trim();
  if (password === undefined && tty) password = await prompt('Password: ', true);
  await loginRegistry(p.args[0], { username: username ?? '', password: password ?? '' });
  ctx.out('Login Succeeded\n');
  return 0;
}

const cmd: Command = {
  usage: 'berth login [OPTIONS] [SERVER]',
  about: 'Log in to a registry (default docker.io); the login is kept in berth\'s auth file ($BERTH_AUTH_FILE, /etc/berth/auth.json for root)',
  flags,
  async run(ctx) {
    try { return await run(ctx); } catch (e) {
      if ((e as Error).name === 'FlagError') throw e;
      return fail(ctx, e);
    }
  },
};
export default cmd;
