/**
 * Knobs: kernel behaviours the mailing-list threads argue about, as named scenario
 * settings. Each variant is one documented behaviour of the same code, never a fork.
 *
 * Models Linux 6.18.
 */

export interface Knobs {
  ext4AtomicAlloc: Ext4AtomicAlloc;
  atomicDioInvalidateFailure: AtomicDioInvalidateFailure;
  xfsSwAtomicRetry: XfsSwAtomicRetry;
  wbErrReporting: WbErrReporting;
  iomapValid: IomapValid;
  uncached: Uncached;
  uncachedFlushError: UncachedFlushError;
  fuseMode: FuseMode;
  fuseUptodate: FuseUptodate;
  fuseWriteFailure: FuseWriteFailure;
  fuseSyncWait: FuseSyncWait;
  bufferedAtomic: BufferedAtomic;
  bufferedAtomicShortCopy: BufferedAtomicShortCopy;
  bufferedAtomicMerge: BufferedAtomicMerge;
  ext4DataMode: Ext4DataMode;
  ext4EndIoFailure: Ext4EndIoFailure;
  ext4AutoDaAlloc: Ext4AutoDaAlloc;
  truncateZeroFlush: TruncateZeroFlush;
  faultInvalidateLock: FaultInvalidateLock;
  xfsWritebackMapValid: XfsWritebackMapValid;
}

/**
 * How ext4 finds blocks for an RWF_ATOMIC direct write (seed 001).
 *  - 'aligned-or-fail': the 2023 RFC. mballoc allocates a power-of-two aligned physical run
 *    for a hole; if free space has none the write fails (ENOSPC from ext4_mb_new_blocks).
 *    Unwritten blocks in the range are converted at I/O completion.
 *  - 'fall-back-to-unaligned': the RFC's open TODO taken the other way: when no aligned run
 *    exists, allocate whatever is free; the write then goes out as several requests.
 *  - 'bigalloc-zero-and-commit': what Linux merged in 6.16 (ext4/atomic_writes.rst):
 *    multi-block atomic writes only on bigalloc, cluster alignment gives the physical
 *    alignment, and a mixed mapping (hole/unwritten/written) is zeroed into one written
 *    extent and the journal committed before the data I/O.
 *    An atomic write's unwritten extents are converted in one journal handle
 *    (ext4_convert_unwritten_extents_atomic); in the RFC's variants one handle per extent.
 */
export type Ext4AtomicAlloc = 'aligned-or-fail' | 'fall-back-to-unaligned' | 'bigalloc-zero-and-commit';

/**
 * What __iomap_dio_rw does when kiocb_invalidate_pages fails for an atomic write.
 *  - 'fall-back': before the ext4 RFC's first patch: -ENOTBLK, and the file system redoes
 *    the write through the page cache (no atomicity).
 *  - 'never': the RFC's patch 1 "iomap: Don't fall back to buffered write if the write is
 *    atomic", merged: -EAGAIN for IOCB_ATOMIC.
 */
export type AtomicDioInvalidateFailure = 'fall-back' | 'never';

/**
 * When XFS retries an atomic direct write in software (CoW) mode (seed 003).
 *  - 'posted-v4': John Garry's v4 (March 2025): any -EAGAIN from iomap_dio_rw (including
 *    a failed page-cache invalidation) triggers the retry, under the exclusive IOLOCK and
 *    with IOMAP_DIO_FORCE_WAIT.
 *  - 'proposed-excl': the fix floated on linux-xfs in July 2025: the merged ENOPROTOOPT
 *    trigger, but the software path takes the IOLOCK exclusive and forces the wait.
 *  - 'merged-6.16': only ->iomap_begin's -ENOPROTOOPT (or a length above the hardware
 *    limit) selects the software path; shared IOLOCK, no forced wait; an invalidation
 *    failure reaches user space as EAGAIN.
 */
export type XfsSwAtomicRetry = 'posted-v4' | 'proposed-excl' | 'merged-6.16';

/**
 * How fsync learns of a writeback error (seed: the 2018 "fsyncgate" thread; lib/errseq.c).
 *  - 'as-eio': before Linux 4.13: mapping_set_error only sets AS_EIO / AS_ENOSPC, and
 *    fsync's filemap_check_errors tests and clears them, so the first fsync on any open
 *    file gets the error and every other open file's fsync returns 0.
 *  - 'errseq': 4.13 onwards with the 2018 "always report a writeback error once" fix, as
 *    in 6.18: mapping->wb_err is an errseq_t, each open file samples it at open, and
 *    file_check_and_advance_wb_err reports an error once per open file.
 */
export type WbErrReporting = 'as-eio' | 'errseq';

/**
 * Whether a buffered write checks that the iomap it cached is still valid (seed 002; Dave
 * Chinner's "xfs, iomap: fix data corruption due to stale cached iomaps", merged for 6.2).
 *  - 'none': before 6.2: iomap_write_iter uses the mapping ->iomap_begin returned for every
 *    folio it covers, however the extent map changed meanwhile (writeback converting
 *    delalloc, I/O completion converting unwritten, a punch).
 *  - 'checked': 6.2 onwards: with the folio locked, iomap_write_begin calls ->iomap_valid
 *    (xfs_iomap_valid compares the cookie with if_seq); a stale map sets IOMAP_F_STALE and
 *    iomap_iter maps the rest of the range again.
 */
export type IomapValid = 'none' | 'checked';

/**
 * What RWF_UNCACHED (2019) / RWF_DONTCACHE (6.14) does to a buffered write (seed 002).
 *  - 'per-page-2019': Jens Axboe's December 2019 patch: inside the iomap write actor, each
 *    folio the write created is written out, waited for and dropped as soon as the copy
 *    has passed its end, while the actor keeps using the iomap it was given.
 *  - 'per-call-fix': Dave Chinner's counter-proposal in the thread: after ->iomap_end,
 *    write back and wait for the whole range once per call (filemap_write_and_wait_range),
 *    then invalidate it if the write met no folio that was already cached.
 *  - 'dontcache-6.18': what Linux merged: folios the write creates are marked dropbehind
 *    (FGP_DONTCACHE; a later lookup without it clears the mark), generic_write_sync kicks
 *    non-integrity writeback of the range after the write (its result ignored), and a
 *    dropbehind folio is invalidated when its writeback completes if it is still clean.
 */
export type Uncached = 'per-page-2019' | 'per-call-fix' | 'dontcache-6.18';

/**
 * What the 'per-call-fix' variant does when its writeback fails (Dave Chinner: "should that
 * error be returned or ignored?").
 *  - 'returned': the write returns -EIO.
 *  - 'ignored': the write returns the bytes it copied, as his sketch's
 *    `return written ? written : ret` does; the error only reaches fsync (errseq).
 */
export type UncachedFlushError = 'returned' | 'ignored';

/**
 * FUSE's buffered write mode (seed 004; fs/fuse/file.c fuse_cache_write_iter).
 *  - 'writeback-cache': the server negotiated FUSE_CAP_WRITEBACK_CACHE: write(2) dirties
 *    the page cache and writeback sends WRITE requests later (fuse_writepages).
 *  - 'write-through': the default: write(2) sends WRITE requests synchronously
 *    (fuse_perform_write) and the pages stay clean.
 */
export type FuseMode = 'writeback-cache' | 'write-through';

/**
 * Where the write-through path marks a page uptodate (seed 004, Vivek Goyal's patch for
 * the write deadlock, merged as 4f06dd92b5d0 "fuse: fix write deadlock").
 *  - 'after-write': before that commit: every page of the request stays locked until the
 *    server answers, and fuse_send_write_pages sets PG_uptodate on a fully written page
 *    only if the WRITE succeeded.
 *  - 'before-write': the patch and Linux 6.18: fuse_fill_write_pages marks a fully copied
 *    page uptodate before the WRITE, and rule D: an uptodate page is unlocked at once and
 *    more pages may join the request; a page left not uptodate (a partial write) stays
 *    locked until the reply and ends the request.
 */
export type FuseUptodate = 'after-write' | 'before-write';

/**
 * What a failed or short write-through WRITE does to the pages it carried (seed 004,
 * Miklos Szeredi: "On write failure the page the uptodate flag should be cleared").
 *  - 'leave-uptodate': the patch as first posted (and the old code for a page that was
 *    already uptodate): the page keeps PG_uptodate and the data the server never took.
 *  - 'clear-uptodate': merged, Linux 6.18: on an error every page of the request, on a
 *    short reply every page from the first one not fully written on, loses PG_uptodate.
 */
export type FuseWriteFailure = 'leave-uptodate' | 'clear-uptodate';

/**
 * Whether the synchronous WRITE waits for writeback of its pages (seed 004: "calling
 * fuse_wait_on_page_writeback() after having gotten a locked page in the synchronous
 * writeback path").
 *  - 'no-wait': the thread's code: a WRITE from writeback (mmap-dirtied data) and the
 *    synchronous WRITE of write(2) for the same page can be in flight together.
 *  - 'wait': Linux 6.18: fuse_send_write_pages calls folio_wait_writeback on every page
 *    before sending the WRITE.
 */
export type FuseSyncWait = 'no-wait' | 'wait';

/**
 * Buffered RWF_ATOMIC (seed 000: John Garry's RFC "fs: iomap: buffered atomic write
 * support", April 2024).
 *  - 'rfc-2024': XFS accepts RWF_ATOMIC without O_DIRECT: the write runs with IOMAP_ATOMIC,
 *    which sets PG_atomic on the folio (a write without it clears the flag); the folio must
 *    be exactly the write's size (iomap_get_folio's safety check against the mapping's folio
 *    order, -EINVAL otherwise); writeback sends an atomic folio as one REQ_ATOMIC bio and
 *    clears PG_atomic when its writeback ends.
 *  - 'eopnotsupp-6.18': Linux 6.18: generic_atomic_write_valid refuses a buffered RWF_ATOMIC
 *    write with -EOPNOTSUPP, after the size, segment and alignment checks (EINVAL).
 */
export type BufferedAtomic = 'rfc-2024' | 'eopnotsupp-6.18';

/**
 * What a buffered atomic write does when copy_folio_from_iter_atomic stops short at a
 * faulting user page (Matthew Wilcox's objection in the seed 000 thread).
 *  - 'short-copy': as posted: iomap_write_iter's ordinary short-copy handling. Into an
 *    uptodate folio the copied part is kept and dirtied, the folio unlocked, and the rest
 *    copied on the next round after fault_in_iov_iter_readable: writeback may run between
 *    and write the partly copied folio.
 *  - 'clear-dirty-then-retry': as proposed in the thread: the folio's dirty bit is cleared
 *    after iomap_write_begin and set only when the whole chunk is copied; a short copy
 *    retries the whole chunk, at most three tries, then -EFAULT.
 *  - 'retry-without-bound': the same proposal without its bound (the loop the bound answers:
 *    iomap_write_iter's `goto retry` keeps no count, so a user page that never becomes
 *    readable retries forever). Only `check --progress` (or a scenario with options.progress)
 *    sees it: a livelock, a violation of 'progress'.
 */
export type BufferedAtomicShortCopy = 'short-copy' | 'clear-dirty-then-retry' | 'retry-without-bound';

/**
 * Whether writeback may add an atomic folio to an ioend with other folios.
 *  - 'mixed-bio': iomap_add_to_ioend merges any folio that is contiguous in the file and on
 *    disk, whatever its PG_atomic; the bio carries REQ_ATOMIC when the folio that opened the
 *    ioend was atomic (iomap_alloc_ioend).
 *  - 'own-bio': as posted: an atomic folio never shares an ioend: it gets its own
 *    REQ_ATOMIC bio.
 */
export type BufferedAtomicMerge = 'mixed-bio' | 'own-bio';

/**
 * How ext4 writeback allocates a delayed extent and what a jbd2 commit then waits for
 * (fs/ext4/inode.c mpage_map_one_extent, ext4_map_blocks; fs/jbd2/commit.c). The mount
 * options data=ordered|writeback and dioread_nolock|dioread_lock.
 *  - 'ordered-dioread-nolock': the default since 5.6 ("ext4: make dioread_nolock the
 *    default", 244adf6426ee): EXT4_GET_BLOCKS_IO_CREATE_EXT allocates the extent
 *    unwritten; the bio's completion converts it in a new handle (ext4_end_io_rsv_work).
 *    An unwritten block is not EXT4_MAP_NEW-written, so the inode does not join the
 *    transaction's ordered list: a commit never waits for data.
 *  - 'ordered-dioread-lock': data=ordered without dioread_nolock (the default before 5.6):
 *    the extent is allocated written, and the inode joins the running transaction's ordered
 *    list (ext4_jbd2_inode_add_wait); the commit waits for that data first.
 *  - 'writeback-dioread-lock': data=writeback,dioread_lock: allocated written and no ordered
 *    list; a commit may make the extent durable before its data (the documented risk of
 *    data=writeback: stale blocks after a crash).
 */
export type Ext4DataMode = 'ordered-dioread-nolock' | 'ordered-dioread-lock' | 'writeback-dioread-lock';

/**
 * What ext4_end_io_end does with an unwritten io_end one of whose bios failed.
 *  - 'convert': before e856f93e0fb2 ("ext4: do not convert the unwritten extents if data
 *    writeback fails", Baokun Li, January 2025): ext4_convert_unwritten_io_end_vec runs
 *    anyway, so the extent becomes written over a block the data never reached, and stale
 *    data is exposed (the commit's example: a block whose writes fail but reads work).
 *  - 'keep-unwritten': the fix, in 6.18: ext4_end_bio sets EXT4_IO_END_FAILED and the
 *    conversion is skipped; the failed blocks read as zeroes once the page cache is gone.
 */
export type Ext4EndIoFailure = 'convert' | 'keep-unwritten';

/**
 * ext4's replace-via-truncate / replace-via-rename heuristic (the mount options
 * auto_da_alloc / noauto_da_alloc, Linux 2.6.30, Theodore Ts'o, after the 2009
 * "zero-length files" reports: "ext4: Automatically allocate delay allocated blocks on
 * close", "... on rename", the mount option to turn them off, and "ext4: allocate delayed
 * allocation blocks before rename", which moved the call before the rename's journal
 * handle; commit titles, the hashes were not checked here).
 *  - 'auto_da_alloc': the default: ext4_rename over an existing file calls
 *    ext4_alloc_da_blocks on the source (filemap_flush: writeback starts, nobody waits), and
 *    ext4_truncate to size 0 sets EXT4_STATE_DA_ALLOC_CLOSE so ext4_release_file does the
 *    same at close. The promise ("the data blocks of the new file are forced to disk before
 *    the rename() operation is committed", Documentation/admin-guide/ext4.rst) was written
 *    for data=ordered without dioread_nolock (ext4DataMode 'ordered-dioread-lock'): with the
 *    6.18 default the flushed blocks are unwritten until their I/O completes, and a commit
 *    does not wait for that.
 *  - 'noauto_da_alloc': neither: the data waits for the flusher or an fsync.
 */
export type Ext4AutoDaAlloc = 'auto_da_alloc' | 'noauto_da_alloc';

/**
 * Whether the page-fault path takes the invalidate_lock (XFS: the MMAPLOCK) shared where it
 * adds a folio to the page cache (filemap_fault reading a folio in) and around ->page_mkwrite,
 * against a hole punch or truncate that holds it exclusive between truncating the page cache
 * and freeing the blocks.
 *  - 'not-taken': before the fault path was serialised: filemap_fault reads the folio in (its
 *    read-around too), and ->page_mkwrite runs, with no lock against the punch, so a fault can instantiate a folio
 *    of the range after truncate_pagecache_range and before the blocks are freed (the race
 *    the fix commit's message draws). XFS closed it in its own fault handlers with the
 *    MMAPLOCK ("xfs: introduce mmap/truncate lock", Dave Chinner, 2015, Linux 4.1), ext4 with i_mmap_sem
 *    (ea3d7209ca01 "ext4: fix races between page faults and hole punching", 4.5), and
 *    730633f0b7f9 "mm: Protect operations adding pages to page cache with invalidate_lock"
 *    (5.15) moved it into filemap_fault for every file system.
 *  - 'taken': Linux 6.18: filemap_fault takes filemap_invalidate_lock_shared before it
 *    creates a folio (and when the cached one is not uptodate) and holds it while it waits
 *    for the folio's read I/O; the read-around adds its folios under it; __xfs_write_fault takes
 *    XFS_MMAPLOCK_SHARED and ext4_page_mkwrite filemap_invalidate_lock_shared.
 */
export type FaultInvalidateLock = 'not-taken' | 'taken';

/**
 * Whether xfs_setattr_size writes back what it zeroed (and the buffered data between the
 * on-disk size and the new size) before the transaction that logs the new di_size.
 *  - 'unflushed': before commit 5885ebda878b "xfs: ensure truncate forces zeroed blocks to
 *    disk" (Dave Chinner, Linux 4.0): the blocks beyond EOF were zeroed in the page cache
 *    only, so a crash after the size transaction committed and before writeback exposed
 *    what those blocks held on disk (the "NULL file" problem's cousin, as Brian Foster's
 *    2022 summary of the flush's history calls it).
 *  - 'flushed': that commit and Linux 6.18: when the zeroing dirtied a folio, or the on-disk
 *    size lags behind i_size, filemap_write_and_wait_range(i_disk_size, newsize - 1) runs
 *    before the transaction.
 */
export type TruncateZeroFlush = 'unflushed' | 'flushed';

/**
 * How XFS writeback checks that the extent mapping it cached in the writepage context
 * (wpc->iomap, kept across the folios of one ->writepages pass) still holds for the next
 * folio (fs/xfs/xfs_aops.c xfs_imap_valid, called by xfs_map_blocks). No inode lock is held
 * across the pass, so a hole punch, a truncate or speculative-preallocation trimming may
 * change the extent map between two folios. XFS only.
 *  - 'eof-trim': before d9252d526ba6 "xfs: validate writeback mapping using data fork seq
 *    counter" (Brian Foster, merged for 5.1): the cached mapping was trimmed to EOF when it
 *    was made ("xfs: trim writeback mapping to within EOF", 4.20/5.0) and was reused for any
 *    folio whose offset it covers, however the data fork changed meanwhile.
 *  - 'seq': that commit and Linux 6.18: xfs_map_blocks records if_seq in data_seq with the
 *    mapping, and xfs_imap_valid also requires data_seq == if_seq (cow_seq for the COW fork,
 *    not modelled); a stale mapping is looked up again.
 * Either variant lets a flusher pass run folio by folio (Settings.flusherPerFolio), which
 * 'eof-trim' turns on by itself: its bug needs another actor between two folios of a pass.
 */
export type XfsWritebackMapValid = 'eof-trim' | 'seq';

/** What Linux merged: the default for every knob. */
export const MERGED_KNOBS: Knobs = {
  ext4AtomicAlloc: 'bigalloc-zero-and-commit',
  atomicDioInvalidateFailure: 'never',
  xfsSwAtomicRetry: 'merged-6.16',
  wbErrReporting: 'errseq',
  iomapValid: 'checked',
  uncached: 'dontcache-6.18',
  uncachedFlushError: 'ignored',
  fuseMode: 'write-through',
  fuseUptodate: 'before-write',
  fuseWriteFailure: 'clear-uptodate',
  fuseSyncWait: 'wait',
  bufferedAtomic: 'eopnotsupp-6.18',
  // Not in Linux: the defaults are what the RFC posted.
  bufferedAtomicShortCopy: 'short-copy',
  bufferedAtomicMerge: 'own-bio',
  ext4DataMode: 'ordered-dioread-nolock',
  ext4EndIoFailure: 'keep-unwritten',
  ext4AutoDaAlloc: 'auto_da_alloc',
  truncateZeroFlush: 'flushed',
  faultInvalidateLock: 'taken',
  xfsWritebackMapValid: 'seq',
};

/** Every variant of every knob, for documentation, the CLI and tests. */
export const KNOB_VARIANTS = {
  ext4AtomicAlloc: ['aligned-or-fail', 'fall-back-to-unaligned', 'bigalloc-zero-and-commit'],
  atomicDioInvalidateFailure: ['fall-back', 'never'],
  xfsSwAtomicRetry: ['posted-v4', 'proposed-excl', 'merged-6.16'],
  wbErrReporting: ['as-eio', 'errseq'],
  iomapValid: ['none', 'checked'],
  uncached: ['per-page-2019', 'per-call-fix', 'dontcache-6.18'],
  uncachedFlushError: ['returned', 'ignored'],
  fuseMode: ['writeback-cache', 'write-through'],
  fuseUptodate: ['after-write', 'before-write'],
  fuseWriteFailure: ['leave-uptodate', 'clear-uptodate'],
  fuseSyncWait: ['no-wait', 'wait'],
  bufferedAtomic: ['rfc-2024', 'eopnotsupp-6.18'],
  bufferedAtomicShortCopy: ['short-copy', 'clear-dirty-then-retry', 'retry-without-bound'],
  bufferedAtomicMerge: ['mixed-bio', 'own-bio'],
  ext4DataMode: ['ordered-dioread-nolock', 'ordered-dioread-lock', 'writeback-dioread-lock'],
  ext4EndIoFailure: ['convert', 'keep-unwritten'],
  ext4AutoDaAlloc: ['auto_da_alloc', 'noauto_da_alloc'],
  truncateZeroFlush: ['unflushed', 'flushed'],
  faultInvalidateLock: ['not-taken', 'taken'],
  xfsWritebackMapValid: ['eof-trim', 'seq'],
} as const satisfies { [K in keyof Knobs]: readonly Knobs[K][] };
