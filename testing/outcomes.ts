/**
 * Asking the spec whether something observed on a real system is allowed: the syscall
 * results of a program (return codes, bytes, the data read), and the files' contents after
 * a power loss.
 */
import { canonicalJson } from '../checker/index.ts';
import { allowedOutcomes, bfsExplorer, buildModel, fileContent, type Outcome, type Settings, type Token, type World } from '../spec/index.ts';

/** Whether the spec allows this outcome (per task, the observed results in order; see spec `observe`). */
export function outcomeAllowed(s: Settings, observed: Outcome): boolean {
  const key = canonicalJson(observed);
  return allowedOutcomes(s).some((o) => canonicalJson(o) === key);
}

/**
 * Every content the scenario's files may have after one power loss at any point of its
 * programs (and log recovery): per outcome, one token list per file. Sorted, distinct.
 */
export function allowedAfterPowerLoss(s: Settings): Token[][][] {
  const model = buildModel({ ...s, maxPowerLosses: 1, properties: [] });
  const found = new Map<string, Token[][]>();
  bfsExplorer(model, (w: World) => {
    if (!w.crashed) return;
    const files = w.inodes.map((_, ino) => fileContent(w, ino));
    found.set(canonicalJson(files), files);
  });
  return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
}

/** Whether the spec allows these file contents (one token list per file) after a power loss. */
export function afterPowerLossAllowed(s: Settings, files: Token[][]): boolean {
  const key = canonicalJson(files);
  return allowedAfterPowerLoss(s).some((f) => canonicalJson(f) === key);
}
