/**
 * The scenario schema: one zod schema per input of `scenario()` / `settings()`, the single
 * source of the input types (`SettingsInput`, `ScenarioInput` are inferred from it) and of
 * the run-time check that refuses a mistake before any search (spec/validate.ts). Its
 * vocabulary is that of the spec of Linux 6.18.
 *
 * Why a schema library: a scenario file is run without `tsc`, so every field must be checked
 * at run time, and hand-written checks next to hand-written types drift apart. zod infers
 * the TypeScript type from the same object that checks the value, and reports every issue
 * with its path; the vocabularies (knob variants, flags, property names) come from the
 * spec's own constants, so a new knob variant is accepted everywhere at once.
 *
 * The compile-time assertions at the end tie the schema's output to the spec's own types
 * (types.ts, knobs.ts): if one changes without the other, `tsc` fails.
 */
import { z } from 'zod';
import type { Progress } from '../checker/types.ts';
import { KNOB_VARIANTS, type Knobs } from './knobs.ts';
import { PROPERTIES } from './properties.ts';
import type { DeviceSettings, FallocFlag, FsKind, InitialBlock, NameOpenFlag, OpenFlag, PropertyName, RwfFlag, Syscall } from './types.ts';

export const FS_KINDS = ['xfs', 'ext4', 'fuse'] as const satisfies readonly FsKind[];
export const RWF_FLAGS = ['RWF_ATOMIC', 'RWF_SYNC', 'RWF_DSYNC', 'RWF_NOWAIT', 'RWF_DONTCACHE'] as const satisfies readonly RwfFlag[];
export const OPEN_FLAGS = ['O_DIRECT', 'O_DSYNC', 'O_SYNC'] as const satisfies readonly OpenFlag[];
export const NAME_OPEN_FLAGS = [...OPEN_FLAGS, 'O_CREAT', 'O_TRUNC'] as const satisfies readonly NameOpenFlag[];
export const ACCESS_MODES = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'] as const;
export const FALLOC_FLAGS = ['FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_ZERO_RANGE'] as const satisfies readonly FallocFlag[];
export const PROPERTY_NAMES = Object.keys(PROPERTIES) as [PropertyName, ...PropertyName[]];
export const SYSCALL_OPS = ['open', 'pwritev2', 'pread', 'fsync', 'fdatasync', 'statx', 'mmap-store', 'mincore', 'openat', 'close', 'unlink', 'rename', 'ftruncate', 'fallocate', 'mmap', 'mmap-load', 'msync', 'munmap'] as const satisfies ReadonlyArray<Syscall['op']>;

/** An enum whose error names the valid choices: "'merged' is not a variant; one of a, b, c". */
function oneOf<T extends string>(values: readonly [T, ...T[]], noun: string) {
  return z.enum(values, {
    error: (iss) => `${iss.input === undefined ? 'missing' : `${JSON.stringify(iss.input)} is not ${noun}`}; one of ${values.join(', ')}`,
  });
}

const whole = (what: string) => z.number({ error: `must be a number (${what})` }).int({ error: `must be a whole number (${what})` });
const count = (what: string) => whole(what).nonnegative({ error: `must not be negative (${what})` });
const positive = (what: string) => whole(what).positive({ error: `must be positive (${what})` });

/** An object that refuses unknown fields, naming the known ones (a typo is the usual cause). */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}; known: ${known}` : undefined),
  });
}
const powerOfTwoOrZero = (what: string) => count(what).refine((n) => (n & (n - 1)) === 0, { error: `must be 0 or a power of two (${what})` });

export const knobsSchema = strict({
  ext4AtomicAlloc: oneOf(KNOB_VARIANTS.ext4AtomicAlloc, 'a variant').optional(),
  atomicDioInvalidateFailure: oneOf(KNOB_VARIANTS.atomicDioInvalidateFailure, 'a variant').optional(),
  xfsSwAtomicRetry: oneOf(KNOB_VARIANTS.xfsSwAtomicRetry, 'a variant').optional(),
  wbErrReporting: oneOf(KNOB_VARIANTS.wbErrReporting, 'a variant').optional(),
  iomapValid: oneOf(KNOB_VARIANTS.iomapValid, 'a variant').optional(),
  uncached: oneOf(KNOB_VARIANTS.uncached, 'a variant').optional(),
  uncachedFlushError: oneOf(KNOB_VARIANTS.uncachedFlushError, 'a variant').optional(),
  fuseMode: oneOf(KNOB_VARIANTS.fuseMode, 'a variant').optional(),
  fuseUptodate: oneOf(KNOB_VARIANTS.fuseUptodate, 'a variant').optional(),
  fuseWriteFailure: oneOf(KNOB_VARIANTS.fuseWriteFailure, 'a variant').optional(),
  fuseSyncWait: oneOf(KNOB_VARIANTS.fuseSyncWait, 'a variant').optional(),
  bufferedAtomic: oneOf(KNOB_VARIANTS.bufferedAtomic, 'a variant').optional(),
  bufferedAtomicShortCopy: oneOf(KNOB_VARIANTS.bufferedAtomicShortCopy, 'a variant').optional(),
  bufferedAtomicMerge: oneOf(KNOB_VARIANTS.bufferedAtomicMerge, 'a variant').optional(),
  ext4DataMode: oneOf(KNOB_VARIANTS.ext4DataMode, 'a variant').optional(),
  ext4EndIoFailure: oneOf(KNOB_VARIANTS.ext4EndIoFailure, 'a variant').optional(),
  ext4AutoDaAlloc: oneOf(KNOB_VARIANTS.ext4AutoDaAlloc, 'a variant').optional(),
  truncateZeroFlush: oneOf(KNOB_VARIANTS.truncateZeroFlush, 'a variant').optional(),
  faultInvalidateLock: oneOf(KNOB_VARIANTS.faultInvalidateLock, 'a variant').optional(),
  xfsWritebackMapValid: oneOf(KNOB_VARIANTS.xfsWritebackMapValid, 'a variant').optional(),
});

const fsKind = oneOf(FS_KINDS, 'a modelled file system');

export const fsSchema = z.union(
  [
    fsKind,
    strict({
      kind: fsKind,
      blockSize: positive('bytes').refine((n) => n % 512 === 0, { error: 'must be a multiple of 512 bytes' }).optional(),
      sectorSize: positive('bytes').refine((n) => n >= 512 && (n & (n - 1)) === 0, { error: 'must be a power of two of at least 512 bytes' }).optional(),
      physBlocks: positive('blocks of the device').optional(),
      reflink: z.boolean({ error: 'must be true or false' }).optional(),
      swAtomicMax: count('bytes').optional(),
      clusterBlocks: positive('blocks').refine((n) => (n & (n - 1)) === 0, { error: 'must be a power of two (bigalloc cluster)' }).optional(),
      // xfs_fs_parse_param (Opt_allocsize): a power of two from 4 KiB (XFS_MIN_IO_LOG) to 1 GiB (XFS_MAX_IO_LOG).
      allocsize: positive('bytes (the XFS allocsize= mount option)')
        .refine((n) => (n & (n - 1)) === 0 && n >= 4096 && n <= 1024 * 1024 * 1024, { error: 'must be a power of two from 4096 to 1073741824 bytes (XFS allocsize=)' })
        .nullable() // null: the default dynamic preallocation, as settings print it
        .optional(),
    }),
  ],
  { error: `must be ${FS_KINDS.map((k) => `'${k}'`).join(' or ')} or { kind, ... }` },
);

export const deviceSchema = z
  .strictObject({
    atomicUnitMin: powerOfTwoOrZero('bytes'),
    atomicUnitMax: powerOfTwoOrZero('bytes'),
    atomicBoundary: powerOfTwoOrZero('bytes'),
    atomicNeedsAlignment: z.boolean({ error: 'must be true or false' }),
    writeCache: z.boolean({ error: 'must be true or false' }),
    fua: z.boolean({ error: 'must be true or false' }),
    maxTransfer: positive('bytes (queue/max_sectors_kb × 1024)').refine((n) => n % 512 === 0, { error: 'must be a multiple of 512 bytes' }),
    readAhead: count('bytes (queue/read_ahead_kb × 1024)').optional(),
  })
  .refine((d) => d.atomicUnitMin <= d.atomicUnitMax && (d.atomicUnitMin === 0) === (d.atomicUnitMax === 0), {
    error: 'atomicUnitMin must be at most atomicUnitMax, and both 0 (no atomic writes) or both set',
  });

const INITIAL_BLOCK = "must be 'hole', { written: P } or { unwritten: P } with P a physical block number";
const initialBlock = z.union([z.literal('hole', { error: INITIAL_BLOCK }), strict({ unwritten: count('physical block') }), strict({ written: count('physical block') })], { error: INITIAL_BLOCK });

const fileSchema = strict({ name: z.string({ error: 'must be a file name' }).min(1, { error: 'must not be empty' }).optional(), blocks: z.array(initialBlock, { error: 'must be a list of blocks' }), size: count('bytes').optional(), reflink: z.boolean({ error: 'must be true or false' }).optional(), folioBlocks: positive('blocks (the mapping\'s minimum folio size)').refine((n) => (n & (n - 1)) === 0, { error: 'must be a power of two (a folio order)' }).optional(), maxFolioBlocks: positive('blocks (the mapping\'s maximum folio size)').refine((n) => (n & (n - 1)) === 0, { error: 'must be a power of two (a folio order)' }).optional() });

const fd = count('the ordinal of a successful open');
/** A name in the one directory (no slashes: there are no subdirectories). */
const fileName = z.string({ error: 'must be a file name' }).min(1, { error: 'must not be empty' }).refine((n) => !n.includes('/'), { error: "must not contain '/' (one directory only)" });
/** A file offset as the syscall takes it: a negative one is legal input, and Linux answers EINVAL. */
const fileOffset = z.number({ error: 'must be a whole number of bytes' }).int({ error: 'must be a whole number of bytes' });
const rwfFlags = z.array(oneOf(RWF_FLAGS, 'an RWF_* flag'), { error: 'must be a list of RWF_* flags' });

export const syscallSchema = z.discriminatedUnion(
  'op',
  [
    strict({ op: z.literal('open'), file: count('file number'), access: oneOf(ACCESS_MODES, 'an access mode'), flags: z.array(oneOf(OPEN_FLAGS, 'an open flag')) }),
    strict({ op: z.literal('pwritev2'), fd, offset: fileOffset, iov: z.array(count('bytes')).min(1, { error: 'needs at least one segment' }), flags: rwfFlags, id: z.string().min(1, { error: 'must name the write' }), badPage: count('page of the user buffer').optional() }),
    strict({ op: z.literal('pread'), fd, offset: fileOffset, len: count('bytes') }),
    strict({ op: z.literal('fsync'), fd }),
    strict({ op: z.literal('fdatasync'), fd }),
    strict({ op: z.literal('statx'), fd }),
    strict({ op: z.literal('mincore'), fd }),
    strict({ op: z.literal('openat'), path: fileName, access: oneOf(ACCESS_MODES, 'an access mode'), flags: z.array(oneOf(NAME_OPEN_FLAGS, 'an open flag')) }),
    strict({ op: z.literal('close'), fd }),
    strict({ op: z.literal('unlink'), path: fileName }),
    strict({ op: z.literal('rename'), from: fileName, to: fileName }),
    // A negative length or offset is legal input: Linux answers EINVAL.
    strict({ op: z.literal('ftruncate'), fd, length: fileOffset }),
    strict({ op: z.literal('fallocate'), fd, mode: z.array(oneOf(FALLOC_FLAGS, 'a FALLOC_FL_* flag'), { error: 'must be a list of FALLOC_FL_* flags' }), offset: fileOffset, len: fileOffset }),
    strict({ op: z.literal('mmap-store'), file: count('file number'), offset: count('bytes'), id: z.string().min(1, { error: 'must name the store' }), map: count('the ordinal of a successful mmap').optional() }),
    strict({ op: z.literal('mmap'), fd, offset: fileOffset, len: count('bytes') }),
    strict({ op: z.literal('mmap-load'), map: count('the ordinal of a successful mmap'), offset: count('bytes') }),
    strict({ op: z.literal('msync'), map: count('the ordinal of a successful mmap'), flags: oneOf(['MS_SYNC', 'MS_ASYNC'], 'an msync flag') }),
    strict({ op: z.literal('munmap'), map: count('the ordinal of a successful mmap') }),
  ],
  { error: (iss) => `op ${JSON.stringify((iss.input as { op?: unknown } | undefined)?.op)} is not a modelled syscall; one of ${SYSCALL_OPS.join(', ')}` },
);

export const propertiesSchema = z.array(oneOf(PROPERTY_NAMES, 'a property'), { error: 'must be a list of property names' });

export const settingsInputSchema = strict({
  name: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }),
  fs: fsSchema,
  device: deviceSchema.optional(),
  knobs: knobsSchema.optional(),
  files: z.array(fileSchema, { error: 'must be a list of files' }),
  cached: z.array(z.tuple([count('file number'), count('file block')]), { error: 'must be a list of [file, block] pairs' }).optional(),
  programs: z.array(z.array(syscallSchema, { error: 'must be a list of syscalls' }), { error: 'must be a list of programs, one per task' }),
  maxPowerLosses: count('power losses').optional(),
  maxIoErrors: count('I/O errors').optional(),
  maxShortWrites: count('short FUSE WRITE replies').optional(),
  backgroundCommit: z.boolean({ error: 'must be true or false' }).optional(),
  properties: propertiesSchema.optional(),
  flusher: z.boolean({ error: 'must be true or false' }).optional(),
  reclaim: z.boolean({ error: 'must be true or false' }).optional(),
  userFaults: count('user-page faults the environment may inject').optional(),
  afterCrash: z.array(z.array(syscallSchema, { error: 'must be a list of syscalls' }), { error: 'must be a list of programs, one per task, run after each power loss' }).optional(),
  newFileBlocks: positive('blocks a file made by O_CREAT has room for').optional(),
  flusherPerFolio: z.boolean({ error: 'must be true or false' }).optional(),
});

const EXPECTATION = "must be 'holds' or { violates: 'property-name' }";
export const expectationSchema = z.union([z.literal('holds', { error: EXPECTATION }), strict({ violates: z.string({ error: 'must be a property name' }) })], { error: EXPECTATION });

export const checkOptionsSchema = strict({
  strategy: oneOf(['bfs', 'dfs'], 'a strategy').optional(),
  maxStates: positive('states').optional(),
  maxDepth: positive('steps').optional(),
  timeLimitMs: z.number().positive({ error: 'must be a positive number of milliseconds' }).optional(),
  stopAtFirst: z.boolean({ error: 'must be true or false' }).optional(),
  sanity: oneOf(['default', 'paranoid', 'off'], 'a sanity level').optional(),
  onProgress: z.custom<(p: Progress) => void>((v) => typeof v === 'function', { error: 'must be a function' }).optional(),
});

export const scenarioInputSchema = settingsInputSchema.extend({
  description: z.string({ error: 'must be a string saying what the scenario checks and its bound' }),
  expect: expectationSchema,
  options: checkOptionsSchema.optional(),
});

/** What `settings()` takes: inferred from the schema, so the type and the check cannot drift. */
export type SettingsInput = z.input<typeof settingsInputSchema>;
/** What `scenario()` takes. */
export type ScenarioInput = z.input<typeof scenarioInputSchema>;

// ---- the schema and the spec's types agree (a compile error here means they drifted) ----

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Mutable<T> = T extends readonly unknown[] ? { -readonly [K in keyof T]: Mutable<T[K]> } : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
const agree = <T extends true>(): T | undefined => undefined;
agree<Equal<Mutable<z.output<typeof syscallSchema>>, Syscall>>();
agree<Equal<z.output<typeof deviceSchema>, DeviceSettings>>();
agree<Equal<z.output<typeof initialBlock>, InitialBlock>>();
agree<Equal<Required<z.output<typeof knobsSchema>>, Knobs>>();
agree<Equal<(typeof PROPERTY_NAMES)[number], PropertyName>>();
