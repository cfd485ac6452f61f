/**
 * `writepath check --typecheck`: scenario files are run without tsc, so a type mistake the
 * schema does not catch (a misspelt helper, a wrong argument order) would only show as a
 * strange run-time error. This runs the TypeScript compiler on the scenario files alone (no
 * tsconfig: strict, bundler-style module resolution so that a file in a CommonJS package or
 * none is checked like an ES module) and turns each error into "file:line:col: type error".
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.ts';
import { displayName } from './load.ts';

const TSC_OPTIONS = ['--noEmit', '--pretty', 'false', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'preserve', '--moduleResolution', 'bundler', '--allowImportingTsExtensions', '--allowJs', 'false'];

function tscPath(): string {
  for (const base of [join(process.cwd(), 'package.json'), import.meta.url]) {
    try {
      return join(dirname(createRequire(base).resolve('typescript/package.json')), 'bin', 'tsc');
    } catch {
      // not installed there: try the next place
    }
  }
  throw new UsageError('--typecheck needs the TypeScript compiler: npm install --save-dev typescript');
}

/** Type errors in `files` (absolute paths), per file, as "file:line:col: type error: message". */
export function typeErrors(files: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const ts = files.filter((f) => /\.(ts|mts|cts)$/.test(f));
  if (ts.length === 0) return out;
  const r = spawnSync(process.execPath, [tscPath(), ...TSC_OPTIONS, ...ts], { encoding: 'utf8' });
  for (const line of `${r.stdout}`.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m === null) continue;
    const abs = resolve(m[1]!);
    if (!ts.includes(abs)) continue;
    const list = out.get(abs) ?? [];
    list.push(`${displayName(abs)}:${m[2]}:${m[3]}: type error ${m[4]}: ${m[5]}`);
    out.set(abs, list);
  }
  return out;
}
