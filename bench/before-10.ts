/**
 * The checker as it was before issue 10's work (commit BEFORE_ISSUE_10, the parent of its first
 * commit f167133), loaded from git at bench time, so that the object contract's speed can be
 * compared with it in the same run on the same models. `git archive` writes that commit's
 * checker/ into a temporary directory; tsx compiles it like ours. That checker imports nothing
 * outside checker/, and its `check(model, options)` reads only init, actions, next, invariants,
 * sometimes, done, key and label, so today's models run through it unchanged (it ignores the
 * hooks issue 10 added: encode, actionKinds/kindOf, footprints).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckResult, Model } from '../checker/index.ts';

export const BEFORE_ISSUE_10 = 'ad99a1f22579adc99c336d79cde4fe738b126844';

export type OldCheck = (model: Model<unknown, unknown>) => CheckResult<unknown, unknown>;

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Why the old checker cannot be had here, or undefined when git and the commit are present. */
function unavailable(): string | undefined {
  try {
    execFileSync('git', ['-C', repo, 'cat-file', '-e', `${BEFORE_ISSUE_10}^{commit}`], { stdio: 'ignore' });
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'git is not installed';
    return `commit ${BEFORE_ISSUE_10.slice(0, 7)} is not in ${repo} (not a git checkout, or a shallow clone)`;
  }
}

/**
 * The old checker's `check` and a clean-up, or the reason the baseline is skipped. Extracted
 * before the benchmark's CPU clock starts.
 */
export async function loadCheckerBeforeIssue10(): Promise<{ check: OldCheck; cleanup: () => void } | string> {
  const why = unavailable();
  if (why !== undefined) return why;
  const dir = mkdtempSync(join(tmpdir(), 'writepath-before-10-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const tar = execFileSync('git', ['-C', repo, 'archive', BEFORE_ISSUE_10, 'checker']);
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    const mod = (await import(pathToFileURL(join(dir, 'checker', 'index.ts')).href)) as { check: OldCheck };
    return { check: mod.check, cleanup };
  } catch (e) {
    cleanup();
    return `extracting checker/ of ${BEFORE_ISSUE_10.slice(0, 7)} failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}
