// berth login [-u USER] [-p PASSWORD | --password-stdin] [SERVER]
import { createInterface } from 'node:readline/promises';
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

/** Asks on the terminal for a line. */
async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try { return await rl.question(question); } finally { rl.close(); }
}

/** Asks on the terminal for a secret: raw mode, nothing echoed; Enter ends, Ctrl-C aborts. */
async function promptSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  // raw before the question shows, so that a fast typist's keys are never echoed
  stdin.setRawMode(true);
  stdin.resume();
  process.stderr.write(question);
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (b: Buffer) => {
        for (const ch of b.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') { stdin.off('data', onData); resolve(text); return; }
          if (ch === '\u0003') { stdin.off('data', onData); reject(new Error('login interrupted')); return; }
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
          else text += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
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
  if (!username && tty) username = (await prompt('Username: ')).trim();
  if (password === undefined && tty) password = await promptSecret('Password: ');
  await ctx.engine().images.login(p.args[0], { username: username ?? '', password: password ?? '' });
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
