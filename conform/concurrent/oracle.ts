/**
 * The oracle for multi-task programs: every outcome the spec allows, computed by the same
 * code as `writepath check`: the program becomes a scenario built by the spec's own
 * builder (spec.settings → spec.buildModel), and checker/'s search visits every reachable
 * state. An outcome is read off each terminal state without power loss: what every
 * task's syscalls returned (and its reads saw), and the file's final contents
 * (spec.fileContent, the direct-I/O view the final O_DIRECT read has).
 *
 * The device request size. Linux splits a direct write into requests of at most
 * max_sectors_kb; two racing non-atomic writes interleave per request. The spec splits a
 * bio into requests at the device's maxTransfer and lands each request whole, and
 * specSettings passes the measured max_sectors_kb to it, so the oracle allows exactly the
 * per-request interleavings of the measured device.
 */
import * as spec from '../../spec/index.ts';
import { canonicalJson, check } from '../../checker/index.ts';
import type { Model } from '../../checker/types.ts';
import type { Action, ObservedResult, Settings, Token, World } from '../../spec/index.ts';
import { toSpec } from '../translate.ts';
import { decodeToken } from '../program.ts';
import type { Op, OpResult } from '../program.ts';
import { BS, INIT_ID } from './program.ts';
import type { MultiProgram, MultiRun } from './program.ts';

/** One outcome: per task one string per op, and the final contents' tokens. */
export interface MultiOutcome {
  tasks: string[][];
  final: Token[];
}

export const outcomeKey = (o: MultiOutcome): string => canonicalJson(o);

/** How the spec lands a request of `requestBytes` (see the module comment). */
export function specRequestModel(requestBytes: number): string {
  return requestBytes <= BS ? 'per request (= per block)' : `per request of up to ${requestBytes / 1024} KiB`;
}

export type SpecBuild = { ok: true; settings: Settings } | { ok: false; reason: string };

/** The program as a spec scenario: loop device, merged knobs, no power loss. */
export function specSettings(p: MultiProgram, requestBytes: number, extra: Partial<spec.SettingsInput> = {}): SpecBuild {
  const programs: spec.Program[] = [];
  for (const [t, ops] of p.tasks.entries()) {
    const tr = toSpec({ ops });
    if (!tr.ok) return { ok: false, reason: `task ${t}: ${tr.reason}` };
    programs.push(tr.program);
  }
  return {
    ok: true,
    settings: spec.settings({
      name: p.name,
      fs: { kind: p.fs, physBlocks: p.physBlocks ?? 2 * p.blocks.length + 4 },
      // The loop device as measured: its queue/max_sectors_kb is the spec's request size.
      device: { ...spec.DEVICES.loop, maxTransfer: requestBytes },
      files: [{ blocks: p.blocks }],
      programs,
      maxPowerLosses: 0,
      maxIoErrors: 0,
      backgroundCommit: false,
      properties: [],
      ...extra,
    }),
  };
}

/** The observable form of one spec result (read data cut to the bytes returned). */
export function showSpec(r: ObservedResult): string {
  if (r.op === 'pread' && typeof r.ret === 'number') return `pread ${r.ret} [${r.data.slice(0, Math.ceil(r.ret / BS)).join(' ')}]`;
  return `${r.op} ${String(r.ret)}`;
}

/**
 * A kernel read token as a spec token: `W<n>[b]` for block b of write n found where
 * write n put it, `f0.init[b]` for set-up data, `zero`; anything else (a block shifted,
 * mixed within itself, or with bytes no write explains) keeps the kernel's spelling and
 * matches nothing the spec says.
 */
export function specToken(t: string, fileBlock: number, offsets: ReadonlyMap<number, number>): Token {
  const d = decodeToken(t);
  if (d.kind === 'zero') return spec.ZERO;
  if (d.kind === 'block') {
    if (d.write >= INIT_ID) return d.block === 0 && d.write - INIT_ID === fileBlock ? spec.initToken(0, fileBlock) : `kernel:${t}`;
    const off = offsets.get(d.write);
    return off !== undefined && off % BS === 0 && off / BS + d.block === fileBlock ? spec.writeToken(`W${d.write}`, d.block) : `kernel:${t}`;
  }
  return `kernel:${t}`;
}

function writeOffsets(p: MultiProgram): Map<number, number> {
  const m = new Map<number, number>();
  for (const ops of p.tasks) for (const o of ops) if (o.op === 'pwritev2') m.set(o.id, o.off);
  return m;
}

function showKernel(o: Op, r: OpResult, offsets: ReadonlyMap<number, number>): string {
  const ret = r.errno ?? String(r.ret);
  if (o.op === 'pread' && r.errno === null) {
    const first = Math.floor(o.off / BS);
    return `pread ${ret} [${(r.blocks ?? []).map((t, k) => specToken(t, first + k, offsets)).join(' ')}]`;
  }
  return `${r.op} ${ret}`;
}

/** The kernel's run in the spec's terms. */
export function abstractRun(p: MultiProgram, run: MultiRun): MultiOutcome {
  const offsets = writeOffsets(p);
  return {
    tasks: p.tasks.map((ops, t) => ops.map((o, i) => showKernel(o, run.tasks[t]?.[i] ?? { i, op: o.op, ret: -1, errno: 'missing' }, offsets))),
    final: run.final.map((t, b) => specToken(t, b, offsets)),
  };
}

export interface Allowed {
  outcomes: Map<string, MultiOutcome>;
  /** Distinct states the search visited. */
  states: number;
  ms: number;
}

export type AllowedResult = { ok: true; allowed: Allowed } | { ok: false; reason: string };

/**
 * Explores a spec model with checker/'s search and gathers an outcome from every state
 * `pick` selects (the checker visits each reachable state once and runs the model's
 * invariants on it; the gathering is one more invariant that always holds).
 */
export function gather<T>(model: Model<World, Action>, pick: (w: World) => T | undefined, key: (t: T) => string, maxStates: number): { found: Map<string, T>; states: number; complete: boolean; ms: number } {
  const found = new Map<string, T>();
  const collecting: Model<World, Action> = {
    ...model,
    invariants: {
      gather: (w) => {
        const t = pick(w);
        if (t !== undefined) found.set(key(t), t);
        return true;
      },
    },
    sometimes: {},
  };
  const r = check(collecting, { maxStates, stopAtFirst: false });
  return { found, states: r.distinctStates, complete: r.status !== 'incomplete', ms: r.elapsedMs };
}

/** Every outcome the spec allows for the program (no power loss), or why it cannot say. */
export function allowedOutcomes(p: MultiProgram, requestBytes: number, maxStates = 200_000): AllowedResult {
  const built = specSettings(p, requestBytes);
  if (!built.ok) return built;
  const model = spec.buildModel(built.settings);
  const g = gather(
    model,
    (w): MultiOutcome | undefined => (model.done?.(w) === true && !w.crashed ? { tasks: w.tasks.map((t) => t.results.map((r) => showSpec(spec.observe(r)))), final: spec.fileContent(w, 0) } : undefined),
    outcomeKey,
    maxStates,
  );
  if (!g.complete) return { ok: false, reason: `the spec's search passed ${maxStates} states` };
  return { ok: true, allowed: { outcomes: g.found, states: g.states, ms: g.ms } };
}
