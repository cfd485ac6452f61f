/**
 * ext4's buffered-I/O state (Linux 6.18): the buffer heads ext4 attaches to a folio
 * (include/linux/buffer_head.h, fs/buffer.c) and the io_end of a writeback pass
 * (fs/ext4/ext4.h struct ext4_io_end, fs/ext4/page-io.c).
 */
import type { Token } from '../../token.ts';

/**
 * The mapping state one block's buffer head caches (BH_Mapped + b_blocknr, BH_Delay,
 * BH_Unwritten). BH_Uptodate and BH_Dirty are the folio's per-block `uptodate` and `dirty`
 * bits, so they are not repeated here. A delayed buffer is mapped to no real block yet
 * (ext4_da_get_block_prep maps it to an invalid block): `p` is null and `delay` true. A
 * folio block without a buffer head has none attached yet (a folio read in or created by
 * another path): ext4_block_write_begin attaches one and asks get_block for it.
 */
export interface BufferHead {
  /** b_blocknr of a mapped buffer (BH_Mapped without BH_Delay), or null. */
  p: number | null;
  /** BH_Delay: a delayed-allocation reservation, no block yet. */
  delay: boolean;
  /** BH_Unwritten: mapped to an unwritten extent that writeback must convert. */
  unwritten: boolean;
}

/**
 * An io_end whose extent writeback allocated or found unwritten (EXT4_IO_END_UNWRITTEN).
 * Its bios' folios stay under writeback until the conversion work has run
 * (ext4_end_bio → ext4_put_io_end_defer → i_rsv_conversion_work → ext4_end_io_end →
 * ext4_release_io_end → ext4_finish_bio). io_ends without the flag finish per bio at once.
 */
export interface Ext4IoEnd {
  ino: number;
  /** Every bio of the io_end, and those still in flight (io_end->count). */
  bios: number[];
  inflight: number[];
  /** The file blocks to convert (the io_end_vec list). */
  blocks: number[];
  /** The folio blocks the completed bios carried (io_end->bio list), ended by ext4_finish_bio. */
  folios: Array<{ blk: number; t: Token }>;
  /** EXT4_IO_END_FAILED: a bio failed; the extents are then not converted. */
  failed: boolean;
}
