/** The page cache's state (mm/, include/linux/pagemap.h, include/linux/page-flags.h; Linux 6.18). */
import type { Errseq } from '../lib/errseq.ts';
import type { Token } from '../token.ts';
import type { BufferHead } from '../fs/ext4/types.ts';

/**
 * One block of a page-cache folio. A folio covers `nr` blocks from `head` (order > 0 when
 * nr > 1: the mapping's minimum folio order, see AddressSpace.folioBlocks); pageCache[ino]
 * holds one entry per block of it. `t`, `uptodate` and `dirty` are per block — the
 * iomap_folio_state (ifs) uptodate and dirty bitmaps; the folio's PG_uptodate is "every
 * block uptodate", PG_dirty "some block dirty". `writeback`, `dropbehind` and `atomic` are
 * folio flags, equal in every block of the folio (a test checks that). PG_locked is a field
 * only for the one section that holds it across steps, a buffered read's I/O (`locked`);
 * every other section that holds a folio lock (iomap_write_begin to the unlock after
 * iomap_write_end, one folio's writeback, an invalidation) is a single step, so no other
 * actor can observe it held.
 */
export interface Folio {
  t: Token;
  /** ifs uptodate bit: `t` is the file's data (a read or a whole-block copy filled it). */
  uptodate: boolean;
  /** ifs dirty bit: newer than the disk; writeback must write it. */
  dirty: boolean;
  /** The folio's first block and its number of blocks. */
  head: number;
  nr: number;
  /** PG_atomic (the seed 000 RFC): written by an RWF_ATOMIC write, to be written back as one REQ_ATOMIC bio. */
  atomic: boolean;
  /** PG_writeback: a writeback bio carrying this folio is in flight. */
  writeback: boolean;
  /** PG_dropbehind: created by an RWF_DONTCACHE write; invalidated when its writeback ends clean. */
  dropbehind: boolean;
  /**
   * PG_locked held across steps: only by a buffered read whose read I/O is in flight (the
   * folio was added locked by readahead or filemap_create_folio, or locked by
   * filemap_update_page to fill it); folio_end_read clears it. Absent: unlocked. Equal in
   * every block of the folio.
   */
  locked?: true;
  /** ext4: this block's buffer head (folio->private), once ext4 attached one (fs/ext4/types.ts). */
  bh?: BufferHead;
  /**
   * ext4: PG_uptodate is clear although the block's buffer is uptodate and `t` is the file's
   * data (so `uptodate` stays true for every reader of the data): __ext4_block_zero_page_range
   * found no folio, created one and read only the buffer (ext4_read_bh_lock) before zeroing
   * part of it and marking the buffer dirty. mincore does not count such a folio
   * (folio_test_uptodate); the next buffered read (block_read_full_folio: every buffer
   * uptodate, no I/O) or write into it sets PG_uptodate. Absent: PG_uptodate as `uptodate`.
   */
  pgNotUptodate?: true;
  /**
   * iomap (XFS): the large folio has no iomap_folio_state: a buffered write covered it whole
   * when it had none (__iomap_write_begin allocates one for any other write into it, as do
   * iomap_dirty_folio, a read and writeback), or a split left it so. iomap_release_folio
   * then succeeds even when the folio is dirty, so truncate_inode_partial_folio can split
   * it. Equal in every block of the folio. Absent: it has one (or the question is moot).
   */
  noIfs?: true;
}

/**
 * The rest of a completed writeback bio's walk over its folios (fs/iomap/ioend.c
 * iomap_finish_ioend_buffered, fs/ext4/page-io.c ext4_finish_bio: bio_for_each_folio_all, one
 * folio_end_writeback after the other). A walk that has just dropped an RWF_DONTCACHE folio
 * (folio_end_dropbehind) waits here for its next step, so a reader or mincore can see the
 * first folio gone and the next one still cached (proofs-notes/conformance.md, U10). `heads`:
 * a block of each folio still to walk, in bio order. `by`: whose walk (iomap also clears the
 * RFC's PG_atomic). `inTask`: in task context (a workqueue), where dropbehind invalidates.
 */
export interface FolioEndWalk {
  ino: number;
  heads: number[];
  inTask: boolean;
  by: 'iomap' | 'ext4';
}

/**
 * A read bio in flight (fs/iomap/buffered-io.c iomap_readahead / iomap_read_folio,
 * fs/ext4/readpage.c ext4_mpage_readpages): blocks of file `ino` whose folios are locked and
 * !uptodate until the bio completes on its own (iomap_read_end_io, mpage_end_io →
 * folio_end_read), whether or not the read that submitted it still waits. One bio covers
 * blocks whose physical blocks follow each other; holes never get one (they are zeroed and
 * their folios unlocked at submission). `at`: what the device held at submission.
 */
export interface ReadBio {
  ino: number;
  blocks: Array<{ blk: number; p: number; at: Token }>;
  by: 'iomap' | 'ext4';
}

/**
 * The parts of struct address_space that writeback errors live in: `wb_err` (the errseq_t
 * every open file samples) and the legacy AS_EIO / AS_ENOSPC flag bits, which
 * filemap_check_errors tests and clears.
 */
export interface AddressSpace {
  wbErr: Errseq;
  asEio: boolean;
  asEnospc: boolean;
  /**
   * Blocks per folio: the mapping's minimum folio order (mapping_set_folio_min_order), 1
   * unless the scenario sets it. The buffered-atomic RFC needs folios of the atomic write's
   * size. Static for a scenario.
   */
  folioBlocks: number;
  /** i_blocksize of the host (sub-block data: where i_size falls inside a block). Static. */
  blockSize: number;
  /**
   * The mapping's maximum folio size in blocks (mapping_set_folio_min_order /
   * mapping_set_folio_order_range: MAX_PAGECACHE_ORDER, 512 pages on x86-64, for XFS and
   * ext4 regular files in 6.18; FUSE sets no large-folio range, so its folios stay at the
   * minimum). Absent: the minimum.
   */
  maxFolioBlocks?: number;
}

/**
 * A page-table entry of a shared file mapping, per page (one block): not present, present
 * read-only (a store faults: ->page_mkwrite), or present writable (a store goes straight to
 * the folio). With write-notify (vma_wants_writenotify: the file system has ->page_mkwrite),
 * a PTE is writable only between ->page_mkwrite and the next folio_mkclean.
 */
export type Pte = 'none' | 'ro' | 'rw';

/**
 * A MAP_SHARED, PROT_READ|PROT_WRITE mapping (a vm_area_struct) of `nblk` file blocks from
 * `blk`, made by task `task` (each task its own mm) through its open file `fd`; `id` is the
 * ordinal of the task's successful mmap calls. `pte[i]` is the PTE of block blk+i.
 */
export interface Vma {
  task: number;
  id: number;
  fd: number;
  ino: number;
  blk: number;
  nblk: number;
  pte: Pte[];
}
