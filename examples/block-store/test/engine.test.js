// Uses only writepath's public API, as installed from its package: plain JavaScript, no tsx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BS, DEVICES, open, pread, pwrite, scenario, settings, allowedOutcomes } from 'writepath';
// fc is fast-check, re-exported so that its arbitraries and writepath's are one instance.
import { assertScenario, fc, runSchedule, outcomeAllowed, programArb, syscallCommands, specRun, ScenarioAssertionError } from 'writepath/testing';
import { BlockStore } from '../engine.js';

const twoWriters = (knob) =>
  scenario({
    name: `two-atomic-writers-${knob}`,
    description: 'T1 and T2 each write 8 KiB with RWF_ATOMIC over the same written blocks; one power loss',
    fs: { kind: 'xfs', physBlocks: 6 },
    device: DEVICES.loop,
    knobs: { xfsSwAtomicRetry: knob },
    files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
    programs: [
      [open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')],
      [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 2 * BS, 'RWF_ATOMIC')],
    ],
    properties: ['atomic-untorn'],
    expect: 'holds',
  });

test('assertScenario passes when the spec meets the expectation, and throws the trace when not', () => {
  assertScenario(twoWriters('proposed-excl'));
  assert.throws(
    () => assertScenario(twoWriters('merged-6.16')),
    (e) => e instanceof ScenarioAssertionError && /expected holds, got violates atomic-untorn/.test(e.message) && /trace of \d+ steps/.test(e.message),
  );
});

test('runSchedule executes one interleaving and returns every intermediate state', () => {
  const steps = runSchedule(twoWriters('merged-6.16').model, ['T1', 'T2']);
  assert.deepEqual(steps.map((s) => s.label.split(' ')[0]), ['init', 'T1', 'T2']);
  assert.equal(steps[2].state.tasks[1].results[0].ret, 0, "T2's open returned fd 0");
});

test('outcomeAllowed: what a plain write then a read may return', () => {
  const s = settings({
    name: 'rw', fs: { kind: 'xfs', physBlocks: 8 }, device: DEVICES.loop,
    files: [{ blocks: ['hole', 'hole'], size: 0 }],
    programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS), pread(0, 0, 2 * BS)]],
    maxPowerLosses: 0,
  });
  const good = [[{ op: 'open', ret: 0 }, { op: 'pwritev2', id: 'A', ret: BS }, { op: 'pread', ret: BS, data: ['A[0]'] }]];
  assert.equal(outcomeAllowed(s, good), true);
  const stale = [[{ op: 'open', ret: 0 }, { op: 'pwritev2', id: 'A', ret: BS }, { op: 'pread', ret: BS, data: ['zero'] }]];
  assert.equal(outcomeAllowed(s, stale), false);
  assert.ok(allowedOutcomes(s).length >= 1);
});

test('programArb generates programs that the spec accepts', () => {
  fc.assert(
    fc.property(programArb({ blocks: 2, maxLength: 3, rwfFlags: [] }), (program) => {
      const s = settings({ name: 'p', fs: 'xfs', device: DEVICES.loop, files: [{ blocks: ['hole', 'hole'], size: 0 }], programs: [program], maxPowerLosses: 0 });
      assert.ok(allowedOutcomes(s).length >= 1);
    }),
    { numRuns: 20 },
  );
});

test('the block store agrees with the spec, syscall by syscall (model-based)', () => {
  const base = { fs: { kind: 'xfs', physBlocks: 12 }, device: DEVICES.loop, files: [{ blocks: ['hole', 'hole', 'hole'], size: 0 }], maxPowerLosses: 0, backgroundCommit: false, properties: [] };
  fc.assert(
    fc.property(syscallCommands({ blocks: 3, rwfFlags: [], ops: ['pwritev2', 'pread', 'fsync'] }, 6), (cmds) => {
      fc.modelRun(() => ({ model: specRun(base), real: new BlockStore(3) }), cmds);
    }),
    { numRuns: 25 },
  );
});
