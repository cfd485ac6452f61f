/** Scenario validation (spec/schema.ts, spec/validate.ts): random valid scenarios build, random broken ones are refused naming the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEVICES,
  KNOB_VARIANTS,
  PROPERTY_NAMES,
  RWF_FLAGS,
  SYSCALL_OPS,
  ScenarioError,
  fsync,
  open,
  pread,
  pwrite,
  scenario,
  scenarioProblems,
  settings,
  statx,
  type ScenarioInput,
  type Syscall,
} from '../spec/index.ts';

const BS = 4096;

/** A valid scenario input: distinct physical blocks inside the device, programs on existing files. */
const validInput: fc.Arbitrary<ScenarioInput> = fc
  .record({
    kind: fc.constantFrom('xfs' as const, 'ext4' as const),
    physBlocks: fc.integer({ min: 4, max: 12 }),
    layout: fc.array(fc.array(fc.constantFrom('hole', 'written', 'unwritten'), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
    knobs: fc.record(
      { ext4AtomicAlloc: fc.constantFrom(...KNOB_VARIANTS.ext4AtomicAlloc), atomicDioInvalidateFailure: fc.constantFrom(...KNOB_VARIANTS.atomicDioInvalidateFailure), xfsSwAtomicRetry: fc.constantFrom(...KNOB_VARIANTS.xfsSwAtomicRetry) },
      { requiredKeys: [] },
    ),
    programs: fc.array(
      fc.array(
        fc.oneof(
          fc.record({ blk: fc.nat(3), n: fc.integer({ min: 1, max: 3 }), flags: fc.subarray([...RWF_FLAGS]) }).map(({ blk, n, flags }) => pwrite('W', 0, blk * BS, n * BS, ...flags)),
          fc.nat(3).map((b) => pread(0, b * BS, BS)),
          fc.constant(fsync(0)),
          fc.constant(statx(0)),
        ),
        { maxLength: 3 },
      ),
      { minLength: 1, maxLength: 2 },
    ),
    properties: fc.subarray([...PROPERTY_NAMES], { minLength: 1 }),
    powerLosses: fc.nat(1),
    holds: fc.boolean(),
  })
  .filter((r) => r.layout.flat().filter((b) => b !== 'hole').length <= r.physBlocks)
  .map((r) => {
    let p = 0;
    const files = r.layout.map((blocks) => ({ blocks: blocks.map((b) => (b === 'hole' ? ('hole' as const) : b === 'written' ? { written: p++ } : { unwritten: p++ })) }));
    const programs: Syscall[][] = r.programs.map((prog, t) => [open(t % files.length, 'O_DIRECT'), ...prog]);
    return {
      name: 'random',
      description: 'a random valid scenario',
      fs: { kind: r.kind, physBlocks: r.physBlocks },
      device: DEVICES.nvmeAtomic16k,
      knobs: r.knobs,
      files,
      programs,
      maxPowerLosses: r.powerLosses,
      properties: r.properties,
      expect: r.holds ? ('holds' as const) : { violates: r.properties[0]! },
    };
  });

test('every random valid scenario is accepted and builds (its initial state included)', () => {
  fc.assert(
    fc.property(validInput, (input) => {
      assert.deepEqual(scenarioProblems(input), []);
      const s = scenario(input);
      assert.equal(s.model.init().length, 1);
    }),
    { numRuns: 150 },
  );
});

/** A mutation that breaks one rule, and the field the message must name. */
type Mutation = (i: Record<string, unknown>, junk: string) => string;
const mutations: Record<string, Mutation> = {
  'fs kind': (i, junk) => ((i.fs = { kind: junk }), 'fs.kind'),
  ...Object.fromEntries(Object.keys(KNOB_VARIANTS).map((k): [string, Mutation] => [`knob ${k} variant`, (i, junk) => ((i.knobs = { [k]: junk }), `knobs.${k}`)])),
  'open flag': (i, junk) => ((i.programs = [[open(0, junk as 'O_SYNC')]]), 'programs[0][0].flags[0]'),
  'syscall op': (i, junk) => ((i.programs = [[{ op: junk, fd: 0 }]]), 'programs[0][0].op'),
  'cached folio outside its file': (i) => ((i.files = [{ blocks: ['hole'] }]), (i.cached = [[0, 3]]), 'cached[0]'),
  'option': (i) => ((i.options = { strategy: 'sideways' }), 'options.strategy'),
  'knob name': (i, junk) => ((i.knobs = { [`x${junk}`]: 'never' }), 'knobs'),
  'rwf flag': (i, junk) => ((i.programs = [[open(0), pwrite('A', 0, 0, BS, junk as 'RWF_SYNC')]]), 'programs[0][1].flags[0]'),
  property: (i, junk) => ((i.properties = [junk]), 'properties[0]'),
  'block beyond the device': (i) => ((i.files = [{ blocks: [{ written: 99 }] }]), 'files[0].blocks[0]'),
  'block used twice': (i) => ((i.files = [{ blocks: [{ written: 0 }, { unwritten: 0 }] }]), 'files[0].blocks[1]'),
  'fractional offset': (i) => ((i.programs = [[open(0), pread(0, BS / 3, BS)]]), 'programs[0][1].offset'),
  'missing name': (i) => (delete i.name, 'name'),
  'unknown field': (i, junk) => ((i[`x${junk}`] = 1), '(scenario)'),
  'expected property not checked': (i, junk) => ((i.expect = { violates: junk }), 'expect.violates'),
  'file that does not exist': (i) => ((i.programs = [[open(7)]]), 'programs[0][0].file'),
  'power losses not a number': (i, junk) => ((i.maxPowerLosses = junk), 'maxPowerLosses'),
};

test('every random broken scenario is refused with a message naming the field (and scenario() throws before any search)', () => {
  const junk = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => ![...PROPERTY_NAMES, 'xfs', 'ext4', ...RWF_FLAGS, ...Object.values(KNOB_VARIANTS).flat(), 'deadlock'].includes(s as never));
  fc.assert(
    fc.property(validInput, fc.constantFrom(...Object.keys(mutations)), junk, (input, which, j) => {
      const broken = structuredClone(input) as unknown as Record<string, unknown>;
      const field = mutations[which]!(broken, j);
      const problems = scenarioProblems(broken);
      assert.ok(problems.some((p) => p.field === field && p.problem.length > 0), `${which}: ${JSON.stringify(problems)}`);
      assert.throws(() => scenario(broken as unknown as ScenarioInput), (e: unknown) => e instanceof ScenarioError && e.message.includes(`${field}: `));
    }),
    { numRuns: 400 },
  );
});

test('settings() validates too (the conformance oracle and tests build settings directly)', () => {
  assert.throws(() => settings({ name: 'x', fs: 'btrfs' as 'xfs', files: [], programs: [] }), /fs: "btrfs" is not a modelled file system; one of xfs, ext4, fuse/);
  assert.doesNotThrow(() => settings({ name: 'x', fs: 'xfs', files: [], programs: [] }));
});

test('a scenario derived with another knob variant is validated like the file', () => {
  const s = scenario({ name: 'd', description: 'd', fs: 'xfs', files: [{ blocks: ['hole'] }], programs: [[open(0, 'O_DIRECT')]], expect: 'holds' });
  assert.throws(() => s.derive!({ knobs: { xfsSwAtomicRetry: 'merged' } }), /knobs\.xfsSwAtomicRetry: "merged" is not a variant; one of posted-v4, proposed-excl, merged-6\.16/);
  assert.throws(() => s.derive!({ properties: ['atomic-untron'] }), /properties\[0\]: "atomic-untron" is not a property/);
  assert.deepEqual(Object.keys(s.derive!({ properties: ['durability'] }).model.invariants ?? {}), ['durability']);
});

/** Every rule's message, in process (the CLI test runs the same rules through files). */
const base = { name: 'm', description: 'd', fs: { kind: 'xfs', physBlocks: 4 }, device: DEVICES.loop, files: [{ blocks: ['hole'] }], programs: [[open(0, 'O_DIRECT')]], expect: 'holds' };
const RULES: Array<[Record<string, unknown>, string, RegExp]> = [
  [{ fs: { kind: 'XFS' } }, 'fs.kind', /^"XFS" is not a modelled file system; one of xfs, ext4, fuse$/],
  [{ fs: 'btrfs' }, 'fs', /^"btrfs" is not a modelled file system; one of xfs, ext4, fuse$/],
  [{ fs: 3 }, 'fs', /^3 is not a modelled file system; one of xfs, ext4, fuse$/],
  [{ fs: { physBlocks: 4 } }, 'fs.kind', /^missing; one of xfs, ext4, fuse$/],
  [{ fs: { kind: 'ext4', blockSize: 4096, sectorSize: 512, clusterBlocks: 2, physBlocks: 64, swAtomicMax: 0, reflink: false } }, '', /^$/],
  [{ fs: { kind: 'xfs', sectorSize: 4096 } }, '', /^$/],
  [{ device: DEVICES.nvmeAtomic16k, programs: [[open(0, 'O_DIRECT'), { op: 'fdatasync', fd: 0 }, { op: 'statx', fd: 0 }, { op: 'mmap-store', file: 0, offset: 0, id: 'M' }, { op: 'pread', fd: 0, offset: 0, len: 1 }, { op: 'mincore', fd: 0 }]] }, '', /^$/],
  // The lists come from the vocabulary itself (every branch adds to them); the format is what is checked.
  [{ programs: [[{ op: 'pwrite', fd: 0 }]] }, 'programs[0][0].op', new RegExp(`^op "pwrite" is not a modelled syscall; one of ${SYSCALL_OPS.join(', ')}$`)],
  [{ knobs: { a: 1, b: 2 } }, 'knobs', new RegExp(`^unknown fields "a", "b"; known: ${Object.keys(KNOB_VARIANTS).join(', ')}$`)],
  [{ expect: { violatez: 'x' } }, 'expect.violates', /^missing \(must be a property name\)$/],
  [{ fs: [] }, 'fs', /^must be 'xfs' or 'ext4' or 'fuse' or \{ kind, \.\.\. \}$/],
  [{ fs: { kind: 'xfs', blockSize: 1000 } }, 'fs.blockSize', /^must be a multiple of 512 bytes$/],
  [{ fs: { kind: 'xfs', sectorSize: 256 } }, 'fs.sectorSize', /^must be a power of two of at least 512 bytes$/],
  [{ fs: { kind: 'xfs', sectorSize: 1536 } }, 'fs.sectorSize', /^must be a power of two of at least 512 bytes$/],
  [{ fs: { kind: 'xfs', physBlocks: 520 } }, '', /^$/],
  [{ fs: { kind: 'xfs', physBlocks: 0 } }, 'fs.physBlocks', /^must be positive \(blocks of the device\)$/],
  [{ fs: { kind: 'xfs', physBlocks: 2.5 } }, 'fs.physBlocks', /^must be a whole number \(blocks of the device\)$/],
  [{ fs: { kind: 'xfs', reflink: 'yes' } }, 'fs.reflink', /^must be true or false$/],
  [{ fs: { kind: 'ext4', clusterBlocks: 6 } }, 'fs.clusterBlocks', /^must be a power of two \(bigalloc cluster\)$/],
  [{ fs: { kind: 'xfs', swAtomicMax: -1 } }, 'fs.swAtomicMax', /^must not be negative \(bytes\)$/],
  [{ fs: { kind: 'xfs', colour: 1 } }, 'fs', /^unknown field "colour"; known: kind, blockSize, sectorSize, physBlocks, reflink, swAtomicMax, clusterBlocks, allocsize$/],
  [{ fs: { kind: 'xfs', allocsize: 16384 } }, '', /^$/],
  [{ fs: { kind: 'xfs', allocsize: null } }, '', /^$/],
  [{ fs: { kind: 'xfs', allocsize: 12288 } }, 'fs.allocsize', /^must be a power of two from 4096 to 1073741824 bytes \(XFS allocsize=\)$/],
  [{ fs: { kind: 'xfs', allocsize: 2048 } }, 'fs.allocsize', /^must be a power of two from 4096 to 1073741824 bytes/],
  [{ fs: { kind: 'xfs', allocsize: 0 } }, 'fs.allocsize', /^must be positive \(bytes \(the XFS allocsize= mount option\)\)$/],
  [{ fs: { kind: 'xfs', blockSize: 65536, allocsize: 16384 } }, '', /^$/],
  [{ fs: { kind: 'ext4', allocsize: 65536 } }, 'fs.allocsize', /^is the XFS allocsize= mount option; fs.kind is 'ext4'$/],
  [{ device: { ...DEVICES.loop, atomicUnitMax: 3000 } }, 'device.atomicUnitMax', /^must be 0 or a power of two \(bytes\)$/],
  [{ device: { ...DEVICES.loop, atomicUnitMax: 4096 } }, 'device', /^atomicUnitMin must be at most atomicUnitMax, and both 0/],
  [{ device: { ...DEVICES.nvmeAtomic16k, atomicUnitMin: 32768 } }, 'device', /^atomicUnitMin must be at most atomicUnitMax/],
  [{ device: { ...DEVICES.loop, writeCache: 1 } }, 'device.writeCache', /^must be true or false$/],
  [{ knobs: { ext4AtomicAlloc: 'x' } }, 'knobs.ext4AtomicAlloc', /^"x" is not a variant; one of aligned-or-fail, fall-back-to-unaligned, bigalloc-zero-and-commit$/],
  [{ knobs: { atomicDioInvalidateFailure: 'x' } }, 'knobs.atomicDioInvalidateFailure', /^"x" is not a variant; one of fall-back, never$/],
  [{ files: 'none' }, 'files', /^must be a list of files$/],
  [{ files: [{ blocks: 3 }] }, 'files[0].blocks', /^must be a list of blocks$/],
  [{ files: [{ blocks: [{ written: -1 }] }] }, 'files[0].blocks[0].written', /^must not be negative \(physical block\)$/],
  [{ files: [{ blocks: ['hole'], size: -3 }] }, 'files[0].size', /^must not be negative \(bytes\)$/],
  [{ files: [{ blocks: [{ written: 4 }] }] }, 'files[0].blocks[0]', /^physical block p4 is beyond the device \(fs\.physBlocks is 4: p0\.\.p3\)$/],
  [{ files: [{ blocks: [{ written: 7 }] }], fs: 'xfs' }, '', /^$/],
  [{ files: [{ blocks: [{ written: 8 }] }], fs: 'ext4' }, 'files[0].blocks[0]', /^physical block p8 is beyond the device \(fs\.physBlocks is 8: p0\.\.p7\)$/],
  [{ cached: [[1, 0]] }, 'cached[0]', /^file 1 does not exist \(files 0\.\.0\)$/],
  [{ cached: [[0, 0]] }, '', /^$/],
  [{ cached: [[0, 1]] }, 'cached[0]', /^block 1 is outside file 0 \(blocks 0\.\.0\)$/],
  [{ programs: [[open(1, 'O_DIRECT')]] }, 'programs[0][0].file', /^file 1 does not exist \(files 0\.\.0\)$/],
  [{ programs: [[{ op: 'pread', fd: 0, offset: 0, len: 1, file: 5 }]] }, 'programs[0][0]', /^unknown field "file"/],
  [{ cached: 'x' }, 'cached', /^must be a list of \[file, block\] pairs$/],
  [{ programs: 'x' }, 'programs', /^must be a list of programs, one per task$/],
  [{ programs: ['x'] }, 'programs[0]', /^must be a list of syscalls$/],
  [{ programs: [[{ op: 'open', file: 0, access: 'O_RDWR', flags: [], extra: 1 }]] }, 'programs[0][0]', /^unknown field "extra"; known: op, file, access, flags$/],
  [{ programs: [[{ op: 'open', file: 0, access: 'O_RDWX', flags: [] }]] }, 'programs[0][0].access', /^"O_RDWX" is not an access mode; one of O_RDONLY, O_WRONLY, O_RDWR$/],
  [{ programs: [[{ op: 'pwritev2', fd: 0, offset: 0, iov: [], flags: [], id: 'A' }]] }, 'programs[0][0].iov', /^needs at least one segment$/],
  [{ programs: [[{ op: 'pwritev2', fd: 0, offset: 0, iov: [1], flags: 'RWF_SYNC', id: 'A' }]] }, 'programs[0][0].flags', /^must be a list of RWF_\* flags$/],
  [{ programs: [[{ op: 'pwritev2', fd: 0, offset: 0, iov: [1], flags: [], id: '' }]] }, 'programs[0][0].id', /^must name the write$/],
  [{ programs: [[{ op: 'mmap-store', file: 2, offset: 0, id: 'M' }]] }, 'programs[0][0].file', /^file 2 does not exist \(files 0\.\.0\)$/],
  [{ programs: [[{ op: 'mmap-store', file: 0, offset: 0, id: '' }]] }, 'programs[0][0].id', /^must name the store$/],
  [{ programs: [[{ op: 'fsync', fd: -1 }]] }, 'programs[0][0].fd', /^must not be negative \(the ordinal of a successful open\)$/],
  [{ maxPowerLosses: 1.5 }, 'maxPowerLosses', /^must be a whole number \(power losses\)$/],
  [{ maxIoErrors: 'x' }, 'maxIoErrors', /^must be a number \(I\/O errors\)$/],
  [{ backgroundCommit: 'no' }, 'backgroundCommit', /^must be true or false$/],
  [{ flusher: 0 }, 'flusher', /^must be true or false$/],
  [{ blockwiseTransfer: true }, '(scenario)', /^unknown field "blockwiseTransfer"; known: /],
  [{ properties: 'durability' }, 'properties', /^must be a list of property names$/],
  [{ name: '  ' }, 'name', /^must not be empty$/],
  [{ description: 5 }, 'description', /^must be a string saying what the scenario checks and its bound$/],
  [{ files: [{ blocks: ['holes'] }] }, 'files[0].blocks[0]', /^must be 'hole', \{ written: P \} or \{ unwritten: P \}/],
  [{ expect: { violates: 3 } }, 'expect.violates', /^must be a property name$/],
  [{ expect: 'fails' }, 'expect', /^must be 'holds' or \{ violates: 'property-name' \}$/],
  [{ expect: { violates: 'deadlock' } }, '', /^$/],
  [{ expect: { violates: 'durability' }, properties: ['atomic-untorn'] }, 'expect.violates', /^"durability" is not a checked property; one of atomic-untorn, deadlock, progress$/],
  [{ options: { strategy: 'x' } }, 'options.strategy', /^"x" is not a strategy; one of bfs, dfs$/],
  [{ options: { maxDepth: 0 } }, 'options.maxDepth', /^must be positive \(steps\)$/],
  [{ options: { timeLimitMs: -1 } }, 'options.timeLimitMs', /^must be a positive number of milliseconds$/],
  [{ options: { stopAtFirst: 1 } }, 'options.stopAtFirst', /^must be true or false$/],
  [{ options: { sanity: 'max' } }, 'options.sanity', /^"max" is not a sanity level; one of default, paranoid, off$/],
  [{ options: { onProgress: 1 } }, 'options.onProgress', /^must be a function$/],
  [{ knobs: { xfsSwAtomicRetry: 'merged-6.16' }, options: { stopAtFirst: false, sanity: 'off', onProgress: () => undefined } }, '', /^$/],
];

test('each rule names its field and says what is wrong (and valid inputs have no problem)', () => {
  for (const [patch, field, message] of RULES) {
    const problems = scenarioProblems({ ...base, ...patch });
    const label = JSON.stringify(patch);
    if (field === '') {
      assert.deepEqual(problems, [], label);
      continue;
    }
    const p = problems.find((x) => x.field === field);
    assert.ok(p !== undefined, `${label}: no problem for ${field} in ${JSON.stringify(problems)}`);
    assert.match(p.problem, message, label);
  }
});

test('a ScenarioError lists every problem, names the scenario, and says what is missing', () => {
  assert.throws(
    () => scenario({ ...base, name: '', fs: 'XFS', knobs: { xfsSwAtomicRetry: 'm' } } as unknown as ScenarioInput),
    (e: unknown) =>
      e instanceof ScenarioError &&
      e.name === 'ScenarioError' &&
      e.message === 'scenario (unnamed): name: must not be empty; fs: "XFS" is not a modelled file system; one of xfs, ext4, fuse; knobs.xfsSwAtomicRetry: "m" is not a variant; one of posted-v4, proposed-excl, merged-6.16' &&
      e.problems.length === 3 &&
      e.problems[1]!.value === 'XFS' &&
      e.problems[0]!.value === '',
  );
  const { files: _, ...noFiles } = base;
  assert.deepEqual(scenarioProblems(noFiles), [{ field: 'files', problem: 'missing (must be a list of files)' }]);
  assert.deepEqual(scenarioProblems({ ...base, name: 'x', fs: { kind: 'xfs', reflink: 1 } }), [{ field: 'fs.reflink', problem: 'must be true or false' }]);
});
