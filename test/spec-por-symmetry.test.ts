/**
 * The spec's footprints commute with its symmetry (issue 10v): partial-order reduction with
 * symmetry reduction computes ample sets in whichever member of an orbit the frontier holds,
 * so a permuted world's footprints must be the permuted footprints (proofs-notes/checker.md,
 * "Partial-order reduction with symmetry (issue 10v)"). Along seeded random walks of scenarios
 * with interchangeable tasks, for every permutation π of the symmetry group (spec/symmetry.ts):
 *   next(π w, π p) = π next(w, p),  futureWhile(π w, π q, π p) = π futureWhile(w, q, p),
 *   future(π w, π q) = π future(w, q),  and what the properties read is π-invariant,
 * where π renames a task's cells (`tasks.i.*`, the per-task lock and count cells `*.Ti`) and
 * the task actors, and fixes the background actors. Then the spec's verdicts with symmetry and
 * partial-order reduction together are the full search's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, validateTrace, type CheckResult } from '../checker/index.ts';
import type { Footprint, Footprints } from '../checker/types.ts';
import { actions, next, type Action } from '../spec/model.ts';
import { renamerFor, symmetryClasses, symmetryGroup } from '../spec/symmetry.ts';
import type { World } from '../spec/types.ts';
import { load } from '../bench/spec-independence.ts';
import type { SpecModel } from '../bench/spec-independence-examine.ts';

type Perm = readonly number[];

const renameCell = (c: string, perm: Perm): string =>
  c.replace(/^tasks\.(\d+)\./, (_m, d: string) => `tasks.${perm[Number(d)]!}.`).replace(/\.T(\d+)$/, (_m, d: string) => `.T${perm[Number(d)]!}`);

const norm = (f: Footprint, perm?: Perm): string => {
  if (f.all === true) return 'TOP';
  const r = (xs: readonly (string | number)[]): string => [...new Set(xs.map((x) => (perm === undefined ? String(x) : renameCell(String(x), perm))))].sort().join(' ');
  return `R[${r(f.reads)}] W[${r(f.writes)}]`;
};

interface Stats {
  worlds: number;
  covered: number;
  problems: string[];
}

/**
 * Seeded random walks of `m`; in each world, every footprint compared with its permuted
 * image under every non-trivial permutation of the group.
 */
function auditSymmetry(m: SpecModel, fps: Footprints<World, Action>, walks: number, depth: number, seed: number): Stats {
  const s = m.settings;
  const n = s.programs.length;
  const group = symmetryGroup(symmetryClasses(s).classes, n).filter((p) => p.some((x, i) => x !== i));
  const rename = renamerFor(s);
  const st: Stats = { worlds: 0, covered: 0, problems: [] };
  const seen = new Set<string>();
  const problem = (p: string): void => {
    if (!seen.has(p)) st.problems.push(p);
    seen.add(p);
  };
  const actorPerm = (perm: Perm, a: number): number => (a >= 0 && a < n ? perm[a]! : a);
  const visible = new Set(fps.propertyReads.map(String));
  for (const perm of group) {
    const image = new Set([...visible].map((c) => renameCell(c, perm)));
    if (image.size !== visible.size || [...image].some((c) => !visible.has(c))) problem(`what the properties read is not invariant under ${perm.join(',')}`);
  }
  let rng = seed >>> 0 || 1;
  const rand = (k: number): number => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) % k;
  };
  for (let walk = 0; walk < walks; walk++) {
    let w = m.init()[0]!;
    for (let d = 0; d < depth; d++) {
      st.worlds++;
      if (fps.next(w, 0).all !== true) st.covered++;
      for (const perm of group) {
        const pw = rename(w, perm);
        const where = `under ${perm.join(',')} at depth ${d}`;
        for (let p = 0; p < fps.actorCount; p++) {
          const pp = actorPerm(perm, p);
          if (norm(fps.next(pw, pp)) !== norm(fps.next(w, p), perm)) problem(`next of actor ${p} ${where}`);
          if (norm(fps.future(pw, pp)) !== norm(fps.future(w, p), perm)) problem(`future of actor ${p} ${where}`);
          for (let q = -1; q < n; q++) {
            if (q === p || fps.futureWhile === undefined) continue;
            if (norm(fps.futureWhile(pw, pp, actorPerm(perm, q))) !== norm(fps.futureWhile(w, p, q), perm)) problem(`futureWhile(actor ${p}, T${q + 1}) ${where}`);
          }
        }
      }
      const acts = actions(w, s);
      if (acts.length === 0) break;
      // Power losses now and then: they end the walk.
      const nonLoss = acts.filter((a) => a.kind !== 'power-loss');
      const a = nonLoss.length > 0 && rand(12) !== 0 ? nonLoss[rand(nonLoss.length)]! : acts[rand(acts.length)]!;
      w = next(w, s, a);
    }
  }
  return st;
}

// Scenarios with interchangeable tasks (identical programs, or programs that differ only in their data's names).
const SYMMETRIC = ['two-writers-one-reader', 'bench/scale/three-writers-one-reader.ts', 'torn-2-readers', 'xfs-sw-atomic-vs-atomic-merged', 'xfs-sw-atomic-vs-atomic-posted', 'xfs-sw-atomic-vs-atomic-merged-power-loss'];

test('the spec footprints commute with the symmetry: a permuted world\'s footprints are the permuted footprints', async () => {
  let covered = 0;
  for (const name of SYMMETRIC) {
    const m = await load(name);
    assert.ok(m.representative !== undefined, `${name} has no symmetry`);
    const st = auditSymmetry(m, m.footprints!, 10, 40, 20261201);
    assert.deepEqual(st.problems.slice(0, 20), [], name);
    covered += st.covered;
  }
  // The audit must have compared footprints of covered worlds, not only the top one.
  assert.ok(covered > 300, `covered worlds ${covered}`);
});

test('a footprint that does not commute with the symmetry is caught by the audit', async () => {
  const m = await load('two-writers-one-reader');
  const fps = m.footprints!;
  // Task 0's future said never to touch the direct-I/O count: true of no renamed task 0.
  const lopsided: Footprints<World, Action> = {
    ...fps,
    futureWhile: (w, q, p) => {
      const f = fps.futureWhile!(w, q, p);
      return f.all === true || q !== 0 ? f : { reads: f.reads.filter((c) => !String(c).includes('.dio.')), writes: f.writes.filter((c) => !String(c).includes('.dio.')) };
    },
  };
  assert.ok(auditSymmetry(m, lopsided, 6, 40, 20261201).problems.some((p) => p.startsWith('futureWhile(actor 0')));
  // The next step of the highest-numbered task said to read its own lock cell only under task 0's name.
  const misnamed: Footprints<World, Action> = {
    ...fps,
    next: (w, p) => {
      const f = fps.next(w, p);
      return f.all === true || p === 0 ? f : { reads: f.reads.map((c) => String(c).replace(/\.T\d+$/, '.T0')), writes: f.writes };
    },
  };
  assert.ok(auditSymmetry(m, misnamed, 6, 40, 20261201).problems.some((p) => p.startsWith('next of actor')));
});

// ---- verdicts with both reductions ---------------------------------------------------------

const verdicts = (r: CheckResult<unknown, unknown>): string => `${r.status} ${r.violations.map((v) => `${v.kind}:${v.property}`).sort().join(',')}`;

const COMPARED = ['two-writers-one-reader', 'torn-2-readers', 'xfs-sw-atomic-vs-atomic-merged', 'xfs-sw-atomic-vs-atomic-merged-power-loss', 'xfs-sw-atomic-vs-atomic-posted'];

test('symmetry and partial-order reduction of the spec: the full search\'s verdicts, traces that replay, no more states than symmetry alone', async () => {
  let cut = 0;
  for (const name of COMPARED) {
    const m = await load(name);
    const full = check(m, { view: true, stopAtFirst: false });
    const sym = check(m, { view: true, symmetry: true, stopAtFirst: false });
    const both = check(m, { view: true, symmetry: true, partialOrder: true, stopAtFirst: false });
    assert.equal(verdicts(both as CheckResult<unknown, unknown>), verdicts(full as CheckResult<unknown, unknown>), name);
    assert.ok(both.distinctStates <= sym.distinctStates, name);
    for (const v of both.violations) if (v.kind !== 'sometimes') assert.equal(validateTrace(m, v.trace), undefined, name);
    if (both.distinctStates < sym.distinctStates) cut++;
  }
  assert.ok(cut >= 2, `the reduction must cut states somewhere (${cut})`);
});
