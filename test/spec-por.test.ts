/**
 * The spec's footprints (spec/footprints.ts) audited, and partial-order reduction of the spec
 * checked against the full search (issue 10t).
 *
 * The audit, along seeded random walks of several scenarios, records what each step really
 * reads and writes (a proxy over the world, as bench/spec-independence-examine.ts does for
 * the properties; the written paths by comparing the worlds) and checks that:
 *  - each task step's accesses lie in its declared next footprint;
 *  - each step's accesses lie in its actor's future declared in every earlier state of the
 *    walk, and in `futureWhile(·, actor, p)` for each task p that took no step since;
 *  - the properties read nothing declared invisible (nor in the power-loss successors);
 *  - a covered world's successors are covered or crashed (the futures rest on it);
 *  - a task step the footprints let be deferred commutes with each enabled step of another
 *    actor the footprints call independent: both orders enabled, the same world (encode).
 * i_rwsem's holders and i_dio_count are cut into per-task cells (see footprints.ts): a step's
 * changes to them are mapped to the tasks whose holding or count changed, and its reads of the
 * holder list or the count to its own cell when its only change there is its own (a sorted
 * insert, a count of one more or less); the commutation check is what makes that honest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setAutoFreeze } from 'immer';
import { check, validateTrace, type CheckResult } from '../checker/index.ts';
import type { Footprint, Footprints } from '../checker/types.ts';
import { independent } from '../checker/reduce.ts';
import { encoderFingerprinter } from '../checker/fingerprint.ts';
import { actions, next, type Action } from '../spec/model.ts';
import { cellOf, coveredWorld, invisible, type Path } from '../spec/footprints.ts';
import { worldEncoder } from '../spec/encode.ts';
import type { Settings, World } from '../spec/types.ts';
import { changed, propertyReads, tracked } from '../bench/spec-independence-examine.ts';
import { load } from '../bench/spec-independence.ts';
import type { SpecModel } from '../bench/spec-independence-examine.ts';

// ---- recording what a step touches ----------------------------------------------------------

function at(v: unknown, p: Path): unknown {
  let x = v;
  for (const k of p) x = x === null || typeof x !== 'object' ? undefined : (x as Record<string | number, unknown>)[k];
  return x;
}

/** The cells of `p` and of every path below it in either value (a member replaced whole). */
function cellsUnder(p: Path, a: unknown, b: unknown, out: Set<string>): void {
  const c = cellOf(p);
  if (c !== null) out.add(c);
  for (const v of [a, b]) {
    if (v === null || typeof v !== 'object') continue;
    for (const k of Object.keys(v)) {
      const seg = Array.isArray(v) ? Number(k) : k;
      cellsUnder([...p, seg], at(a, [seg]), at(b, [seg]), out);
    }
  }
  if (c === null && (a === null || typeof a !== 'object') && (b === null || typeof b !== 'object')) out.add(`?${p.join('.')}`);
}

const dioOf = (w: World, ti: number): boolean => {
  const c = w.tasks[ti]?.cur;
  return c !== null && c !== undefined && 'dioStarted' in c && c.dioStarted === true;
};

interface Access {
  reads: Set<string>;
  writes: Set<string>;
}

/** What action `a` in `w` reads and writes, as cells. */
function accessOf(w: World, s: Settings, a: Action): { acc: Access; after: World } {
  const reads: Path[] = [];
  const after = next(w, s, a);
  // A power loss is an observer, outside every footprint (and it freezes what it builds, which a proxy cannot stand).
  if (a.kind === 'power-loss') return { acc: { reads: new Set(), writes: new Set() }, after };
  setAutoFreeze(false);
  try {
    next(tracked(structuredClone(w), [], reads) as World, s, a, 'draft');
  } finally {
    setAutoFreeze(true);
  }
  const diff: Path[] = [];
  changed(w, after, [], diff);
  const me = a.kind === 'task' ? a.task : -1;
  const tasks = w.tasks.length;
  const acc: Access = { reads: new Set(), writes: new Set() };
  const lockNs = new Set<number>();
  const dioNs = new Set<number>();
  for (const c of diff) {
    if (c[0] === 'inodes' && typeof c[1] === 'number' && c[2] === 'iolock') lockNs.add(c[1]);
    else if (c[0] === 'inodes' && typeof c[1] === 'number' && c[2] === 'dioCount') dioNs.add(c[1]);
    else cellsUnder(c, at(w, c), at(after, c), acc.writes);
  }
  const onlyOwnShared = new Set<number>();
  for (const n of lockNs) {
    const x = w.inodes[n]!.iolock;
    const y = after.inodes[n]!.iolock;
    if (x.excl !== y.excl) for (const t of [x.excl, y.excl]) if (t !== null) acc.writes.add(`inodes.${n}.iolock.ex.T${t}`);
    const moved = Array.from({ length: tasks }, (_, t) => t).filter((t) => x.shared.includes(t) !== y.shared.includes(t));
    for (const t of moved) acc.writes.add(`inodes.${n}.iolock.sh.T${t}`);
    if (moved.length === 1 && moved[0] === me) onlyOwnShared.add(n);
  }
  const ownCount = new Set<number>();
  for (const n of dioNs) {
    const d = after.inodes[n]!.dioCount - w.inodes[n]!.dioCount;
    const flipped = me >= 0 && dioOf(w, me) !== dioOf(after, me) && d === (dioOf(after, me) ? 1 : -1);
    if (flipped) {
      acc.writes.add(`inodes.${n}.dio.T${me}`);
      ownCount.add(n);
    } else for (let t = 0; t < tasks; t++) acc.writes.add(`inodes.${n}.dio.T${t}`);
  }
  for (const r of reads) {
    if (r[0] === 'inodes' && typeof r[1] === 'number' && r[2] === 'iolock') {
      const n = r[1];
      if (r[3] === 'excl') for (let t = 0; t < tasks; t++) acc.reads.add(`inodes.${n}.iolock.ex.T${t}`);
      else if (r[3] === 'shared' && !onlyOwnShared.has(n)) for (let t = 0; t < tasks; t++) acc.reads.add(`inodes.${n}.iolock.sh.T${t}`);
      continue;
    }
    if (r[0] === 'inodes' && typeof r[1] === 'number' && r[2] === 'dioCount') {
      const n = r[1];
      if (ownCount.has(n)) acc.reads.add(`inodes.${n}.dio.T${me}`);
      else for (let t = 0; t < tasks; t++) acc.reads.add(`inodes.${n}.dio.T${t}`);
      continue;
    }
    const c = cellOf(r);
    if (c !== null) acc.reads.add(c);
  }
  return { acc, after };
}

function outside(acc: Access, f: Footprint): string[] {
  if (f.all === true) return [];
  const r = new Set<string>([...f.reads, ...f.writes].map(String));
  const wr = new Set<string>(f.writes.map(String));
  return [...[...acc.reads].filter((c) => !r.has(c)).map((c) => `reads ${c}`), ...[...acc.writes].filter((c) => !wr.has(c)).map((c) => `writes ${c}`)];
}

// ---- the audit ------------------------------------------------------------------------------

const keyOf = (a: Action): string => JSON.stringify({ ...a, what: undefined, choice: undefined });

interface AuditStats {
  states: number;
  covered: number;
  deferrable: number;
  commuted: number;
  problems: string[];
}

/**
 * Seeded random walks of `m` (power losses taken too, more rarely), auditing `fps` as the
 * module comment says. Returns the problems found (each once) and counts.
 */
export function audit(m: SpecModel, fps: Footprints<World, Action>, walks: number, depth: number, seed: number): AuditStats {
  const s = m.settings;
  const st: AuditStats = { states: 0, covered: 0, deferrable: 0, commuted: 0, problems: [] };
  const seen = new Set<string>();
  const problem = (p: string): void => {
    if (!seen.has(p)) st.problems.push(p);
    seen.add(p);
  };
  const fpr = encoderFingerprinter(worldEncoder());
  const fpOf = (w: World): string => {
    const out = { hi: 0, lo: 0 };
    fpr(w, out);
    return `${out.hi}:${out.lo}`;
  };
  const observers = fps.observers ?? [];
  const visible = new Set(fps.propertyReads.map(String));
  const checkProperties = (w: World, where: string): void => {
    for (const r of propertyReads(w, s)) {
      const c = r[0] === 'inodes' && (r[2] === 'iolock' || r[2] === 'dioCount') ? `inodes.${String(r[1])}.${String(r[2])}` : cellOf(r);
      if (c !== null && !visible.has(c) && (invisible(c) || c.endsWith('.iolock') || c.endsWith('.dioCount'))) problem(`a property reads ${c} (${where})`);
    }
  };
  let rng = seed >>> 0 || 1;
  const rand = (n: number): number => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) % n;
  };
  for (let walk = 0; walk < walks; walk++) {
    const path: Array<{ w: World; actor: number }> = [];
    let w = m.init()[0]!;
    for (let d = 0; d < depth; d++) {
      st.states++;
      const acts = actions(w, s);
      const covered = coveredWorld(w, s);
      if (covered) st.covered++;
      checkProperties(w, 'a state');
      if (acts.length === 0) break;
      // Each enabled step: in its next footprint; successors of a covered world are covered or crashed.
      const succ = acts.map((a) => accessOf(w, s, a));
      acts.forEach((a, k) => {
        const p = fps.actorOf(a);
        const out = outside(succ[k]!.acc, fps.next(w, p));
        for (const o of out) problem(`next of ${a.kind === 'task' ? `T${a.task + 1} ${a.fn}` : a.kind} ${o}`);
        const after = succ[k]!.after;
        if (covered && !after.crashed && !coveredWorld(after, s)) problem(`a covered world's successor by ${a.kind === 'task' ? a.fn : a.kind} is not covered`);
        if (a.kind === 'power-loss' && k % 3 === 0) checkProperties(after, 'after a power loss');
      });
      // Deferrable task steps commute with the other actors' independent enabled steps.
      for (let p = 0; p < s.programs.length; p++) {
        const mine = fps.next(w, p);
        if (mine.all === true) continue;
        const ours = acts.map((a, k) => [a, k] as const).filter(([a]) => fps.actorOf(a) === p);
        if (ours.length === 0) continue;
        st.deferrable++;
        for (const [b, kb] of acts.map((a, k) => [a, k] as const)) {
          const q = fps.actorOf(b);
          if (q === p || observers.includes(q) || !independent(mine, fps.futureWhile!(w, q, p))) continue;
          for (const [a, ka] of ours) {
            const wa = succ[ka]!.after;
            const wb = succ[kb]!.after;
            const b2 = actions(wa, s).find((x) => keyOf(x) === keyOf(b));
            const a2 = actions(wb, s).find((x) => keyOf(x) === keyOf(a));
            if (b2 === undefined || a2 === undefined) {
              problem(`${keyOf(a)} and ${keyOf(b)} declared independent but one disables the other`);
              continue;
            }
            if (fpOf(next(wa, s, b2)) !== fpOf(next(wb, s, a2))) problem(`${keyOf(a)} and ${keyOf(b)} declared independent but do not commute`);
            else st.commuted++;
          }
        }
      }
      // The step taken: inside every earlier future of its actor, and every futureWhile of a task still since.
      const nonLoss = acts.map((a, k) => [a, k] as const).filter(([a]) => a.kind !== 'power-loss');
      const pick = nonLoss.length > 0 && rand(12) !== 0 ? nonLoss[rand(nonLoss.length)]! : ([acts[rand(acts.length)]!, -1] as const);
      const k = pick[1] >= 0 ? pick[1] : acts.indexOf(pick[0]);
      const a = acts[k]!;
      const q = fps.actorOf(a);
      const acc = succ[k]!.acc;
      if (!observers.includes(q)) {
        const still = new Set<number>(Array.from({ length: s.programs.length }, (_, t) => t));
        for (let j = path.length; j >= 0; j--) {
          const x = j === path.length ? w : path[j]!.w;
          if (j < path.length) still.delete(path[j]!.actor);
          for (const o of outside(acc, fps.future(x, q))) problem(`future of actor ${q} ${path.length - j} steps before ${a.kind === 'task' ? a.fn : a.kind} ${o}`);
          for (const p of still) if (p !== q) for (const o of outside(acc, fps.futureWhile!(x, q, p))) problem(`futureWhile(actor ${q}, T${p + 1}) ${path.length - j} steps before ${a.kind === 'task' ? a.fn : a.kind} ${o}`);
        }
      }
      path.push({ w, actor: q });
      w = succ[k]!.after;
    }
  }
  return st;
}

const AUDITED = [
  'two-writers-one-reader',
  'bench/scale/three-writers-one-reader.ts',
  'xfs-sw-atomic-vs-plain-merged',
  'xfs-sw-atomic-vs-atomic-merged-power-loss',
  'xfs-sw-atomic-vs-atomic-posted',
  'torn-2-readers',
  'xfs-dsync-write-eio',
  'xfs-buffered-read-vs-direct-write',
  'xfs-atomic-over-uncommitted-conversion',
  'ext4-atomic-over-uncommitted-conversion',
  'ext4-atomic-invalidate-failure-fall-back',
];

test('the spec footprints: every step inside its footprint and its actor\'s futures, invisible cells unread, independent steps commute', async () => {
  let covered = 0;
  let commuted = 0;
  for (const name of AUDITED) {
    const m = await load(name);
    const st = audit(m, m.footprints!, 12, 40, 20261201);
    assert.deepEqual(st.problems.slice(0, 30), [], name);
    covered += st.covered;
    commuted += st.commuted;
  }
  // The audit must have looked at covered worlds and at pairs it let commute.
  assert.ok(covered > 500, `covered states ${covered}`);
  assert.ok(commuted > 200, `commuting pairs ${commuted}`);
});

test('a footprint narrowed on purpose is caught by the audit', async () => {
  const m = await load('two-writers-one-reader');
  const fps = m.footprints!;
  // kiocb_invalidate_pages said not to touch the direct-I/O count.
  const narrowed: Footprints<World, Action> = {
    ...fps,
    next: (w, p) => {
      const f = fps.next(w, p);
      return f.all === true ? f : { reads: f.reads.filter((c) => !String(c).includes('.dio.')), writes: f.writes.filter((c) => !String(c).includes('.dio.')) };
    },
  };
  const st = audit(m, narrowed, 6, 40, 20261201);
  assert.ok(st.problems.some((p) => p.includes('.dio.')), st.problems.join('\n'));
  // A task's future said never to take the lock.
  const noLock: Footprints<World, Action> = {
    ...fps,
    futureWhile: (w, q, p) => {
      const f = fps.futureWhile!(w, q, p);
      return f.all === true ? f : { reads: f.reads.filter((c) => !String(c).includes('.iolock.')), writes: f.writes.filter((c) => !String(c).includes('.iolock.')) };
    },
  };
  assert.ok(audit(m, noLock, 6, 40, 20261201).problems.some((p) => p.startsWith('futureWhile') && p.includes('.iolock.')));
});

// ---- verdicts with and without the reduction ------------------------------------------------

const verdicts = (r: CheckResult<unknown, unknown>): string => `${r.status} ${r.violations.map((v) => `${v.kind}:${v.property}`).sort().join(',')}`;

const COMPARED = ['two-writers-one-reader', 'xfs-sw-atomic-vs-plain-merged', 'xfs-sw-atomic-vs-atomic-merged-power-loss', 'torn-2-readers', 'xfs-dsync-write-eio', 'plain-dio-torn-by-power-loss', 'xfs-atomic-eagain-ambiguity-merged'];

test('partial-order reduction of the spec: the full search\'s verdicts, traces that replay, no more states', async () => {
  let cut = 0;
  for (const name of COMPARED) {
    const m = await load(name);
    const full = check(m, { view: true, stopAtFirst: false });
    const por = check(m, { view: true, stopAtFirst: false, partialOrder: true });
    assert.equal(verdicts(por as CheckResult<unknown, unknown>), verdicts(full as CheckResult<unknown, unknown>), name);
    assert.ok(por.distinctStates <= full.distinctStates, name);
    for (const v of por.violations) if (v.kind !== 'sometimes') assert.equal(validateTrace(m, v.trace), undefined, name);
    if (por.distinctStates < full.distinctStates) cut++;
  }
  assert.ok(cut >= 2, `the reduction must cut states somewhere (${cut})`);
});

