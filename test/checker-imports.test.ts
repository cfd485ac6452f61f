/**
 * checker/ never imports spec/ (nor anything else outside checker/ but packages and node:),
 * and the modules split out of fingerprint.ts and sanity.ts (issue 10w) import each other
 * without a cycle. Type-only imports count. (compact.ts and compact-result.ts import each
 * other; that cycle is older than this test and not among the modules it starts from.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', 'checker');

const sources = new Map(
  readdirSync(DIR)
    .filter((x) => x.endsWith('.ts'))
    .map((f) => [f, readFileSync(join(DIR, f), 'utf8')]),
);

/** Every module specifier a source imports or re-exports from, static or dynamic. */
function specifiers(src: string): string[] {
  return [...src.matchAll(/^(?:import|export)[^'"]*?from '([^']+)';|import\('([^']+)'\)/gm)].map((m) => m[1] ?? m[2] ?? '');
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const [f, src] of sources) {
    const deps = specifiers(src)
      .filter((s) => /^\.\/[\w-]+\.ts$/.test(s))
      .map((s) => s.slice(2));
    g.set(f, [...new Set(deps)]);
  }
  return g;
}

/** A cycle reachable from `from`, as a list of modules, or null. */
function findCycle(g: Map<string, string[]>, from: string[]): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      const c = visit(d);
      if (c !== null) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of from) {
    const c = visit(n);
    if (c !== null) return c;
  }
  return null;
}

test('checker/ imports nothing outside checker/ but packages and node: modules', () => {
  const outside: string[] = [];
  for (const [f, src] of sources) {
    for (const s of specifiers(src)) if (s.startsWith('.') && !/^\.\/[\w-]+\.ts$/.test(s)) outside.push(`${f} → ${s}`);
  }
  assert.deepEqual(outside, []);
});

test('the fingerprint and sanity modules are in no import cycle', () => {
  const g = graph();
  const split = [...g.keys()].filter((f) => /^(fingerprint|sanity|hash|printable)/.test(f));
  assert.ok(split.includes('fingerprint-structural.ts') && split.includes('sanity-plain.ts'), 'the split modules must be found');
  assert.ok((g.get('fingerprint.ts') ?? []).includes('hash.ts'), 'the import scan must see fingerprint.ts → hash.ts');
  assert.equal(findCycle(g, split)?.join(' → ') ?? null, null);
});

test('the cycle finder finds a cycle when there is one', () => {
  assert.deepEqual(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']]]), ['a.ts']), ['a.ts', 'b.ts', 'a.ts']);
});
