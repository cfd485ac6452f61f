/**
 * conform/ modules import each other without a cycle (oracle.ts and translate.ts once
 * imported each other; the types they share now live in program.ts). Type-only imports
 * count: a cycle of types is still two modules that cannot be read apart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', 'conform');

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.ts'))) {
    const src = readFileSync(join(DIR, f), 'utf8');
    const deps = [...src.matchAll(/^(?:import|export)[^'"]*from '\.\/([\w-]+\.ts)';/gm)].map((m) => m[1] ?? '');
    g.set(f, [...new Set(deps)]);
  }
  return g;
}

/** A cycle as a list of modules, or null. */
function findCycle(g: Map<string, string[]>): string[] | null {
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
  for (const n of g.keys()) {
    const c = visit(n);
    if (c !== null) return c;
  }
  return null;
}

test('conform/ has no import cycle', () => {
  const g = graph();
  assert.ok((g.get('oracle.ts') ?? []).includes('translate.ts'), 'the import scan must see oracle.ts → translate.ts');
  assert.equal(findCycle(g)?.join(' → ') ?? null, null);
});

test('the cycle finder finds a cycle when there is one', () => {
  assert.deepEqual(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']]])), ['a.ts', 'b.ts', 'a.ts']);
});
