import type { CheckResult, Expectation } from './types.ts';

/** Whether a result meets an expectation. An incomplete search or a model error meets none. */
export function meetsExpectation(result: CheckResult<unknown, unknown>, expect: Expectation): boolean {
  if (expect === 'holds') return result.status === 'ok';
  return result.status === 'violation' && result.violations.some((v) => v.property === expect.violates);
}

/** One-word summary of a result: "holds", "violates P", "incomplete (maxStates)", "error". */
export function describeResult(result: CheckResult<unknown, unknown>): string {
  switch (result.status) {
    case 'ok':
      return 'holds';
    case 'violation':
      // A violation found before a limit ended the search is real; say the rest was not searched.
      return `violates ${result.violations.map((v) => v.property).join(', ')}${result.incompleteReason === undefined ? '' : ` (incomplete: ${result.incompleteReason})`}`;
    case 'incomplete':
      return `incomplete (${result.incompleteReason ?? 'limit'})`;
    case 'error':
      return 'error';
  }
}

export function describeExpectation(expect: Expectation): string {
  return expect === 'holds' ? 'holds' : `violates ${expect.violates}`;
}
