import { BS, DEVICES, open, pwrite, type SettingsInput } from '../spec/index.ts';
import type { BufferedAtomicMerge } from '../spec/knobs.ts';

/**
 * An atomic folio next to a non-atomic dirty one: file 0 has four written blocks p4-p7
 * (contiguous on disk) in 2-block folios; T1 writes B (8 KiB at 0, no flags) then A
 * (RWF_ATOMIC, 8 KiB at 8 KiB), buffered. The flusher may write back a folio alone or
 * with the dirty folios after it as one ioend; one power loss.
 */
export function mergeCase(merge: BufferedAtomicMerge): Omit<SettingsInput, 'name'> {
  return {
    fs: { kind: 'xfs', physBlocks: 8 },
    device: DEVICES.nvmeAtomic16k,
    knobs: { bufferedAtomic: 'rfc-2024', bufferedAtomicMerge: merge },
    files: [{ blocks: [{ written: 4 }, { written: 5 }, { written: 6 }, { written: 7 }], folioBlocks: 2 }],
    programs: [[open(0), pwrite('B', 0, 0, 2 * BS), pwrite('A', 0, 2 * BS, 2 * BS, 'RWF_ATOMIC')]],
    flusher: true,
    properties: ['atomic-untorn', 'atomic-one-request', 'no-stale-data', 'read-consistency'],
  };
}
