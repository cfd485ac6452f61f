/**
 * The scenario builder: sensible defaults for geometry, device and knobs, small helpers to
 * write programs, and `scenario()` that turns settings into the checker's `Scenario`.
 *
 * Models Linux 6.18.
 */
import type { Scenario } from '../checker/types.ts';
import { MERGED_KNOBS, type Knobs } from './knobs.ts';
import { buildModel, type Action } from './model.ts';
import { ALL_INVARIANTS } from './properties.ts';
import type { ScenarioInput, SettingsInput } from './schema.ts';
import { assertValidScenario, assertValidSettings } from './validate.ts';
import type { DeviceSettings, FsKind, FsSettings, FallocFlag, NameOpenFlag, OpenFlag, RwfFlag, Settings, Syscall, World } from './types.ts';

export const KiB = 1024;
export const BS = 4 * KiB;

/** Device presets. `maxTransfer` is queue/max_sectors_kb: a larger bio is split into requests. */
export const DEVICES = {
  /** An NVMe-like device with 4-16 KiB hardware atomic writes, a volatile cache, FUA, 128 KiB requests. */
  nvmeAtomic16k: { atomicUnitMin: 4 * KiB, atomicUnitMax: 16 * KiB, atomicBoundary: 0, atomicNeedsAlignment: true, writeCache: true, fua: true, maxTransfer: 128 * KiB },
  /** A device with one-block hardware atomic writes only (NVMe-like otherwise). */
  nvmeAtomic4k: { atomicUnitMin: 4 * KiB, atomicUnitMax: 4 * KiB, atomicBoundary: 0, atomicNeedsAlignment: true, writeCache: true, fua: true, maxTransfer: 128 * KiB },
  /** A loop device at its defaults (Linux 6.18): no hardware atomic writes, volatile cache, no FUA, max_sectors_kb 1280. */
  // read_ahead_kb 2560 as the loop devices of the conformance lab report it (a 64 KiB read from page 0 caches 64 pages).
  loop: { atomicUnitMin: 0, atomicUnitMax: 0, atomicBoundary: 0, atomicNeedsAlignment: false, writeCache: true, fua: false, maxTransfer: 1280 * KiB, readAhead: 2560 * KiB },
  /** The same loop device with queue/max_sectors_kb set to 4: every request carries one 4 KiB block. */
  loopSmall: { atomicUnitMin: 0, atomicUnitMax: 0, atomicBoundary: 0, atomicNeedsAlignment: false, writeCache: true, fua: false, maxTransfer: 4 * KiB, readAhead: 2560 * KiB },
} satisfies Record<string, DeviceSettings>;

export function fsDefaults(kind: FsKind): FsSettings {
  return { kind, blockSize: BS, sectorSize: 512, physBlocks: 8, reflink: kind === 'xfs', swAtomicMax: 1024 * KiB, clusterBlocks: 1, allocsize: null };
}

export type { SettingsInput, ScenarioInput } from './schema.ts';

/**
 * Fill in defaults: merged knobs, all invariants, one power loss, background commits on.
 * The input is validated first (spec/validate.ts): a mistake throws a ScenarioError naming
 * the field and the valid choices, before any search.
 */
export function settings(i: SettingsInput): Settings {
  assertValidSettings(i);
  return withDefaults(i);
}

function withDefaults(i: SettingsInput): Settings {
  const fs = typeof i.fs === 'string' ? fsDefaults(i.fs) : { ...fsDefaults(i.fs.kind), ...i.fs, allocsize: i.fs.allocsize ?? null };
  return {
    name: i.name,
    fs,
    device: i.device ?? DEVICES.nvmeAtomic16k,
    knobs: { ...MERGED_KNOBS, ...i.knobs },
    files: i.files,
    cached: i.cached ?? [],
    programs: i.programs,
    maxPowerLosses: i.maxPowerLosses ?? 1,
    maxIoErrors: i.maxIoErrors ?? 0,
    backgroundCommit: i.backgroundCommit ?? true,
    properties: i.properties ?? ALL_INVARIANTS,
    ...(i.flusher === true ? { flusher: true } : {}),
    ...(i.reclaim === true ? { reclaim: true } : {}),
    ...(i.maxShortWrites !== undefined && i.maxShortWrites > 0 ? { maxShortWrites: i.maxShortWrites } : {}),
    ...(i.userFaults !== undefined && i.userFaults > 0 ? { userFaults: i.userFaults } : {}),
    ...(i.afterCrash !== undefined && i.afterCrash.length > 0 ? { afterCrash: i.afterCrash } : {}),
    ...(i.newFileBlocks !== undefined ? { newFileBlocks: i.newFileBlocks } : {}),
    ...(i.flusherPerFolio === true ? { flusherPerFolio: true } : {}),
  };
}

/**
 * A scenario for the checker. Its `derive` builds the same scenario with other knob variants
 * or properties (validated like the file), for `writepath check --knob/--property`.
 */
function expectsLivelock(i: ScenarioInput): boolean {
  return typeof i.expect === 'object' && i.expect.violates === 'progress';
}

export function scenario(i: ScenarioInput): Scenario<World, Action> {
  assertValidScenario(i);
  const s = withDefaults(i);
  return {
    name: s.name,
    description: i.description,
    model: buildModel(s),
    expect: i.expect,
    // Expecting a livelock needs the checker's cycle search (CheckOptions.progress).
    ...(i.options === undefined && !expectsLivelock(i) ? {} : { options: { ...i.options, ...(expectsLivelock(i) ? { progress: true } : {}) } }),
    derive: (c) => scenario({ ...i, knobs: { ...i.knobs, ...c.knobs }, ...(c.properties === undefined ? {} : { properties: c.properties }) } as ScenarioInput),
  };
}

// Program helpers ----------------------------------------------------------------------

export const open = (file: number, ...flags: OpenFlag[]): Syscall => ({ op: 'open', file, access: 'O_RDWR', flags });
export const pwrite = (id: string, fd: number, offset: number, len: number, ...flags: RwfFlag[]): Syscall => ({ op: 'pwritev2', fd, offset, iov: [len], flags, id });
/** A pwritev2 whose user buffer has a page (`badPage`, from 0) that can never be read. */
export const pwriteBadPage = (id: string, fd: number, offset: number, len: number, badPage: number, ...flags: RwfFlag[]): Syscall => ({ op: 'pwritev2', fd, offset, iov: [len], flags, id, badPage });
export const pwritev = (id: string, fd: number, offset: number, iov: number[], ...flags: RwfFlag[]): Syscall => ({ op: 'pwritev2', fd, offset, iov, flags, id });
export const pread = (fd: number, offset: number, len: number): Syscall => ({ op: 'pread', fd, offset, len });
export const fsync = (fd: number): Syscall => ({ op: 'fsync', fd });
export const fdatasync = (fd: number): Syscall => ({ op: 'fdatasync', fd });
export const statx = (fd: number): Syscall => ({ op: 'statx', fd });
export const mincore = (fd: number): Syscall => ({ op: 'mincore', fd });
export const mmapStore = (id: string, file: number, offset: number): Syscall => ({ op: 'mmap-store', file, offset, id });
/** openat by name; flags may add O_CREAT and O_TRUNC. */
export const openat = (path: string, ...flags: NameOpenFlag[]): Syscall => ({ op: 'openat', path, access: 'O_RDWR', flags });
export const close = (fd: number): Syscall => ({ op: 'close', fd });
export const unlink = (path: string): Syscall => ({ op: 'unlink', path });
export const rename = (from: string, to: string): Syscall => ({ op: 'rename', from, to });
export const ftruncate = (fd: number, length: number): Syscall => ({ op: 'ftruncate', fd, length });
/** fallocate(fd, mode, offset, len); `mode` lists FALLOC_FL_* flags ([] is mode 0). */
export const fallocate = (fd: number, mode: FallocFlag[], offset: number, len: number): Syscall => ({ op: 'fallocate', fd, mode, offset, len });
/** mmap(MAP_SHARED, PROT_READ|PROT_WRITE) of `len` bytes of fd at `offset`. */
export const mmap = (fd: number, offset: number, len: number): Syscall => ({ op: 'mmap', fd, offset, len });
/** A store of block data `id` at file offset `offset` of `file` through mapping `map`, faulting step by step. */
export const store = (id: string, map: number, file: number, offset: number): Syscall => ({ op: 'mmap-store', file, offset, id, map });
export const load = (map: number, offset: number): Syscall => ({ op: 'mmap-load', map, offset });
export const msync = (map: number, flags: 'MS_SYNC' | 'MS_ASYNC' = 'MS_SYNC'): Syscall => ({ op: 'msync', map, flags });
export const munmap = (map: number): Syscall => ({ op: 'munmap', map });
