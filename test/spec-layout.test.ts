import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { KERNEL_VERSION } from '../spec/index.ts';

const root = new URL('../spec/', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

describe('spec layout', () => {
  it(`every module's opening comment names the one kernel version it models (Linux ${KERNEL_VERSION}), and none cites another as its source`, () => {
    for (const f of files(root)) {
      const text = readFileSync(f, 'utf8');
      const head = text.slice(0, 2000);
      assert.match(head, new RegExp(`Linux ${KERNEL_VERSION.replace('.', '\\.')}`), `${relative(root, f)} does not state Linux ${KERNEL_VERSION}`);
      assert.doesNotMatch(text, /\bv6\.1[0-79]\b/, `${relative(root, f)} cites another kernel version as its source`);
    }
  });
  it('the layers live where the kernel has them', () => {
    for (const dir of ['block', 'mm', 'fs/iomap', 'fs/xfs', 'fs/ext4', 'vfs', 'kernel/locking']) {
      assert.ok(statSync(join(root, dir)).isDirectory(), `spec/${dir}`);
    }
  });
});
