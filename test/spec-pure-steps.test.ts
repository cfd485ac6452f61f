/**
 * The transitions written without immer (spec/model.ts `pureNext`, a Step's `next`, issue 10d)
 * against their immer forms, the reference: on every transition of the searches below that has
 * a pure form, both forms give worlds with the same canonical JSON, and the pure world is
 * frozen all through (the fingerprint caches frozen members by identity, spec/encode.ts, and
 * the next step shares them). The search goes on from the pure world, so pure steps also run
 * on worlds other pure steps built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, check, type CheckOptions, type Model, type Scenario } from '../checker/index.ts';
import { label, next, pureNext, type Action } from '../spec/model.ts';
import type { Settings, World } from '../spec/types.ts';
import { BS, DEVICES, load as mmapLoad, mmap, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * A direct write whose completion finds the range cached again and mapped (a racing buffered
 * read and a read fault bring it back in), so the pure completion drops folios and PTEs; its
 * RWF_DSYNC return records durability obligations.
 */
const DIO_VS_READERS = scenario({
  name: 'pure-steps-dio-vs-readers',
  description: 'test only',
  fs: 'xfs',
  device: DEVICES.loopSmall,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_DSYNC')], [open(0), mmap(0, 0, 2 * BS), mmapLoad(0, 0), pread(0, 0, 2 * BS)]],
  maxPowerLosses: 0,
  expect: 'holds',
});

/**
 * Sub-block direct writes (512 bytes in a 4 KiB block): the bio's blocks are the old content
 * with the written sectors over it, zeroed around them in a new block or past EOF.
 */
const DIO_SUBBLOCK = scenario({
  name: 'pure-steps-dio-subblock',
  description: 'test only',
  fs: 'xfs',
  device: DEVICES.loopSmall,
  files: [{ blocks: [{ written: 0 }, 'hole'], size: BS + 512 }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 512, 512)], [open(0, 'O_DIRECT'), pwrite('B', 0, BS + 1024, 512)]],
  maxPowerLosses: 0,
  expect: 'holds',
});

async function load(name: string): Promise<Scenario<World, Action> & { model: { settings: Settings } }> {
  if (name === DIO_VS_READERS.name) return DIO_VS_READERS as Scenario<World, Action> & { model: { settings: Settings } };
  if (name === DIO_SUBBLOCK.name) return DIO_SUBBLOCK as Scenario<World, Action> & { model: { settings: Settings } };
  const mod = (await import(`../scenarios/${name}.ts`)) as { default: Scenario | Scenario[] };
  return (Array.isArray(mod.default) ? mod.default[0]! : mod.default) as Scenario<World, Action> & { model: { settings: Settings } };
}

/** The first path in `v` to an object that is not frozen, or null. `seen`: objects already found frozen all through. */
function unfrozenPath(v: unknown, seen: WeakSet<object>, path = 'world'): string | null {
  if (typeof v !== 'object' || v === null || seen.has(v)) return null;
  if (!Object.isFrozen(v)) return path;
  for (const [k, x] of Object.entries(v)) {
    const r = unfrozenPath(x, seen, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`);
    if (r !== null) return r;
  }
  seen.add(v);
  return null;
}

const kindOf = (a: Action) => (a.kind === 'task' ? `task ${a.fn}` : a.kind);

/**
 * Runs the search with both forms on every transition; returns how many transitions of each
 * kind took the pure form, and how many pure transitions gave each member of World a new value
 * ("member NAME").
 */
function differential(s: Scenario<World, Action> & { model: { settings: Settings } }, options: CheckOptions): Map<string, number> {
  const settings = s.model.settings;
  const frozenSeen = new WeakSet<object>();
  const pure = new Map<string, number>();
  const model: Model<World, Action> = {
    ...s.model,
    next: (w, a) => {
      const p = pureNext(w, settings, a);
      const d = next(w, settings, a, 'draft');
      if (p === null) return d;
      assert.equal(canonicalJson(p), canonicalJson(d), `pure and immer forms differ on "${label(a)}"`);
      const bad = unfrozenPath(p, frozenSeen);
      assert.equal(bad, null, `the pure form of "${label(a)}" left ${bad} unfrozen`);
      pure.set(kindOf(a), (pure.get(kindOf(a)) ?? 0) + 1);
      const count = (k: string) => pure.set(k, (pure.get(k) ?? 0) + 1);
      for (const k of Object.keys(p) as Array<keyof World>) if (p[k] !== w[k]) count(`member ${k}`);
      for (const k of Object.keys(p.ghost) as Array<keyof World['ghost']>) if (p.ghost[k] !== w.ghost[k]) count(`member ghost.${k}`);
      return p;
    },
  };
  const r = check(model, { ...s.options, ...options, sanity: 'off' });
  assert.equal(r.status === 'error', false, `model error: ${JSON.stringify(r.violations.map((v) => v.message))}`);
  return pure;
}

const CASES: Array<{ name: string; options?: CheckOptions; kinds: string[] }> = [
  // The benchmark's scenario: software atomic writes, CoW remap at completion, background commits.
  { name: 'xfs-sw-atomic-vs-atomic-merged', options: { maxStates: 6000 }, kinds: ['commit', 'dev-complete', 'task iomap_dio_complete', 'task xfs_file_dio_write_atomic', 'task xfs_file_write_checks', 'task kiocb_invalidate_pages', 'task iomap_dio_bio_iter', 'task xfs_atomic_write_cow_iomap_begin', 'member ghost.writes', 'member free', 'task ksys_pwritev2 → xfs_file_write_iter'] },
  // Power losses between the pure steps (the crash itself is built without immer already).
  { name: 'xfs-sw-atomic-vs-atomic-merged-power-loss', kinds: ['commit', 'dev-complete', 'task iomap_dio_complete', 'task xfs_file_dio_write_atomic'] },
  // O_DSYNC: obligations at the return; a failed request (dev-fail) wakes its task with an error.
  { name: 'xfs-dsync-write-eio', kinds: ['dev-complete', 'dev-fail', 'task iomap_dio_complete', 'task iomap_dio_bio_iter', 'task xfs_direct_write_iomap_begin'] },
  // ext4: commits and device completions take the pure forms; its completion step has none.
  { name: 'ext4-atomic-mixed-mapping-convert-at-completion', options: { stopAtFirst: false }, kinds: ['commit', 'dev-complete', 'task ext4_dio_write_iter', 'task ext4_dio_write_checks', 'task iomap_dio_bio_iter', 'task ext4_iomap_begin', 'task ksys_pwritev2 → ext4_file_write_iter'] },
  // ext4: an atomic direct write over a fragmented mapping falls back; commits between.
  { name: 'ext4-atomic-fragmented-fall-back-to-unaligned', options: { stopAtFirst: false }, kinds: ['task ext4_dio_write_checks', 'task kiocb_invalidate_pages', 'commit'] },
  // ext4 buffered writes: their return, and commits between writeback's draft steps.
  { name: 'ext4-buffered-fsync-power-loss', kinds: ['task ext4_buffered_write_iter', 'commit', 'member ghost.writes'] },
  // XFS's exclusive-retry variant under NOWAIT, with page cache to invalidate at completion.
  { name: 'xfs-atomic-eagain-ambiguity-merged', options: { stopAtFirst: false }, kinds: ['dev-complete', 'task iomap_dio_complete'] },
  { name: DIO_SUBBLOCK.name, kinds: ['task iomap_dio_bio_iter', 'task xfs_direct_write_iomap_begin', 'member device', 'member free', 'task ksys_pwritev2 → xfs_file_write_iter'] },
  { name: DIO_VS_READERS.name, kinds: ['task iomap_dio_complete', 'member pageCache', 'member vmas', 'member ghost.obligations', 'task filemap_read → copy_folio_to_iter'] },
  // Buffered reads' copy to the user buffer: XFS's under the IOLOCK, ext4's racing a punch and the flusher.
  { name: 'xfs-buffered-read-vs-reclaim', kinds: ['task filemap_read → copy_folio_to_iter', 'member inodes', 'member tasks'] },
  { name: 'ext4-punch-hole-vs-buffered-write-flusher', options: { maxStates: 3000 }, kinds: ['task filemap_read → copy_folio_to_iter'] },
];

for (const { name, options, kinds } of CASES) {
  test(`pure steps: ${name}: every pure transition equals its immer form and is frozen`, async () => {
    const pure = differential(await load(name), options ?? {});
    for (const k of kinds) assert.ok((pure.get(k) ?? 0) > 0, `no "${k}" transition took the pure form (took: ${[...pure.keys()].join(', ')})`);
  });
}
