// The layering of issue #9, checked on the source: the berth CLI's commands reach the engine
// only through its public face (src/engine/index.ts), never the runtime, the image or network
// layers, the mount helper or an engine file directly; no engine file imports a front; and the
// build planner, pure, loads nothing of the engine (its unit tests stay off the engine's graph).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const TOP = resolve(import.meta.dirname, '../../..');
const SRC = join(TOP, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module a file names: static imports and re-exports, and import('...') calls. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

/** src-relative paths of the project modules `file` imports. */
function projectImports(file: string): string[] {
  return importsOf(readFileSync(file, 'utf8')).filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(file), s)));
}

test('the import scanner sees static, re-exported, side-effect and dynamic imports', () => {
  const text = "import { a } from '../x.ts';\nimport type { B } from \"./y.ts\";\nexport { c } from '../../z.ts';\nimport './side.ts';\nconst m = await import('../dyn.ts');\n// a comment mentioning from 'nowhere'";
  assert.deepEqual(importsOf(text).sort(), ['../../z.ts', '../dyn.ts', '../x.ts', './side.ts', './y.ts']);
});

test('src/cli/berth and src/cli/present import only the engine\'s public faces, index.ts and query.ts (and their own files)', () => {
  const bad: string[] = [];
  for (const f of [...tsFiles(join(SRC, 'cli/berth')), ...tsFiles(join(SRC, 'cli/present'))]) {
    for (const imp of projectImports(f)) {
      const forbidden = imp.startsWith('runtime/') || imp.startsWith('image/') || imp.startsWith('network/') || imp.startsWith('oci/')
        || imp === 'util/native-mount.ts' || (imp.startsWith('engine/') && imp !== 'engine/index.ts' && imp !== 'engine/query.ts');
      if (forbidden) bad.push(`${relative(TOP, f)} -> src/${imp}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no engine file imports a front (CLI, berthd, Docker API, CRI, builder)', () => {
  const fronts = ['cli/', 'daemon/', 'dockerapi/', 'cri/', 'build/'];
  const bad: string[] = [];
  for (const f of tsFiles(join(SRC, 'engine'))) {
    for (const imp of projectImports(f)) if (fronts.some((x) => imp.startsWith(x))) bad.push(`${relative(TOP, f)} -> src/${imp}`);
  }
  assert.deepEqual(bad, []);
});

/** Modules a file loads when it runs: its imports but `import type` / `export type` ones, which
 * are erased (`import { type A }` is not: verbatimModuleSyntax keeps `import {} from`). */
export function valueImportsOf(text: string): string[] {
  return importsOf(text.replace(/(?:^|\n)\s*(?:import|export)\s+type\s[^;]*?from\s*['"][^'"]+['"]/g, '\n'));
}

/** src-relative paths of every project module loading `file` loads, itself included. */
function loadedFrom(file: string, seen = new Set<string>()): Set<string> {
  const rel = relative(SRC, file);
  if (seen.has(rel)) return seen;
  seen.add(rel);
  for (const s of valueImportsOf(readFileSync(file, 'utf8')).filter((x) => x.startsWith('.'))) loadedFrom(resolve(dirname(file), s), seen);
  return seen;
}

test('the value-import scanner skips erased type imports only', () => {
  const text = "import type { A } from '../a.ts';\nexport type { B } from '../b.ts';\nimport { type C } from '../c.ts';\nimport { d } from '../d.ts';";
  assert.deepEqual(valueImportsOf(text).sort(), ['../c.ts', '../d.ts']);
});

test('the build planner (src/build/plan) loads no engine, runtime, image or network module', () => {
  const low = ['engine/', 'runtime/', 'image/', 'network/'];
  const bad: string[] = [];
  for (const f of tsFiles(join(SRC, 'build/plan'))) {
    for (const m of loadedFrom(f)) if (low.some((x) => m.startsWith(x))) bad.push(`${relative(TOP, f)} loads src/${m}`);
  }
  assert.deepEqual(bad, []);
});

test('the query face and the CLI\'s query bundle load no runtime, network, build, CRI, Docker API or daemon module, nor the full engine', () => {
  // The default network's name (a constant, importing nothing) is all of the network layer that
  // `ps --filter network=` needs.
  const allowed = new Set(['network/default-name.ts']);
  const forbidden = ['runtime/', 'network/', 'build/', 'cri/', 'dockerapi/', 'daemon/', 'engine/ociruntime/', 'engine/build/', 'engine/pods/'];
  const full = new Set(['engine/index.ts', 'engine/engine.ts', 'engine/core.ts', 'engine/netglue.ts', 'cli/berth/main.ts', 'cli/berth/table.ts', 'cli/berth/context.ts']);
  const bad: string[] = [];
  for (const entry of ['engine/query.ts', 'cli/berth-query-main.ts']) {
    const loaded = loadedFrom(join(SRC, entry));
    assert.ok(loaded.has('engine/store-core.ts') && loaded.has('engine/containers/list-filters.ts'), `${entry} reads through the engine's store code`);
    for (const m of loaded) if (!allowed.has(m) && (forbidden.some((x) => m.startsWith(x)) || full.has(m))) bad.push(`src/${entry} loads src/${m}`);
  }
  for (const m of allowed) assert.deepEqual(valueImportsOf(readFileSync(join(SRC, m), 'utf8')), [], `src/${m} imports nothing`);
  assert.deepEqual(bad, []);
});
