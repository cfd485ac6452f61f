/**
 * Running a scenario inside another project's test: `assertScenario` checks it and, when the
 * result does not meet the scenario's expectation, throws an error whose message is the
 * readable trace `writepath check` prints (the table row, then every counterexample).
 */
import { check, describeExpectation, describeResult, meetsExpectation, type CheckOptions, type CheckResult, type Scenario } from '../checker/index.ts';
import { formatTable, formatViolation, type Outcome, type Styles } from '../cli/report.ts';

const plain: Styles = { ok: (s) => s, bad: (s) => s, dim: (s) => s, bold: (s) => s };

/** The failure of a scenario in a test: the message is the trace; the result is attached. */
export class ScenarioAssertionError extends Error {
  override readonly name = 'ScenarioAssertionError';
  constructor(
    message: string,
    readonly result: CheckResult<unknown, unknown>,
  ) {
    super(message);
  }
}

/** The human report of one scenario's result: its row, then every counterexample's trace. */
export function formatScenarioResult(s: Scenario, result: CheckResult<unknown, unknown>, file = '(test)'): string {
  const o: Outcome = { loaded: { file, path: file, index: 0, scenario: s }, result, met: meetsExpectation(result, s.expect) };
  return [formatTable([o], plain), ...result.violations.map((v) => formatViolation(o, v, plain))].join('\n\n');
}

/**
 * Checks a scenario with its own options (and `options` on top) and returns the result when
 * it meets the scenario's expectation; otherwise throws a ScenarioAssertionError whose
 * message says what was expected, what was found, and the trace.
 */
export function assertScenario<S, A>(s: Scenario<S, A>, options: CheckOptions = {}): CheckResult<S, A> {
  const result = check(s.model, { ...s.options, ...options });
  if (meetsExpectation(result as CheckResult<unknown, unknown>, s.expect)) return result;
  const head = `scenario "${s.name}": expected ${describeExpectation(s.expect)}, got ${describeResult(result as CheckResult<unknown, unknown>)}`;
  throw new ScenarioAssertionError(`${head}\n\n${formatScenarioResult(s as Scenario, result as CheckResult<unknown, unknown>)}`, result as CheckResult<unknown, unknown>);
}
