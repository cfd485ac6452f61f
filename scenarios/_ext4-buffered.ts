import { BS, DEVICES, open, pread, pwrite, type SettingsInput } from '../spec/index.ts';
import type { Ext4DataMode } from '../spec/knobs.ts';

/**
 * ext4 delayed allocation meets a power loss: T1's buffered 8 KiB write W into the two holes
 * of an empty file, then a buffered read, with the flusher, background jbd2 commits and one
 * power loss free to run at any time. The four physical blocks hold stale data, so an extent
 * committed as written before its data reached the media shows up as stale[pN]. The knob
 * says how ext4_writepages allocates the delayed extent and what a commit waits for.
 */
export function delallocPowerLossCase(mode: Ext4DataMode): Omit<SettingsInput, 'name' | 'description' | 'expect'> {
  return {
    fs: { kind: 'ext4', physBlocks: 4 },
    device: DEVICES.loop,
    knobs: { ext4DataMode: mode },
    files: [{ blocks: ['hole', 'hole'], size: 0 }],
    programs: [[open(0), pwrite('W', 0, 0, 2 * BS), pread(0, 0, 2 * BS)]],
    flusher: true,
    properties: ['durability', 'no-stale-data', 'read-consistency'],
  };
}
