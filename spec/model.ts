/**
 * The model builder: a scenario's settings become a `Model` for the checker. Actors are the
 * user tasks (one step of their current syscall), the device (complete one request, whole,
 * or fail one with EIO when the scenario allows), the journal
 * (a background commit at any time, when the scenario allows) and the environment (power
 * loss, once per allowed loss, with every persist choice as its own action).
 *
 * Models Linux 6.18.
 */
import { freeze, produce } from 'immer';
import { match } from 'ts-pattern';
import type { Model } from '../checker/types.ts';
import { completeBio, completeBioPure, deviceRead, mediaAfterPowerLoss, persistGroups, powerLossChoices } from './block/device.ts';
import { task, withTask } from './ghost.ts';
import { filtered, frozen, withMembers } from './cow.ts';
import { commitJournal, commitJournalPure, journalDirty, markDirty, orderedDataPending, recoverJournal } from './fs/journal.ts';
import { describeRsvConversion, ext4EndBio, ext4EndIoRsvWork, ext4RsvConversionReady } from './fs/ext4/page-io.ts';
import { iomapFinishIoend } from './fs/iomap/ioend.ts';
import { xfsSetfilesize } from './fs/xfs/xfs_aops.ts';
import { describeFlusherStep, flusherChoices, flusherWriteback } from './mm/page-writeback.ts';
import { reclaimChoices, reclaimFolio } from './mm/vmscan.ts';
import { answerRequest, answers, describeAnswer, type FuseAnswer } from './fs/fuse/dev.ts';
import { describeFuseWritepage, fuseWritepages } from './fs/fuse/file.ts';
import { PROPERTIES } from './properties.ts';
import { setMapping } from './fs/allocator.ts';
import { taskFinished, taskSteps } from './vfs/syscalls.ts';
import type { Bio, Device, FsKind, PropertyName, Settings, Step, Token, World } from './types.ts';
import { initWorld } from './world.ts';
import { describeFolioEndWalk, endWritebackWalkStep } from './mm/filemap.ts';
import { describeReadBio, readBioData, readBioEnd, readBioFail } from './mm/readahead.ts';
import { orphanCleanup, powerOn, recoveryStep } from './fs/recovery.ts';
import { aboutOf, actorOf, cellsOf, viewOf } from './view.ts';
import { representativeFor } from './symmetry.ts';
import { clockViewFor } from './clock-view.ts';
import { worldEncoder } from './encode.ts';
import { specFootprints } from './footprints.ts';

export type Action =
  /** `choice` picks among a task's enabled steps when the kernel's path depends on timing. */
  | { kind: 'task'; task: number; choice: number; fn: string; what: string }
  | { kind: 'dev-complete'; bio: number; what: string }
  | { kind: 'dev-fail'; bio: number }
  | { kind: 'commit'; fs: FsKind }
  /** `pass`: one step of an XFS pass that runs folio by folio (mm/page-writeback.ts FlusherChoice). */
  | { kind: 'flusher'; ino: number; blks: number[]; what: string; pass?: 'start' | 'next' | 'end' }
  | { kind: 'reclaim'; ino: number; blk: number; t: Token }
  | { kind: 'power-loss'; keep: Array<[number, number]>; what: string }
  /** The FUSE server answers request `unique` (dev.ts). */
  | { kind: 'fuse'; unique: number; answer: FuseAnswer; what: string }
  /** ext4's i_rsv_conversion_work runs for the completed unwritten io_end at index `io` of w.ext4IoEnds (fs/ext4/page-io.ts). */
  | { kind: 'ext4-end-io'; io: number; what: string }
  /** A completed writeback bio's folio walk goes on (w.folioEnds[walk], mm/filemap.ts endWritebackWalk). */
  | { kind: 'folio-end'; walk: number; by: 'iomap' | 'ext4'; what: string }
  /** Read bio `bio` of w.readBios completes carrying `data` (mm/readahead.ts readBioEnd): the device's, no task's. */
  | { kind: 'read-end'; bio: number; data: Token[]; what: string }
  /** Read bio `bio` of w.readBios fails with EIO (mm/readahead.ts readBioFail), when the scenario allows one more I/O error. */
  | { kind: 'read-fail'; bio: number; what: string }
  /** Mount-time recovery after a power loss (fs/recovery.ts): journal replay, orphan cleanup. */
  | { kind: 'recovery'; fn: string; what: string };

type ActionOf<K extends Action['kind']> = Extract<Action, { kind: K }>;

/**
 * Each kind's label. A table by kind rather than ts-pattern's `match`: the search labels every
 * transition for coverage, and `match` builds its chain of matchers at every call, which was
 * 6 to 12% of a power-loss-heavy search (issue 10c, bench/README.md). The mapped type keeps it
 * exhaustive as `.exhaustive()` does: a new kind of Action does not compile until it is here.
 */
const LABELS: { [K in Action['kind']]: (x: ActionOf<K>) => string } = {
  task: (x) => `T${x.task + 1} ${x.fn}: ${x.what}`,
  'dev-complete': (x) => `dev complete bio#${x.bio}${x.what}`,
  'dev-fail': (x) => `dev fail bio#${x.bio}: BLK_STS_IOERR`,
  commit: (x) => (x.fs === 'xfs' ? 'xfs_log_worker: xfs_log_force (cache flushed first)' : 'jbd2 kjournald2: commit transaction (cache flushed first)'),
  'power-loss': (x) => `power-loss: ${x.what}; log recovery`,
  flusher: (x) => `flusher wb_workfn → ${x.what}`,
  reclaim: (x) => `reclaim shrink_folio_list: evict clean folio ${x.ino}:${x.blk} (${x.t})`,
  fuse: (x) => `fuse server: ${x.what}`,
  'ext4-end-io': (x) => `kworker ext4-rsv-conversion: ${x.what}`,
  'folio-end': (x) => `kworker ${x.what}`,
  'read-end': (x) => `dev complete read bio: ${x.what}`,
  'read-fail': (x) => `dev fail read bio: ${x.what}: BLK_STS_IOERR`,
  recovery: (x) => `mount ${x.fn}: ${x.what}`,
};

export function label(a: Action): string {
  return (LABELS[a.kind] as (x: Action) => string)(a);
}

function wake(w: World, owner: number, bio: number, failed: boolean): void {
  // Background writeback (the flusher) has no task waiting on its bio.
  if (owner < 0) return;
  const c = task(w, owner).cur;
  if (c === null || !c.wait.includes(bio)) throw new Error(`bio#${bio} completed but T${owner + 1} is not waiting for it`);
  c.wait = c.wait.filter((x) => x !== bio);
  if (failed) c.ioError = true;
}

/**
 * Each task's enabled steps in a state, computed once: `actions` lists them and `next` applies
 * one, and the search calls `next` once per action of the state it expanded, right after
 * `actions`. Kept for the last few (frozen, never mutated) worlds by identity, with the settings
 * they were computed under, rather than in a WeakMap: an entry per expanded world cost the
 * garbage collector more than the lookups saved (issue 10m). A world that has left the cache
 * (a depth-first search coming back to it, a trace replayed) has its steps computed again, to
 * the same steps: they depend on the world and the settings only.
 */
const STEPS_CACHED = 4;
const stepsWorlds: Array<World | undefined> = new Array<World | undefined>(STEPS_CACHED).fill(undefined);
const stepsCached: Array<{ s: Settings; steps: Step[][] } | undefined> = new Array<{ s: Settings; steps: Step[][] } | undefined>(STEPS_CACHED).fill(undefined);
let stepsVictim = 0;

function stepsOf(w: World, s: Settings, ti: number): Step[] {
  let c: { s: Settings; steps: Step[][] } | undefined;
  for (let i = 0; i < STEPS_CACHED; i++) {
    if (stepsWorlds[i] === w && stepsCached[i]?.s === s) {
      c = stepsCached[i];
      break;
    }
  }
  if (c === undefined) {
    c = { s, steps: [] };
    stepsWorlds[stepsVictim] = w;
    stepsCached[stepsVictim] = c;
    stepsVictim = (stepsVictim + 1) % STEPS_CACHED;
  }
  let steps = c.steps[ti];
  if (steps === undefined) {
    steps = taskSteps(w, s, ti);
    c.steps[ti] = steps;
  }
  return steps;
}

/**
 * What completing request `b` does, for its label. A request stays in flight, the same frozen
 * object, across the many states that run beside it, so the last few requests' descriptions are
 * kept by identity rather than built again in every state (issue 10p).
 */
const BIO_WHATS = 8;
const whatBios: Array<Bio | undefined> = new Array<Bio | undefined>(BIO_WHATS).fill(undefined);
const whatOfBio: string[] = new Array<string>(BIO_WHATS).fill('');
let whatVictim = 0;

function bioWhat(b: Bio): string {
  for (let i = 0; i < BIO_WHATS; i++) if (whatBios[i] === b) return whatOfBio[i]!;
  const what = describeCompletion(b);
  // Only a frozen request cannot change under its identity.
  if (Object.isFrozen(b)) {
    whatBios[whatVictim] = b;
    whatOfBio[whatVictim] = what;
    whatVictim = (whatVictim + 1) % BIO_WHATS;
  }
  return what;
}

/** The description itself, never kept (exported for the test of the cache above). */
export function describeCompletion(b: Bio): string {
  const flags = [b.atomic ? 'REQ_ATOMIC' : '', b.fua ? 'REQ_FUA' : '', b.preflush ? 'REQ_PREFLUSH' : ''].filter((x) => x !== '').join('|');
  const blocks = b.blocks.map((x) => `p${x.p} ← ${x.t}`).join(', ');
  return `${flags ? ` ${flags}` : ''}${blocks ? ` (${blocks})` : ''}${b.op === 'flush' ? ': volatile cache flushed' : ''}`;
}

/** The media a power-loss choice leaves, computed in `actions` (to offer one choice per media) and reused by `next`. */
const mediaOfChoice = new WeakMap<Array<[number, number]>, Token[]>();

export function actions(w: World, s: Settings): Action[] {
  if (w.crashed) return [];
  const out: Action[] = [];
  // Index loops, no callbacks: this runs for every state expanded, interpreted for thousands of
  // them in a fresh process (issue 10u).
  for (let ti = 0; ti < w.tasks.length; ti++) {
    const steps = stepsOf(w, s, ti);
    for (let choice = 0; choice < steps.length; choice++) out.push({ kind: 'task', task: ti, choice, fn: steps[choice]!.fn, what: steps[choice]!.what });
  }
  const inflight = w.device.inflight;
  for (let i = 0; i < inflight.length; i++) {
    const b = inflight[i]!;
    out.push({ kind: 'dev-complete', bio: b.id, what: bioWhat(b) });
    if (b.op === 'write' && w.ioErrors < s.maxIoErrors) out.push({ kind: 'dev-fail', bio: b.id });
  }
  for (const { ino, blks, pass } of flusherChoices(w, s)) out.push({ kind: 'flusher', ino, blks, what: s.fs.kind === 'fuse' ? describeFuseWritepage(w, ino, blks) : describeFlusherStep(w, s, ino, blks, pass), ...(pass === undefined ? {} : { pass }) });
  for (const r of w.fuse?.reqs ?? []) for (const answer of answers(w, s, r)) out.push({ kind: 'fuse', unique: r.unique, answer, what: describeAnswer(w, r, answer) });
  for (const [ino, blk] of reclaimChoices(w, s)) out.push({ kind: 'reclaim', ino, blk, t: w.pageCache[ino]?.[blk]?.t ?? '?' });
  // (Most worlds have no ext4 io_end and no folio walk: no array built for them.)
  if (w.ext4IoEnds.length > 0) for (const k of ext4RsvConversionReady(w)) out.push({ kind: 'ext4-end-io', io: k, what: describeRsvConversion(w.ext4IoEnds[k]!, s) });
  for (let walk = 0; walk < w.folioEnds.length; walk++) {
    const x = w.folioEnds[walk]!;
    out.push({ kind: 'folio-end', walk, by: x.by, what: describeFolioEndWalk(x) });
  }
  for (let k = 0; k < w.readBios.length; k++) {
    const bio = w.readBios[k]!;
    const all = readBioData(w, k, (p) => deviceRead(w.device, p));
    for (const data of all) out.push({ kind: 'read-end', bio: k, data, what: `${describeReadBio(bio, data)}${all.length > 1 ? (data === all[0] ? ' (the disk as at submission)' : ' (after a write that landed meanwhile)') : ''}` });
    if (w.ioErrors < s.maxIoErrors) out.push({ kind: 'read-fail', bio: k, what: `${bio.by === 'ext4' ? 'mpage_end_io' : 'iomap_read_end_io'} → folio_end_read(!uptodate): file ${bio.ino} blocks ${bio.blocks.map((x) => x.blk).join(',')} stay !uptodate, folios unlocked` });
  }
  // jbd2 data=ordered: a commit cannot finish before the transaction's ordered data is written.
  if (s.backgroundCommit && journalDirty(w) && orderedDataPending(w) === null) out.push({ kind: 'commit', fs: s.fs.kind });
  const rec = recoveryStep(w, s);
  if (rec !== null) out.push({ kind: 'recovery', fn: rec.fn, what: rec.what });
  if (w.powerLosses < s.maxPowerLosses) {
    const groups = persistGroups(w.device);
    // Choices that leave the same media lead to the same recovered state: offer one of each.
    const outcomes = new Set<string>();
    for (const keep of powerLossChoices(w.device)) {
      const media = mediaAfterPowerLoss(w.device, keep);
      const key = media.join(',');
      if (outcomes.has(key)) continue;
      outcomes.add(key);
      mediaOfChoice.set(keep, media);
      const what =
        keep.length === 0
          ? 'nothing volatile'
          : keep
              .map(([id, m]) => {
                const blocks = groups.find((g) => g.bio === id)?.blocks ?? [];
                const kept = blocks.filter((_, i) => m & (1 << i)).map((b) => `p${b.p}=${b.t}`);
                return `bio#${id} persists {${kept.join(', ')}}${kept.length < blocks.length ? ` of ${blocks.length}` : ''}`;
              })
              .join('; ');
      out.push({ kind: 'power-loss', keep, what });
    }
  }
  return out;
}

function stepOf(w: World, s: Settings, x: ActionOf<'task'>): Step {
  const step = stepsOf(w, s, x.task)[x.choice];
  if (step === undefined) throw new Error(`T${x.task + 1} has no enabled step ${x.choice}`);
  return step;
}

/**
 * The successor of `w` by `a`. `form` 'pure' (the search's) takes the immer-free form of the
 * transition where it has one (pureNext); 'draft' always runs the immer form, the reference
 * the pure forms are tested against (test/spec-pure-steps.test.ts).
 */
export function next(w: World, s: Settings, a: Action, form: 'pure' | 'draft' = 'pure'): World {
  if (a.kind === 'power-loss') return (s.afterCrash?.length ?? 0) > 0 ? powerOn(w, s, a.keep) : crash(w, a.keep);
  if (form === 'pure') {
    const p = pureNext(w, s, a);
    if (p !== null) return p;
  }
  return produce(w, (d) => {
    match(a)
      .with({ kind: 'task' }, (x) => stepOf(w, s, x).apply(d))
      .with({ kind: 'dev-complete' }, (x) => {
        const c = completeBio(d.device, s.device, x.bio, false);
        for (const [ino, blk] of c.convert) {
          // Writeback completion (xfs_end_ioend / ext4_end_io_rsv_work): unwritten → written.
          const inode = d.inodes[ino];
          const m = inode?.map[blk];
          if (inode !== undefined && m !== undefined && m.kind === 'unwritten') {
            setMapping(inode, blk, { kind: 'written', p: m.p });
            markDirty(d, ino);
          }
        }
        // ext4_end_bio: an unwritten io_end's folios end writeback after its conversion work.
        xfsSetfilesize(d, x.bio, s.fs.blockSize);
        // ext4_end_bio → ext4_finish_bio in the bio's completion (not in task context) when no unwritten io_end waits.
        if (!ext4EndBio(d, x.bio, false)) iomapFinishIoend(d, x.bio, false, s.fs.kind !== 'ext4');
        wake(d, c.owner, x.bio, false);
      })
      .with({ kind: 'dev-fail' }, (x) => {
        const c = completeBio(d.device, s.device, x.bio, true);
        d.ioErrors++;
        if (!ext4EndBio(d, x.bio, true)) iomapFinishIoend(d, x.bio, true, s.fs.kind !== 'ext4');
        wake(d, c.owner, x.bio, true);
      })
      .with({ kind: 'commit' }, () => commitJournal(d))
      .with({ kind: 'flusher' }, (x) => (s.fs.kind === 'fuse' ? fuseWritepages(d, x.ino, x.blks) : flusherWriteback(d, s, x.ino, x.blks, x.pass)))
      .with({ kind: 'fuse' }, (x) => answerRequest(d, x.unique, x.answer))
      .with({ kind: 'reclaim' }, (x) => reclaimFolio(d, x.ino, x.blk))
      .with({ kind: 'ext4-end-io' }, (x) => ext4EndIoRsvWork(d, s, x.io))
      .with({ kind: 'folio-end' }, (x) => endWritebackWalkStep(d, x.walk))
      .with({ kind: 'read-end' }, (x) => readBioEnd(d, x.bio, x.data))
      .with({ kind: 'read-fail' }, (x) => {
        readBioFail(d, x.bio);
        d.ioErrors++;
      })
      .with({ kind: 'recovery' }, () => {
        const step = recoveryStep(w, s);
        if (step === null) throw new Error('no recovery step pending');
        step.apply(d);
      })
      .exhaustive();
  });
}

/**
 * The transitions written without immer (issue 10d; spec/cow.ts), the hot ones of the
 * direct-write scenarios: a task step that carries `next`, a journal commit, and the
 * completion of a request no writeback ioend owns. Null: this action, in this state, has only
 * the draft form. A table by kind, as LABELS is, rather than ts-pattern's `match`: it runs on
 * every transition, and `match` (which builds its matchers at each call) was 8% of the search
 * here; the mapped type keeps it exhaustive.
 */
const PURE: { [K in Action['kind']]: (w: World, s: Settings, x: ActionOf<K>) => World | null } = {
  task: (w, s, x) => stepOf(w, s, x).next?.(w) ?? null,
  'dev-complete': (w, s, x) => devCompletePure(w, s, x.bio, false),
  'dev-fail': (w, s, x) => devCompletePure(w, s, x.bio, true),
  commit: (w) => commitJournalPure(w),
  flusher: () => null,
  fuse: () => null,
  reclaim: () => null,
  'ext4-end-io': () => null,
  'folio-end': () => null,
  'read-end': () => null,
  'read-fail': () => null,
  recovery: () => null,
  'power-loss': () => null,
};

export function pureNext(w: World, s: Settings, a: Action): World | null {
  return (PURE[a.kind] as (w: World, s: Settings, x: Action) => World | null)(w, s, a);
}

/**
 * dev-complete / dev-fail for a request that is not writeback's (a direct write's data, a
 * zeroing bio, a flush): the device completes it and its task wakes. A writeback request
 * (an iomap ioend, an ext4 io_end, unwritten blocks to convert) takes the draft form.
 */
function devCompletePure(w: World, s: Settings, bio: number, failed: boolean): World | null {
  const b = w.device.inflight.find((x) => x.id === bio);
  if (b === undefined || b.convert.length > 0 || w.ioends.some((x) => x.bio === bio) || w.ext4IoEnds.some((x) => x.inflight.includes(bio))) return null;
  const { dev, done } = completeBioPure(w.device, s.device, bio, failed);
  const x = withMembers(w, failed ? { device: dev, ioErrors: w.ioErrors + 1 } : { device: dev });
  return wakePure(x, done.owner, bio, failed);
}

/** wake without a draft. */
function wakePure(w: World, owner: number, bio: number, failed: boolean): World {
  if (owner < 0) return w;
  const c = task(w, owner).cur;
  if (c === null || !c.wait.includes(bio)) throw new Error(`bio#${bio} completed but T${owner + 1} is not waiting for it`);
  const wait = frozen(filtered(c.wait, (x) => x !== bio));
  return withTask(w, owner, { cur: withMembers(c, failed ? { wait, ioError: true } : { wait }) });
}

/**
 * Power loss, then log recovery: the world is the recovered on-disk state and nothing runs
 * any more. Built directly from the frozen state (no draft): most transitions of a search
 * are power losses. Every choice of one state recovers the same metadata, page cache, ioends
 * and FUSE server: that part is built and frozen once per state and shared by all of them
 * (so it is also hashed once: the fingerprint caches frozen sub-objects by identity); only
 * the media differs from one choice to the next.
 */
export function crash(w: World, keep: Array<[number, number]>): World {
  const media = mediaOfChoice.get(keep) ?? mediaAfterPowerLoss(w.device, keep);
  // Only the top, the device and its media are new; the rest is frozen already (frozen by
  // hand: immer's deep freeze would still visit every member to find that out).
  const device: Device = { media, cache: NONE, inflight: NONE };
  Object.freeze(media);
  Object.freeze(device);
  const world: World = { ...recoveredPart(w), device };
  Object.freeze(world);
  // Inodes unlinked while open (vfs/namei.ts): recovery's orphan cleanup frees them.
  return world.orphans.length === 0 ? world : produce(world, (d) => orphanCleanup(d));
}

const NONE: never[] = [];
Object.freeze(NONE);

const recovered = new WeakMap<World, Omit<World, 'device'>>();

function recoveredPart(w: World): Omit<World, 'device'> {
  let r = recovered.get(w);
  if (r === undefined) {
    const { device: _device, ...rest } = w;
    r = freeze(
      {
        ...rest,
        ...recoverJournal(w),
        pageCache: w.pageCache.map((pc) => pc.map(() => null)),
        ioends: [],
        ext4IoEnds: [],
        folioEnds: [],
        readBios: [],
        // The processes are gone with their mappings.
        vmas: [],
        // The flusher's pass (and its cached mapping) is memory too.
        wpc: null,
        // FUSE: the server restarts with what its last FSYNC made durable; no request survives.
        fuse: w.fuse === null ? null : { ...w.fuse, server: w.fuse.durable, reqs: [], locked: [] },
        powerLosses: w.powerLosses + 1,
        crashed: true,
      },
      true,
    );
    recovered.set(w, r);
  }
  return r;
}

/** Build the checker's model of a scenario; `settings` rides along for reproducers. */
export function buildModel(s: Settings): Model<World, Action> & { settings: Settings } {
  const invariants: Record<string, (w: World) => boolean> = {};
  const sometimes: Record<string, (w: World) => boolean> = {};
  for (const p of s.properties) {
    const def = PROPERTIES[p];
    if (def.kind === 'invariant') invariants[p] = (w) => def.check(w, s) === null;
    else sometimes[p] = (w) => def.check(w, s) === null;
  }
  const representative = representativeFor(s);
  return {
    name: s.name,
    init: () => [freeze(initWorld(s), true)],
    actions: (w) => actions(w, s),
    next: (w, a) => next(w, s, a),
    invariants,
    sometimes,
    done: (w) => w.crashed || w.tasks.every((_, ti) => taskFinished(w, s, ti)),
    label,
    explain: (property, w) => (property in PROPERTIES ? (PROPERTIES[property as PropertyName].check(w, s) ?? undefined) : undefined),
    actor: (a) => actorOf(a, s),
    view: (w, verbose) => viewOf(w, s, verbose),
    cells: (w) => cellsOf(w),
    about: () => aboutOf(s),
    // The world's fingerprint member by member (encode.ts): the same states, hashed faster.
    encode: worldEncoder(),
    // Symmetry reduction (symmetry.ts): only when some tasks have identical programs.
    ...(representative === undefined ? {} : { representative }),
    // The ghost clock as a view (clock-view.ts): clock values renumbered, comparisons kept.
    canonical: clockViewFor(s),
    // Partial-order reduction (footprints.ts): with the view and with symmetry.
    footprints: specFootprints(s, () => initWorld(s)),
    settings: s,
  };
}
