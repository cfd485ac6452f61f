/**
 * The world's `encode` hook (spec/encode.ts) is a speed-up only: on a sample of scenarios of
 * every family (direct and buffered I/O, XFS and ext4, FUSE, mmap, renames, orphans, post-crash
 * programs, I/O errors, reclaim), the search finds the same states, transitions, depth and
 * violations with it as with the structural fingerprint, and on every state reached two worlds
 * encode equally exactly when their structural fingerprints are equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, type CheckOptions, type CheckResult, type Model, type Scenario } from '../checker/index.ts';
import { encoderFingerprinter, structuralFingerprinter, type Fingerprint } from '../checker/fingerprint.ts';
import { worldEncoder } from '../spec/encode.ts';
import type { World } from '../spec/types.ts';

type Bound = { name: string; options?: CheckOptions };

/** Each well under a second; together they give every member of World more than one value. */
const SAMPLE: Bound[] = [
  { name: 'plain-dio-torn-by-power-loss' },
  { name: 'fuse-wt-short-write-clear-uptodate' },
  { name: 'xfs-unlink-open-orphan-power-loss' },
  { name: 'ext4-rename-over-auto-da-alloc', options: { stopAtFirst: false } },
  { name: 'xfs-mmap-store-vs-writeback' },
  { name: 'ext4-atomic-mixed-mapping-convert-at-completion', options: { stopAtFirst: false } },
  { name: 'xfs-buffered-atomic-short-copy', options: { stopAtFirst: false } },
  { name: 'xfs-dsync-write-eio' },
  { name: 'xfs-buffered-read-vs-reclaim' },
  { name: 'ext4-write-power-loss-post-crash-read' },
  { name: 'ext4-buffered-fsync-power-loss' },
  // The writepage context (World.wpc) between the folios of a pass.
  { name: 'xfs-writeback-map-vs-truncate-eof-trim', options: { stopAtFirst: false } },
  // The bench's scenario, bounded: a BFS is deterministic, so a bounded search must agree too.
  { name: 'xfs-sw-atomic-vs-atomic-merged', options: { maxStates: 2500 } },
];

async function load(name: string): Promise<Scenario<World, unknown>> {
  const mod = (await import(`../scenarios/${name}.ts`)) as { default: Scenario | Scenario[] };
  return (Array.isArray(mod.default) ? mod.default[0]! : mod.default) as Scenario<World, unknown>;
}

function summary(r: CheckResult<World, unknown>): unknown {
  return {
    status: r.status,
    distinctStates: r.distinctStates,
    transitions: r.transitions,
    depth: r.depth,
    incompleteReason: r.incompleteReason,
    violations: r.violations.map((v) => ({ property: v.property, kind: v.kind, steps: v.trace.map((s) => s.label) })),
    coverage: r.coverage,
  };
}

for (const { name, options } of SAMPLE) {
  test(`encode: ${name} has the same states, transitions and verdict with and without the hook`, async () => {
    const s = await load(name);
    assert.ok(s.model.encode !== undefined, 'the spec model gives encode');
    const opts = { ...s.options, ...options };
    const withHook = check(s.model, opts);
    const { encode: _encode, ...plain } = s.model;
    const without = check(plain as Model<World, unknown>, opts);
    assert.ok(without.distinctStates > 1);
    assert.deepEqual(summary(withHook), summary(without));
  });
}

test('encode: on every state reached, equal encodings exactly when equal structural fingerprints', async () => {
  let states = 0;
  for (const { name, options } of SAMPLE) {
    const s = await load(name);
    const reached: World[] = [];
    const { encode: _encode, ...plain } = s.model;
    const recording: Model<World, unknown> = { ...plain, next: (w, a) => {
      const t = plain.next(w, a);
      reached.push(t);
      return t;
    } };
    check(recording, { ...s.options, ...options, sanity: 'off' });
    const structural = structuralFingerprinter();
    // strict: a member of an object that its typed encoder does not list is an error.
    const encoded = encoderFingerprinter(worldEncoder({ strict: true }));
    const byStructure = new Map<string, string>();
    const byEncoding = new Map<string, string>();
    const a: Fingerprint = { hi: 0, lo: 0 };
    const b: Fingerprint = { hi: 0, lo: 0 };
    for (const w of reached) {
      structural(w, a);
      encoded(w, b);
      const ka = `${a.hi}:${a.lo}`;
      const kb = `${b.hi}:${b.lo}`;
      assert.equal(byStructure.get(ka) ?? kb, kb, `${name}: one world, two encodings`);
      assert.equal(byEncoding.get(kb) ?? ka, ka, `${name}: two different worlds, one encoding (a member left out of ENCODERS?)`);
      byStructure.set(ka, kb);
      byEncoding.set(kb, ka);
    }
    states += byStructure.size;
  }
  assert.ok(states > 5000, `only ${states} distinct worlds compared`);
});

/** `v` changed so that its canonical JSON differs, whatever its type. */
function changed(v: unknown): unknown {
  if (typeof v === 'number') return v + 1;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'string') return `${v}!`;
  if (v === null) return {};
  // An array changes in its first element, so that the value keeps its type where it has one.
  if (Array.isArray(v)) return v.length === 0 ? [7] : [changed(v[0]), ...v.slice(1)];
  // An object changes in its first member, or gains one (a typed encoder sees only its fields).
  const [first] = Object.keys(v as object);
  return first === undefined ? { probe: 1 } : { ...(v as object), [first]: changed((v as Record<string, unknown>)[first]) };
}

/**
 * Every path to a primitive under `v`. Not null (what else would keep the type?) nor empty arrays:
 * a world where the same place holds a value is where its encoder is tested.
 */
function leaves(v: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (v === null || (Array.isArray(v) && v.length === 0)) return [];
  if (typeof v !== 'object') return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  return Object.entries(v).flatMap(([k, x]) => (x === undefined ? [] : leaves(x, [...path, k])));
}

/** `v` with the value at `path` changed, copying only the objects on the path (the rest stays shared and frozen). */
function changedAt(v: unknown, path: ReadonlyArray<string | number>): unknown {
  if (path.length === 0) return changed(v);
  const [k, ...rest] = path;
  if (Array.isArray(v)) return v.map((x, i) => (i === k ? changedAt(x, rest) : x));
  return { ...(v as object), [k!]: changedAt((v as Record<string | number, unknown>)[k!], rest) };
}

test('encode: the members encoded by type, field by field: changing any value anywhere in them changes the encoding', async () => {
  // Worlds along the searches, so that the syscall states, bios, ghost writes and optional
  // fields the initial worlds lack are there to change.
  const seen = new Set<string>();
  let changes = 0;
  for (const { name, options } of SAMPLE) {
    const s = await load(name);
    const reached: World[] = [];
    const { encode: _encode, ...plain } = s.model;
    check({ ...plain, next: (w, a) => {
      const t = plain.next(w, a);
      reached.push(t);
      return t;
    } } as Model<World, unknown>, { ...s.options, ...options, maxStates: 400, sanity: 'off' });
    const encoded = encoderFingerprinter(worldEncoder());
    const a: Fingerprint = { hi: 0, lo: 0 };
    const b: Fingerprint = { hi: 0, lo: 0 };
    for (let i = 0; i < reached.length; i += 37) {
      const w = reached[i]!;
      encoded(w, a);
      for (const k of ['device', 'inodes', 'journal', 'tasks', 'ghost'] as const) {
        for (const path of leaves(w[k], [k])) {
          const where = path.map((p) => (typeof p === 'number' ? '[]' : `.${p}`)).join('');
          try {
            encoded(changedAt(w, path) as World, b);
          } catch (e) {
            // A union's tag, or a string of a fixed set, changed to a value its type does not have: refused, not merged.
            assert.match(String(e), /encode: no case |encode: "[^"]*" is not one of /);
            seen.add(where);
            continue;
          }
          assert.ok(a.hi !== b.hi || a.lo !== b.lo, `${name}: changing world.${path.join('.')} leaves the encoding as it was`);
          seen.add(where);
          changes++;
        }
      }
    }
  }
  // The fields the hot scenario's worlds have, among them each kind of encoder (nullable, optional, pair, union).
  for (const where of ['.tasks[].cur.req.iov[]', '.tasks[].cur.segs[].type', '.tasks[].cur.iomap.seg.p', '.tasks[].fds[].raPrevPos', '.ghost.writes[].bios[].n', '.ghost.writes[].end', '.inodes[].map[].p', '.inodes[].cow[].real', '.inodes[].iolock.excl', '.journal.committed.inodes[].map[].kind', '.journal.dir[][]', '.device.inflight[].blocks[].t', '.device.cache[].bio', '.device.media[]']) {
    assert.ok(seen.has(where), `no world of the sample had ${where} to change (${changes} changes made)`);
  }
});

test('encode: changing any one member of the world changes its encoding (no member is left out)', async () => {
  const encoded = encoderFingerprinter(worldEncoder());
  const a: Fingerprint = { hi: 0, lo: 0 };
  const b: Fingerprint = { hi: 0, lo: 0 };
  for (const name of ['plain-dio-torn-by-power-loss', 'ext4-write-power-loss-post-crash-read', 'fuse-wt-short-write-clear-uptodate']) {
    const s = await load(name);
    const w = s.model.init()[0]!;
    encoded(w, a);
    const members = Object.keys(w) as Array<keyof World>;
    assert.ok(members.length >= 23);
    for (const k of members) {
      encoded({ ...w, [k]: changed(w[k]) }, b);
      assert.ok(a.hi !== b.hi || a.lo !== b.lo, `${name}: changing world.${k} leaves the encoding as it was`);
    }
  }
});

test('encode: a hand-made (unfrozen) world changed in place is encoded afresh; strict refuses a member the type does not list', async () => {
  const s = await load('plain-dio-torn-by-power-loss');
  const w = structuredClone(s.model.init()[0]!);
  const encoded = encoderFingerprinter(worldEncoder());
  const a: Fingerprint = { hi: 0, lo: 0 };
  const b: Fingerprint = { hi: 0, lo: 0 };
  encoded(w, a);
  w.tasks[0]!.pc++;
  encoded(w, b);
  assert.ok(a.hi !== b.hi || a.lo !== b.lo, 'a task changed in place');
  (w.device.media as string[])[0] = 'changed';
  encoded(w, a);
  assert.ok(a.hi !== b.hi || a.lo !== b.lo, 'the media changed in place');
  const strict = encoderFingerprinter(worldEncoder({ strict: true }));
  assert.throws(() => strict({ ...w, tasks: [{ ...w.tasks[0]!, extra: 1 } as World['tasks'][number]] }, a), /member "extra" is not in the encoder/);
});
