import { BS, DEVICES, open, pread, pwrite, pwriteBadPage, type SettingsInput } from '../spec/index.ts';
import type { BufferedAtomicShortCopy } from '../spec/knobs.ts';

/**
 * Seed 000's case: a buffered RWF_ATOMIC write of 8 KiB (two pages) into a cached, uptodate
 * folio of the same size (file 0, two written blocks p4-p5, mapping folio size 2 blocks as
 * the RFC requires), on XFS over an NVMe-like device with 4-16 KiB hardware atomic writes.
 * The flusher and one power loss are free to run at any time; the copy from the user
 * buffer may fault at the boundary between its two pages (once, `userFaults: 1`), or every
 * time at its second page (`persistent`). `readAfter`: T1 then reads the range (buffered).
 */
export function shortCopyCase(shortCopy: BufferedAtomicShortCopy, persistent: boolean, readAfter = false): Omit<SettingsInput, 'name'> {
  return {
    fs: { kind: 'xfs', physBlocks: 6 },
    device: DEVICES.nvmeAtomic16k,
    knobs: { bufferedAtomic: 'rfc-2024', bufferedAtomicShortCopy: shortCopy },
    files: [{ blocks: [{ written: 4 }, { written: 5 }], folioBlocks: 2 }],
    cached: [[0, 0]],
    programs: [[open(0), persistent ? pwriteBadPage('A', 0, 0, 2 * BS, 1, 'RWF_ATOMIC') : pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), ...(readAfter ? [pread(0, 0, 2 * BS)] : [])]],
    flusher: true,
    userFaults: persistent ? 0 : 1,
    properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  };
}
