/**
 * Known gaps G2, G6, G8, G10 and U6 (proofs-notes/conformance.md) were disagreements between
 * Linux 6.18 and the spec that the issue-7 corrections (U6: issue 8f) removed: for each documented minimal
 * program, the spec now allows exactly what the kernel answered on this machine. (Their
 * signatures are gone from conform/known-gaps.ts, so a regression is an unexplained
 * disagreement again.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedOutcomes, DEVICES, open, pread, pwrite, pwritev, settings, type Outcome, type Syscall } from '../spec/index.ts';

const BS = 4096;
const holes = (n: number) => Array.from({ length: n }, () => 'hole' as const);
/** What each syscall of the one task returns (and reads), across every outcome the spec allows. */
function answers(fs: 'xfs' | 'ext4', blocks: number, program: Syscall[]): Set<string> {
  const s = settings({ name: 'gap', fs: { kind: fs, physBlocks: blocks + 8 }, device: DEVICES.loop, files: [{ blocks: holes(blocks), size: 0 }], programs: [program], maxPowerLosses: 0, backgroundCommit: false, properties: [] });
  return new Set(allowedOutcomes(s).map((o: Outcome) => o[0]!.map((r) => (r.op === 'pread' && typeof r.ret === 'number' ? `${r.ret} [${r.data.join(' ')}]` : String(r.ret))).join(', ')));
}

describe('known gaps the Linux 6.18 corrections closed', () => {
  it('G2: XFS checks IOMAP_NOWAIT allocation in ->iomap_begin before a misaligned segment fails at bio time: EAGAIN', () => {
    assert.deepEqual(answers('xfs', 2, [open(0, 'O_DIRECT'), pwritev('W1', 0, 0, [1, 8191], 'RWF_NOWAIT')]), new Set(['0, EAGAIN']));
  });
  for (const fs of ['xfs', 'ext4'] as const) {
    it(`G6 (${fs}): a 1-byte O_DIRECT read of a hole returns the zero byte`, () => {
      assert.deepEqual(answers(fs, 2, [open(0, 'O_DIRECT'), pwrite('W1', 0, BS, 512), pread(0, 0, 1)]), new Set(['0, 512, 1 [{0:zero 1:-}]']));
    });
  }
  it('G8 (ext4): an O_DIRECT write refused with EINVAL at a misaligned segment has landed the mappings before it', () => {
    // 65536 bytes; then 110593 + 1986559 bytes at 20480: ->iomap_begin maps the written blocks
    // 5..15 as one extent, whose bio has nothing misaligned and lands; the next mapping (the
    // holes from block 16) holds the 1-byte piece, and its bio fails.
    const out = answers('ext4', 40, [open(0, 'O_DIRECT'), pwrite('W2', 0, 0, 16 * BS), pwritev('W3', 0, 5 * BS, [27 * BS + 1, 3 * BS - 1]), pread(0, 4 * BS, 5 * BS)]);
    assert.ok([...out].every((a) => a.startsWith('0, 65536, EINVAL, 20480 [W2[4] W3[0] W3[1] W3[2] W3[3]]')), [...out].join(' | '));
  });
  it('G10 (ext4): blocks ->iomap_begin allocated before an EINVAL stay allocated, so a NOWAIT overwrite of them succeeds', () => {
    const out = answers('ext4', 80, [open(0, 'O_DIRECT'), pwritev('W1', 0, 16 * BS, [BS, 63 * BS]), pwrite('W2', 0, 0, 2 * BS + 1), pwrite('W3', 0, 0, BS, 'RWF_DSYNC', 'RWF_NOWAIT')]);
    assert.deepEqual(out, new Set(['0, 262144, EINVAL, 4096']));
  });
  it('U6 (ext4, issue 8f): an O_DIRECT write that extends the file and fails frees what it allocated past i_size (ext4_inode_extension_cleanup), so a NOWAIT write there is no overwrite: EAGAIN', () => {
    // The 20,000-program campaign's case, kernel answers from this machine.
    const out = answers('ext4', 16, [open(0, 'O_DIRECT'), pwritev('W1', 0, 1, [BS, 7 * BS]), pwritev('W2', 0, 5 * BS, [512, 8 * BS - 512]), pwrite('W3', 0, 0, BS, 'RWF_SYNC', 'RWF_NOWAIT', 'RWF_DONTCACHE')]);
    assert.deepEqual(out, new Set(['0, EINVAL, 32768, EAGAIN']));
    // Not extending (G10's side): the allocation stays, the NOWAIT overwrite succeeds.
    assert.deepEqual(answers('ext4', 16, [open(0, 'O_DIRECT'), pwrite('W0', 0, 12 * BS, BS), pwritev('W1', 0, 1, [BS, 7 * BS]), pwrite('W3', 0, 0, BS, 'RWF_NOWAIT')]), new Set(['0, 4096, EINVAL, 4096']));
  });
  for (const fs of ['xfs', 'ext4'] as const) {
    it(`campaign finding (${fs}): a misaligned segment in a bio's first request lands nothing of that mapping`, () => {
      const out = answers(fs, 20, [open(0, 'O_DIRECT'), pwrite('W1', 0, 14 * BS + 512, 2 * BS), pwritev('W2', 0, 14 * BS, [BS + 1, 3071], 'RWF_SYNC', 'RWF_NOWAIT', 'RWF_DONTCACHE'), pread(0, 14 * BS, 3 * BS)]);
      for (const a of out) assert.match(a, /\[\{0:zero 512:W1\[0\]\} W1\[1\] \{0:W1\[2\] 512:-\}\]$/, a);
    });
  }
});
