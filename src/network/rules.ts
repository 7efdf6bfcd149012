// berth's host firewall rules, per network rather than per container (docker's scheme): what
// they are, and the change that brings an iptables-save dump to them, as pure functions of data.
// firewall.ts runs iptables-save / iptables-restore around these.
//
// All of it lives in chains of berth's own, hooked once into the built-in chains:
//   filter FORWARD (top)  -> BERTH-FORWARD
//     BERTH-FORWARD          first a jump to BERTH-ISOLATION-STAGE-1, then per network:
//                            replies and published ports in, everything from the bridge out
//                            (internal networks: same-bridge only, nothing in, nothing out)
//     BERTH-ISOLATION-STAGE-1  per network: from its bridge to another interface -> stage 2
//     BERTH-ISOLATION-STAGE-2  per network: to its bridge -> DROP
//   nat POSTROUTING       -> BERTH-POSTROUTING
//     BERTH-POSTROUTING      per non-internal network: its subnet leaving by another interface
//                            (multicast excepted) -> MASQUERADE
// So one berth bridge never reaches another, while traffic within a bridge and to the outside
// passes. Every per-network rule names the network's bridge (-i/-o) and carries the comment
// "berth network NAME": the bridge is the key (two state roots may both have a network of one
// name, never one bridge for two subnets), the comment is for people reading iptables -S.
// The lines are written in the order iptables-save prints options (-s, -d, -i, -o, matches,
// -j), so that an installed rule reads back as the very same line.

export const CHAIN_FORWARD = 'BERTH-FORWARD';
export const CHAIN_ISOLATION_1 = 'BERTH-ISOLATION-STAGE-1';
export const CHAIN_ISOLATION_2 = 'BERTH-ISOLATION-STAGE-2';
export const CHAIN_POSTROUTING = 'BERTH-POSTROUTING';

/** The chains berth owns, by table. */
export const OWN_CHAINS: Record<Table, string[]> = {
  filter: [CHAIN_FORWARD, CHAIN_ISOLATION_1, CHAIN_ISOLATION_2],
  nat: [CHAIN_POSTROUTING],
};

export type Table = 'filter' | 'nat';
const TABLES: Table[] = ['filter', 'nat'];

/** What the rules of one network depend on. */
export interface RulesNetwork {
  name: string;
  bridge: string;
  subnet: string;
  internal: boolean;
}

/** One rule: `-A <chain> <args>` in <table>. */
export interface Rule {
  table: Table;
  chain: string;
  args: string[];
}

/** A jump from a built-in (or our top) chain into one of ours, with where it is put when missing. */
interface Hook extends Rule {
  insertFirst: boolean;
}

const MULTICAST = '224.0.0.0/4';

function comment(text: string): string[] {
  return ['-m', 'comment', '--comment', text];
}

function hooks(): Hook[] {
  return [
    // At the top of FORWARD: a FORWARD policy of DROP (docker sets one) or a DROP someone
    // appends must not cut berth's containers off.
    { table: 'filter', chain: 'FORWARD', args: [...comment('berth networks'), '-j', CHAIN_FORWARD], insertFirst: true },
    // Isolation before any network's ACCEPT, whatever order networks were added in: a
    // published port of one network is no way in for another network's containers.
    { table: 'filter', chain: CHAIN_FORWARD, args: [...comment('berth network isolation'), '-j', CHAIN_ISOLATION_1], insertFirst: true },
    { table: 'nat', chain: 'POSTROUTING', args: [...comment('berth networks'), '-j', CHAIN_POSTROUTING], insertFirst: false },
  ];
}

/** The rules of one network, in the order they must stand within each chain. */
export function networkRules(n: RulesNetwork): Rule[] {
  const br = n.bridge;
  const c = comment(`berth network ${n.name}`);
  const rules: Rule[] = [
    { table: 'filter', chain: CHAIN_ISOLATION_1, args: ['-i', br, '!', '-o', br, ...c, '-j', CHAIN_ISOLATION_2] },
    { table: 'filter', chain: CHAIN_ISOLATION_2, args: ['-o', br, ...c, '-j', 'DROP'] },
  ];
  if (n.internal) {
    // Only traffic between the bridge's own ports (seen here through bridge-nf-call-iptables).
    rules.push(
      { table: 'filter', chain: CHAIN_FORWARD, args: ['-i', br, '-o', br, ...c, '-j', 'ACCEPT'] },
      { table: 'filter', chain: CHAIN_FORWARD, args: ['-i', br, ...c, '-j', 'DROP'] },
      { table: 'filter', chain: CHAIN_FORWARD, args: ['-o', br, ...c, '-j', 'DROP'] },
    );
  } else {
    rules.push(
      { table: 'filter', chain: CHAIN_FORWARD, args: ['-o', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...c, '-j', 'ACCEPT'] },
      // Published ports (portmap's DNAT).
      { table: 'filter', chain: CHAIN_FORWARD, args: ['-o', br, '-m', 'conntrack', '--ctstate', 'DNAT', ...c, '-j', 'ACCEPT'] },
      { table: 'filter', chain: CHAIN_FORWARD, args: ['-i', br, ...c, '-j', 'ACCEPT'] },
      { table: 'nat', chain: CHAIN_POSTROUTING, args: ['-s', n.subnet, '!', '-d', MULTICAST, '!', '-o', br, ...c, '-j', 'MASQUERADE'] },
    );
  }
  return rules;
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_.,:/!+-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;
}

/** The rule as iptables-save prints it (and iptables-restore reads it): `-A CHAIN args`. */
export function ruleLine(r: Rule): string {
  return ['-A', r.chain, ...r.args.map(quote)].join(' ');
}

/** One table of an iptables-save dump: its chains and its rule lines (`-A ...`), in order. */
export interface SavedTable {
  chains: Set<string>;
  rules: string[];
}

export function parseSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let cur: SavedTable | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = { chains: new Set(), rules: [] };
      tables.set(line.slice(1).trim(), cur);
    } else if (!cur) {
      continue;
    } else if (line.startsWith(':')) {
      cur.chains.add(line.slice(1).split(' ')[0]);
    } else if (line.startsWith('-A ')) {
      cur.rules.push(line.trimEnd());
    }
  }
  return tables;
}

function chainOf(line: string): string {
  return line.split(' ')[1];
}

/** Splits a rule line into arguments, honouring double quotes (comments have spaces). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

/** True when a rule line names `bridge` as its in- or out-interface. */
export function namesBridge(line: string, bridge: string): boolean {
  const w = words(line);
  return w.some((a, i) => (a === '-i' || a === '-o') && w[i + 1] === bridge);
}

/** The lines of our chains in one table that name `bridge`, by chain, in order. */
function bridgeLines(t: SavedTable | undefined, table: Table, bridge: string): Map<string, string[]> {
  const byChain = new Map<string, string[]>(OWN_CHAINS[table].map((c) => [c, []]));
  for (const line of t?.rules ?? []) {
    const list = byChain.get(chainOf(line));
    if (list && namesBridge(line, bridge)) list.push(line);
  }
  return byChain;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function restoreText(sections: Map<Table, string[]>): string | undefined {
  const parts: string[] = [];
  for (const table of TABLES) {
    const lines = sections.get(table);
    if (lines?.length) parts.push(`*${table}`, ...lines, 'COMMIT');
  }
  return parts.length ? parts.join('\n') + '\n' : undefined;
}

/**
 * The iptables-restore --noflush input that brings the dump `saved` to the network's rules
 * (chains and hooks made if missing; a chain whose lines for this bridge are not exactly the
 * wanted ones, in order and once each, has them all replaced), or undefined when everything is
 * in place already. Applied in one restore, a table changes in one transaction.
 */
export function planEnsure(saved: Map<string, SavedTable>, n: RulesNetwork): string | undefined {
  const sections = new Map<Table, string[]>();
  const want = networkRules(n);
  for (const table of TABLES) {
    const t = saved.get(table);
    const lines: string[] = [];
    // A chain line for an existing chain would flush it: only missing ones are declared.
    for (const chain of OWN_CHAINS[table]) if (!t?.chains.has(chain)) lines.push(`:${chain} - [0:0]`);
    for (const h of hooks().filter((x) => x.table === table)) {
      const line = ruleLine(h);
      if (t?.rules.includes(line)) continue;
      lines.push(h.insertFirst ? ['-I', h.chain, '1', ...h.args.map(quote)].join(' ') : line);
    }
    const have = bridgeLines(t, table, n.bridge);
    for (const chain of OWN_CHAINS[table]) {
      const wanted = want.filter((r) => r.table === table && r.chain === chain).map((r) => ruleLine(r));
      const present = have.get(chain)!;
      if (sameList(present, wanted)) continue;
      for (const line of present) lines.push(`-D${line.slice(2)}`);
      lines.push(...wanted);
    }
    if (lines.length) sections.set(table, lines);
  }
  return restoreText(sections);
}

/** The restore input that deletes every rule of our chains naming `bridge`, or undefined if none. */
export function planRemove(saved: Map<string, SavedTable>, bridge: string): string | undefined {
  const sections = new Map<Table, string[]>();
  for (const table of TABLES) {
    const lines = [...bridgeLines(saved.get(table), table, bridge).values()].flat().map((l) => `-D${l.slice(2)}`);
    if (lines.length) sections.set(table, lines);
  }
  return restoreText(sections);
}
