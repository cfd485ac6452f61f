/** The public test API (testing/): each helper on small spec scenarios, and failures that read well. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BS, DEVICES, open, pread, pwrite, scenario, settings, type ObservedResult, type Syscall } from '../index.ts';
import { afterPowerLossAllowed, allowedAfterPowerLoss, assertScenario, fc, followChoices, outcomeAllowed, programsArb, runSchedule, ScenarioAssertionError, scheduleArb, specRun, syscallCommands } from '../testing/index.ts';
import { brokenMutex } from './models/mutex.ts';

const oneWrite = (expect: 'holds' | { violates: string }) =>
  scenario({
    name: 'plain-write-power-loss',
    description: 'a plain 8 KiB direct write over written blocks, one power loss',
    fs: { kind: 'xfs', physBlocks: 6 },
    device: DEVICES.loop,
    files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
    programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS)]],
    properties: ['torn-reachable'],
    expect,
  });

test('assertScenario returns the result when met and throws the readable trace when not', () => {
  assert.equal(assertScenario(oneWrite('holds')).status, 'ok');
  assert.throws(
    () => assertScenario({ name: 'mutex', description: 'd', model: brokenMutex(), expect: 'holds' }),
    (e: unknown) =>
      e instanceof ScenarioAssertionError &&
      e.result.status === 'violation' &&
      /^scenario "mutex": expected holds, got violates mutual-exclusion\n/.test(e.message) &&
      /trace of 4 steps:\n0  initial state\n/.test(e.message) &&
      /pc\[0\]: 1 → 2/.test(e.message),
  );
});

test('runSchedule: one interleaving, every intermediate state; a step that is not enabled is named with the enabled ones', () => {
  const m = oneWrite('holds').model;
  const steps = runSchedule(m, ['T1', 'T1', 0]);
  assert.equal(steps.length, 4);
  assert.equal(steps[0]!.label, 'init');
  assert.deepEqual(steps[1]!.state.tasks[0]!.results, [{ op: 'open', ret: 0 }]);
  assert.deepEqual(runSchedule(m, ['T1', 'T1', 0]).map((s) => s.state), steps.map((s) => s.state), 'deterministic');
  assert.throws(() => runSchedule(m, ['T2']), /step 1: no enabled action matches "T2" \(enabled: \[0\] T1 do_sys_open/);
  assert.throws(() => runSchedule(m, [7]), /step 1: there is no enabled action #7/);
  const crash = runSchedule(m, ['T1', (a) => a.kind === 'power-loss']);
  assert.equal(crash[2]!.state.crashed, true);
  assert.ok(followChoices(m, [3, 1, 4, 1, 5, 9, 2, 6]).length >= 2);
});

test('outcomeAllowed and allowedAfterPowerLoss answer what a real run may observe', () => {
  const s = settings({ name: 'rw', fs: { kind: 'xfs', physBlocks: 8 }, device: DEVICES.loop, files: [{ blocks: ['hole'], size: 0 }], programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS), pread(0, 0, BS)]], maxPowerLosses: 0 });
  const ok: ObservedResult[] = [{ op: 'open', ret: 0 }, { op: 'pwritev2', id: 'A', ret: BS }, { op: 'pread', ret: BS, data: ['A[0]'] }];
  assert.equal(outcomeAllowed(s, [ok]), true);
  assert.equal(outcomeAllowed(s, [[...ok.slice(0, 2), { op: 'pread', ret: BS, data: ['zero'] }]]), false);
  const torn = settings({ name: 'torn', fs: { kind: 'xfs', physBlocks: 6 }, device: DEVICES.loop, files: [{ blocks: [{ written: 0 }, { written: 1 }] }], programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS)]] });
  const after = allowedAfterPowerLoss(torn);
  assert.ok(after.some((f) => f[0]![0] === 'A[0]' && f[0]![1] === 'f0.init[1]'), 'a plain write may be torn by power loss');
  assert.equal(afterPowerLossAllowed(torn, [['f0.init[0]', 'f0.init[1]']]), true);
  assert.equal(afterPowerLossAllowed(torn, [['zero', 'zero']]), false);
});

test('arbitraries: every generated set of programs builds a valid scenario; schedules run', () => {
  fc.assert(
    fc.property(programsArb(2, { blocks: 2, maxLength: 2 }), scheduleArb(10), (programs, choices) => {
      const s = scenario({ name: 'r', description: 'random', fs: { kind: 'ext4', physBlocks: 8 }, files: [{ blocks: ['hole', 'hole'] }], programs, maxPowerLosses: 0, expect: 'holds' });
      assert.ok(followChoices(s.model, choices).length >= 1);
    }),
    { numRuns: 30 },
  );
});

/** A block store whose bug the model-based run must find: a write of more than one block loses its last block. */
class LossyStore {
  blocks = ['zero', 'zero', 'zero'];
  size = 0;
  fds = 0;
  constructor(private readonly bug: boolean) {}
  apply(c: Syscall): ObservedResult {
    if (c.op === 'open') return { op: 'open', ret: this.fds++ };
    if (c.op === 'pwritev2') {
      const n = c.iov.reduce((a, b) => a + b, 0) / BS;
      for (let k = 0; k < n - (this.bug && n > 1 ? 1 : 0); k++) this.blocks[c.offset / BS + k] = `${c.id}[${k}]`;
      this.size = Math.max(this.size, c.offset + n * BS);
      return { op: 'pwritev2', id: c.id, ret: n * BS };
    }
    if (c.op === 'pread') {
      const ret = Math.max(0, Math.min(c.len, this.size - c.offset));
      return { op: 'pread', ret, data: this.blocks.slice(c.offset / BS, Math.ceil((c.offset + ret) / BS)) };
    }
    if (c.op === 'fsync') return { op: 'fsync', ret: 0 };
    throw new Error(c.op);
  }
}

test('model-based commands: a correct store passes, a store that loses a block is caught with a readable message', () => {
  const base = { fs: { kind: 'xfs' as const, physBlocks: 12 }, device: DEVICES.loop, files: [{ blocks: ['hole' as const, 'hole' as const, 'hole' as const], size: 0 }], maxPowerLosses: 0, backgroundCommit: false, properties: [] };
  const cmds = syscallCommands({ blocks: 3, rwfFlags: [], ops: ['pwritev2', 'pread', 'fsync'] }, 6);
  fc.assert(fc.property(cmds, (c) => fc.modelRun(() => ({ model: specRun(base), real: new LossyStore(false) }), c)), { numRuns: 40 });
  const r = fc.check(fc.property(cmds, (c) => fc.modelRun(() => ({ model: specRun(base), real: new LossyStore(true) }), c)), { numRuns: 200, seed: 11 });
  assert.equal(r.failed, true);
  assert.match(String(r.errorInstance), /pread\(fd 0, \d+ bytes @ \d+\) \(call \d+\) returned \{"op":"pread".*\}; the spec allows \{"op":"pread"/);
});
