/**
 * Issue 10's "every scenario gives the same verdict with and without each reduction", for the
 * spec's partial-order reduction (spec/footprints.ts), which `writepath check` applies by
 * default: every scenario under scenarios/, with the reductions the CLI gives it (symmetry and
 * the view when the model has them, cli/worker.ts), with and without partial-order reduction.
 * The same status and violated properties; each counterexample of the reduced search replays
 * and ends where its property fails, and is no shorter than the full search's (BFS is shortest
 * in the reduced graph only, proofs-notes/checker.md); the reduced search stores no more states.
 *
 * A weak oracle, measured: the reduction cuts few of these scenarios' states (7 of 121), and
 * none of five deliberate breaks changed a verdict here — C1 dropped, C2 dropped, power loss
 * left out of the reduced states, the tasks' futures empty, coverage widened to FUSE, flusher
 * and reclaim worlds. The first four are caught by the random-system tests
 * (test/checker-reductions*: 9, 10 and 1 failures) and the footprint audit (test/spec-por); the
 * widened coverage by none yet (the audit walks no FUSE or flusher scenario: adding
 * fuse-dio-read-during-write shows a property reading a task's syscall state, which the
 * footprints call invisible — harmless while FUSE worlds are never covered, open). This one
 * catches a reduction that errs or throws on some scenario's worlds, loses a violation, or
 * gives a trace that does not replay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, validateTrace, type CheckResult, type Model } from '../checker/index.ts';
import { loadTargets } from '../cli/load.ts';
import { withReductions } from '../cli/reductions.ts';

const { scenarios: loaded } = await loadTargets([], 'scenarios');

const violated = (r: CheckResult<unknown, unknown>): string[] => r.violations.map((v) => `${v.kind}:${v.property}`).sort();

test('partial-order reduction: every scenario gives the full search\'s verdict, violated properties and replayable counterexamples', () => {
  let reducedSomewhere = 0;
  for (const { file, scenario } of loaded) {
    const m = scenario.model as Model<unknown, unknown>;
    assert.ok(m.footprints !== undefined, `${file}: the spec model gives footprints`);
    // As cli/worker.ts runs it, and the same without the partial-order reduction.
    const full = check(m, withReductions(scenario, scenario.options ?? {}, { partialOrder: false, symmetry: true, view: true }, false));
    const reduced = check(m, withReductions(scenario, scenario.options ?? {}, { partialOrder: true, symmetry: true, view: true }, false));
    const where = `${scenario.name} (${file})`;
    assert.equal(reduced.status, full.status, `${where}: status`);
    assert.deepEqual(violated(reduced), violated(full), `${where}: violated properties`);
    assert.ok(reduced.distinctStates <= full.distinctStates, `${where}: ${reduced.distinctStates} states reduced against ${full.distinctStates}`);
    if (reduced.distinctStates < full.distinctStates) reducedSomewhere++;
    for (const v of reduced.violations) {
      if (v.kind === 'sometimes') continue;
      assert.equal(validateTrace(m, v.trace), undefined, `${where}: ${v.property}'s trace replays`);
      const last = v.trace[v.trace.length - 1]!.state;
      if (v.kind === 'invariant') assert.equal(m.invariants![v.property]!(last), false, `${where}: ${v.property}'s trace ends where it fails`);
      if (v.kind === 'deadlock') assert.equal(m.actions(last).length, 0, `${where}: the deadlock trace ends in a deadlock`);
      const shortest = full.violations.find((x) => x.kind === v.kind && x.property === v.property);
      assert.ok(shortest !== undefined && v.trace.length >= shortest.trace.length, `${where}: ${v.property}'s trace is shorter than the full search's shortest`);
    }
  }
  // The reduction is not idle: issue 10v saw seven scenarios cut.
  assert.ok(reducedSomewhere >= 5, `only ${reducedSomewhere} scenarios were reduced`);
});
