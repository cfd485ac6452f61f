/*
 * writepath conformance helper: runs programs of file syscalls against a real
 * file system and prints, for each syscall, one JSON line with what it
 * returned.
 *
 * Usage: helper DIR
 *   Reads programs from stdin. A program is a sequence of op lines ended by a
 *   line "end". Each program runs on fresh files (DIR/p<N>-<name>), which are
 *   closed and unlinked when the program ends. For each op the helper prints
 *   one JSON object on its own line; after "end" it prints {"end":N}.
 *
 * Op lines (tokens separated by spaces; key=value arguments, all optional
 * unless said otherwise; numbers are decimal or 0x-hex):
 *   open    [file=f] [direct=0|1] [dsync=0|1] [sync=0|1] [trunc=0|1]
 *           -> open(O_CREAT|O_RDWR|...), result "ret" is the fd slot (0,1,..)
 *   pwritev2 fd=SLOT off=N segs=LEN[,LEN...] [flags=NAME|NAME|0xN] [id=W]
 *           [misalign=B]
 *           -> pwritev2 with 1..16 iovecs. Buffers are posix_memalign'ed to
 *           4096 and then offset by misalign bytes. The data of write id W is
 *           its pattern: the write's logical byte stream (segments
 *           concatenated) is cut into 4 KiB "write blocks"; block b holds 256
 *           16-byte records "W%04uB%04uP%03u;\n" naming W, b and the record.
 *   pread   fd=SLOT off=N len=N [misalign=B]
 *           -> pread into an aligned (+misalign) buffer; "blocks" summarises
 *           the bytes read per 4 KiB of the file (see token() below).
 *   fsync fd=SLOT | fdatasync fd=SLOT | ftruncate fd=SLOT len=N | close fd=SLOT
 *   statx   fd=SLOT  -> statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS |
 *           STATX_DIOALIGN | STATX_WRITE_ATOMIC | STATX_DIO_READ_ALIGN)
 *   mincore fd=SLOT  -> page residency of the whole file via mmap+mincore:
 *           "pages" is a run-length string over 4 KiB pages: "8r248." means
 *           8 resident pages then 248 not resident.
 *   fallocate fd=SLOT off=N len=N [keep=0|1] [mode=KEEP_SIZE|PUNCH_HOLE|ZERO_RANGE|0xN]
 *           -> fallocate (keep=1 adds KEEP_SIZE; mode absent or 0: mode 0)
 *   syncfs fd=SLOT   -> syncfs
 *   shutdown fd=SLOT [how=0|1|2] -> XFS_IOC_GOINGDOWN / EXT4_IOC_SHUTDOWN (2: no
 *           log flush, a crash)
 *   openat  name=N [creat=0|1] [trunc=0|1] [direct=0|1] -> open(DIR/p<N>-N,
 *           O_RDWR [|O_CREAT] [|O_TRUNC] [|O_DIRECT]): unlike open, no O_CREAT
 *           unless creat=1; "ret" is the fd slot, as for open
 *   rename  from=A to=B -> rename(DIR/p<N>-A, DIR/p<N>-B)
 *   unlink  name=N      -> unlink(DIR/p<N>-N)
 *   par     -> the program is concurrent: op lines with t=K belong to task K,
 *           run in its own thread (see run_par below).
 *
 * Output: {"i":K,"op":"pwritev2","ret":N,"errno":"EINVAL"|null, ...}
 * open and pwritev2 also give "c0"/"c1": CLOCK_REALTIME_COARSE (microseconds) right
 * before and right after the call. pwritev2 fresh=1 first sets the file's timestamps to
 * now (futimens), c0 being read before that.
 *
 * Read tokens, one per 4 KiB of the bytes read (reads in the generator mostly start
 * 4 KiB-aligned, so these are file blocks):
 *   "0"        all bytes zero
 *   "W.b"      exactly block b of write W (4 KiB aligned relative to the write)
 *   "~R,R,.."  otherwise: byte runs "W:len" (bytes of write W at their place), "0:len"
 *              (zeros), "?:len" (bytes no write of this program explains), see token().
 * A short final block is summarised over the bytes read only, with the
 * same rules ("W.b" then means: a prefix of block b of write W).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * Flag values and struct statx layout, defined here because the C library
 * headers on the build machine may predate them. Taken from Linux 6.18
 * include/uapi/linux/fs.h (RWF_*) and include/uapi/linux/stat.h (struct
 * statx, STATX_*): the layout of the 0x90..0xc0 area is the one since 6.16
 * (stx_atomic_write_unit_max_opt); 6.18 turns __spare3[0] into stx_mnt_ns_id,
 * which we do not use.
 */
#define WP_RWF_HIPRI 0x00000001
#define WP_RWF_DSYNC 0x00000002
#define WP_RWF_SYNC 0x00000004
#define WP_RWF_NOWAIT 0x00000008
#define WP_RWF_APPEND 0x00000010
#define WP_RWF_NOAPPEND 0x00000020
#define WP_RWF_ATOMIC 0x00000040
#define WP_RWF_DONTCACHE 0x00000080
#define WP_RWF_NOSIGNAL 0x00000100

#define WP_STATX_BASIC_STATS 0x000007ffU
#define WP_STATX_DIOALIGN 0x00002000U
#define WP_STATX_WRITE_ATOMIC 0x00010000U
#define WP_STATX_DIO_READ_ALIGN 0x00020000U
#define WP_STATX_ATTR_WRITE_ATOMIC 0x00400000ULL

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

struct wp_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};

struct wp_statx {
	/* 0x00 */
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	/* 0x10 */
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t __spare0[1];
	/* 0x20 */
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	/* 0x40 */
	struct wp_statx_timestamp stx_atime;
	struct wp_statx_timestamp stx_btime;
	struct wp_statx_timestamp stx_ctime;
	struct wp_statx_timestamp stx_mtime;
	/* 0x80 */
	uint32_t stx_rdev_major;
	uint32_t stx_rdev_minor;
	uint32_t stx_dev_major;
	uint32_t stx_dev_minor;
	/* 0x90 */
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align;
	uint32_t stx_dio_offset_align;
	/* 0xa0 */
	uint64_t stx_subvol;
	uint32_t stx_atomic_write_unit_min;
	uint32_t stx_atomic_write_unit_max;
	/* 0xb0 */
	uint32_t stx_atomic_write_segments_max;
	uint32_t stx_dio_read_offset_align;
	uint32_t stx_atomic_write_unit_max_opt;
	uint32_t __spare2[1];
	/* 0xc0 */
	uint64_t __spare3[8];
	/* 0x100 */
};

_Static_assert(sizeof(struct wp_statx) == 0x100, "struct statx is 256 bytes");
_Static_assert(offsetof(struct wp_statx, stx_mnt_id) == 0x90, "layout");
_Static_assert(offsetof(struct wp_statx, stx_atomic_write_unit_min) == 0xa8, "layout");
_Static_assert(offsetof(struct wp_statx, stx_atomic_write_segments_max) == 0xb0, "layout");

/*
 * Output goes through emit(): stdout in the main thread; in a concurrent program each
 * task thread writes to its own memory stream, printed after all tasks have joined.
 */
static __thread FILE *out;
/* The task (0..) the current thread runs in a concurrent program, or -1. */
static __thread int cur_task = -1;

__attribute__((format(printf, 1, 2))) static void emit(const char *fmt, ...);

#define BLK 4096
#define REC 16
#define MAX_FDS 8
#define MAX_SEGS 16
#define MAX_IO (16 * 1024 * 1024)

static const char *dir;
static long prog_no;
static __thread int fds[MAX_FDS];
static __thread char names[MAX_FDS][64];
static __thread int nfds;
static char created[MAX_FDS][64];
static int ncreated;
static pthread_mutex_t created_lock = PTHREAD_MUTEX_INITIALIZER;

#include <stdarg.h>
static void emit(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(out ? out : stdout, fmt, ap);
	va_end(ap);
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return NULL;
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTBLK: return "ENOTBLK";
	case EOVERFLOW: return "EOVERFLOW";
	case ERANGE: return "ERANGE";
	case ENOTTY: return "ENOTTY";
	default: {
		static __thread char buf[32];
		snprintf(buf, sizeof buf, "E%d", e);
		return buf;
	}
	}
}

/* ---- argument parsing ---- */

struct args {
	char op[32];
	int n;
	char key[16][24];
	char val[16][256];
};

static int parse_line(char *line, struct args *a)
{
	char *save = NULL;
	char *tok = strtok_r(line, " \t\r\n", &save);
	if (!tok)
		return 0;
	snprintf(a->op, sizeof a->op, "%s", tok);
	a->n = 0;
	while ((tok = strtok_r(NULL, " \t\r\n", &save)) && a->n < 16) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = 0;
		snprintf(a->key[a->n], sizeof a->key[0], "%s", tok);
		snprintf(a->val[a->n], sizeof a->val[0], "%s", eq + 1);
		a->n++;
	}
	return 1;
}

static const char *arg(const struct args *a, const char *k)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->key[i], k))
			return a->val[i];
	return NULL;
}

static long long num(const struct args *a, const char *k, long long dflt)
{
	const char *v = arg(a, k);
	if (!v)
		return dflt;
	return strtoll(v, NULL, 0);
}

static int parse_flags(const char *v, int *out)
{
	int f = 0;
	char buf[256];
	char *save = NULL;
	if (!v || !*v) {
		*out = 0;
		return 0;
	}
	snprintf(buf, sizeof buf, "%s", v);
	for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		if (!strcmp(t, "ATOMIC")) f |= WP_RWF_ATOMIC;
		else if (!strcmp(t, "DSYNC")) f |= WP_RWF_DSYNC;
		else if (!strcmp(t, "SYNC")) f |= WP_RWF_SYNC;
		else if (!strcmp(t, "NOWAIT")) f |= WP_RWF_NOWAIT;
		else if (!strcmp(t, "DONTCACHE")) f |= WP_RWF_DONTCACHE;
		else if (!strcmp(t, "HIPRI")) f |= WP_RWF_HIPRI;
		else if (!strcmp(t, "APPEND")) f |= WP_RWF_APPEND;
		else if (!strcmp(t, "NOAPPEND")) f |= WP_RWF_NOAPPEND;
		else if (!strcmp(t, "NOSIGNAL")) f |= WP_RWF_NOSIGNAL;
		else if (!strcmp(t, "0") || !strcmp(t, "NONE")) ;
		else if (t[0] == '0' && t[1] == 'x') f |= (int)strtol(t, NULL, 16);
		else return -1;
	}
	*out = f;
	return 0;
}

/* ---- data pattern and tokens ---- */

static void fill_record(char *dst, unsigned w, unsigned b, unsigned p)
{
	char tmp[REC + 8];
	snprintf(tmp, sizeof tmp, "W%04uB%04uP%03u;\n", w % 10000, b % 10000, p % 1000);
	memcpy(dst, tmp, REC);
}

/* byte j of write w's logical stream */
static void fill_stream(char *dst, size_t len, size_t start, unsigned w)
{
	size_t j = start;
	while (j < start + len) {
		size_t recstart = j - (j % REC);
		char rec[REC];
		fill_record(rec, w, (unsigned)(recstart / BLK), (unsigned)((recstart % BLK) / REC));
		size_t from = j - recstart;
		size_t n = REC - from;
		if (n > start + len - j)
			n = start + len - j;
		memcpy(dst + (j - start), rec + from, n);
		j += n;
	}
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Parse the record at p; returns 1 and sets w,b,r when it is a record. */
static int parse_record(const unsigned char *p, unsigned *w, unsigned *b, unsigned *r)
{
	if (p[0] != 'W' || p[5] != 'B' || p[10] != 'P' || p[14] != ';' || p[15] != '\n')
		return 0;
	unsigned v[3] = {0, 0, 0};
	const int at[3] = {1, 6, 11};
	const int len[3] = {4, 4, 3};
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < len[k]; i++) {
			unsigned char ch = p[at[k] + i];
			if (ch < '0' || ch > '9')
				return 0;
			v[k] = v[k] * 10 + (ch - '0');
		}
	*w = v[0];
	*b = v[1];
	*r = v[2];
	return 1;
}

/* Identify n bytes (n multiple of REC not required) as a piece of one write's
 * stream starting at stream offset that is a multiple of REC. Returns 1 and
 * the write id and stream offset on success. */
static int identify(const unsigned char *p, size_t n, unsigned *w, size_t *off)
{
	unsigned w0, b0, r0;
	if (n < REC || !parse_record(p, &w0, &b0, &r0))
		return 0;
	size_t start = (size_t)b0 * BLK + (size_t)r0 * REC;
	static __thread char expect[BLK];
	if (n > BLK)
		return 0;
	fill_stream(expect, n, start, w0);
	if (memcmp(expect, p, n))
		return 0;
	*w = w0;
	*off = start;
	return 1;
}

/* Successful writes of the current program, in order: who may own a byte of a read. */
struct wrec {
	unsigned id;
	long long off;
	long long len;
};
#define MAX_WRITES 64
static struct wrec writes[MAX_WRITES];
static int nwrites;

/* The pattern byte of write w's stream at offset j (one-record cache). */
static unsigned char pattern_byte(unsigned w, long long j)
{
	static __thread unsigned cw = ~0u;
	static __thread long long crec = -1;
	static __thread char rec[REC];
	long long rs = j - (j % REC);
	if (cw != w || crec != rs) {
		fill_record(rec, w, (unsigned)(rs / BLK), (unsigned)((rs % BLK) / REC));
		cw = w;
		crec = rs;
	}
	return (unsigned char)rec[j - rs];
}

static int owns(const struct wrec *r, long long x, unsigned char b)
{
	return x >= r->off && x < r->off + r->len && pattern_byte(r->id, x - r->off) == b;
}

/*
 * Token of n bytes read from file offset pos (n <= BLK):
 *   "0" all zero; "W.b" exactly block b of write W in place; otherwise byte runs
 *   "~W:len,0:len,?:len" naming, for each byte, the latest write of this program whose
 *   pattern has that byte at that file position (a run keeps its writer while it still
 *   matches), 0 for a zero byte, ? for a byte no write of the program explains.
 */
static void token(const unsigned char *p, size_t n, long long pos, char *out, size_t outsz)
{
	unsigned w;
	size_t off;
	if (all_zero(p, n)) {
		snprintf(out, outsz, "0");
		return;
	}
	if (identify(p, n, &w, &off) && off % BLK == 0) {
		snprintf(out, outsz, "%u.%zu", w, off / BLK);
		return;
	}
	/* owner[k]: index into writes, -1 zero, -3 unknown. Pass 1: each write, newest
	 * first, claims the unclaimed runs of >= REC bytes where its pattern matches (a
	 * 16-byte window names its write, so such a run cannot be a coincidence). Pass 2:
	 * left-over short pieces go to the newest write whose pattern matches there. */
	static __thread int owner[BLK];
	for (size_t k = 0; k < n; k++)
		owner[k] = p[k] == 0 ? -1 : -3;
	for (int j = nwrites - 1; j >= 0; j--) {
		size_t k = 0;
		while (k < n) {
			if (owner[k] != -3 || !owns(&writes[j], pos + (long long)k, p[k])) {
				k++;
				continue;
			}
			size_t e = k;
			while (e < n && owner[e] == -3 && owns(&writes[j], pos + (long long)e, p[e]))
				e++;
			if (e - k >= REC)
				for (size_t q = k; q < e; q++)
					owner[q] = j;
			k = e;
		}
	}
	for (size_t k = 0; k < n; k++)
		if (owner[k] == -3)
			for (int j = nwrites - 1; j >= 0; j--)
				if (owns(&writes[j], pos + (long long)k, p[k])) {
					owner[k] = j;
					break;
				}
	size_t used = (size_t)snprintf(out, outsz, "~");
	size_t k0 = 0;
	for (size_t k = 1; k <= n; k++) {
		if (k < n && owner[k] == owner[k0])
			continue;
		char name[16];
		if (owner[k0] == -1)
			snprintf(name, sizeof name, "0");
		else if (owner[k0] == -3)
			snprintf(name, sizeof name, "?");
		else
			snprintf(name, sizeof name, "%u", writes[owner[k0]].id);
		if (used < outsz)
			used += (size_t)snprintf(out + used, outsz - used, "%s%s:%zu", used > 1 ? "," : "", name, k - k0);
		k0 = k;
	}
}

/* ---- ops ---- */

static void *alloc_buf(size_t len, long misalign, void **base)
{
	void *b = NULL;
	if (posix_memalign(&b, BLK, len + (size_t)misalign + BLK))
		return NULL;
	*base = b;
	return (char *)b + misalign;
}

static int slot_fd(const struct args *a)
{
	long long s = num(a, "fd", 0);
	if (s < 0 || s >= nfds)
		return -1;
	return fds[s];
}

/* CLOCK_REALTIME_COARSE in microseconds: the clock file timestamps are taken from
 * (current_time), read around open and pwritev2 so the oracle can tell whether a
 * timestamp update could have been due (the XFS RWF_NOWAIT timing allowance). */
static long long coarse_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME_COARSE, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* "{" and, inside a task of a concurrent program, its task number. */
static void open_obj(void)
{
	if (cur_task >= 0)
		emit("{\"t\":%d,", cur_task);
	else
		emit("{");
}

static void print_ret(int i, const char *op, long long ret, int err)
{
	const char *e = errname(err);
	open_obj();
	if (e)
		emit("\"i\":%d,\"op\":\"%s\",\"ret\":%lld,\"errno\":\"%s\"", i, op, ret, e);
	else
		emit("\"i\":%d,\"op\":\"%s\",\"ret\":%lld,\"errno\":null", i, op, ret);
}

static void bad(int i, const char *op, const char *why)
{
	open_obj();
	emit("\"i\":%d,\"op\":\"%s\",\"bad\":\"%s\"}\n", i, op, why);
}

static void do_open(int i, const struct args *a)
{
	const char *f = arg(a, "file");
	if (!f)
		f = "f";
	if (nfds >= MAX_FDS || strlen(f) > 32 || strchr(f, '/')) {
		bad(i, "open", "too many fds or bad name");
		return;
	}
	int flags = O_CREAT | O_RDWR | O_CLOEXEC;
	if (num(a, "direct", 0)) flags |= O_DIRECT;
	if (num(a, "dsync", 0)) flags |= O_DSYNC;
	if (num(a, "sync", 0)) flags |= O_SYNC;
	if (num(a, "trunc", 0)) flags |= O_TRUNC;
	char path[4096];
	snprintf(path, sizeof path, "%s/p%ld-%s", dir, prog_no, f);
	long long c0 = coarse_us();
	int fd = open(path, flags, 0644);
	int err = fd < 0 ? errno : 0;
	long long c1 = coarse_us();
	if (fd >= 0) {
		fds[nfds] = fd;
		snprintf(names[nfds], sizeof names[0], "%s", f);
		pthread_mutex_lock(&created_lock);
		int seen = 0;
		for (int k = 0; k < ncreated; k++)
			if (!strcmp(created[k], f))
				seen = 1;
		if (!seen && ncreated < MAX_FDS)
			snprintf(created[ncreated++], sizeof created[0], "%s", f);
		pthread_mutex_unlock(&created_lock);
		print_ret(i, "open", nfds, 0);
		nfds++;
	} else {
		print_ret(i, "open", -1, err);
	}
	emit(",\"c0\":%lld,\"c1\":%lld}\n", c0, c1);
}

static void do_pwritev2(int i, const struct args *a)
{
	int fd = slot_fd(a);
	int flags;
	if (parse_flags(arg(a, "flags"), &flags)) {
		bad(i, "pwritev2", "bad flags");
		return;
	}
	long long off = num(a, "off", 0);
	long misalign = (long)num(a, "misalign", 0);
	unsigned w = (unsigned)num(a, "id", 0);
	const char *segs = arg(a, "segs");
	size_t lens[MAX_SEGS];
	int nseg = 0;
	size_t total = 0;
	if (segs) {
		char buf[256];
		char *save = NULL;
		snprintf(buf, sizeof buf, "%s", segs);
		for (char *t = strtok_r(buf, ",", &save); t && nseg < MAX_SEGS; t = strtok_r(NULL, ",", &save)) {
			lens[nseg] = (size_t)strtoull(t, NULL, 0);
			total += lens[nseg];
			nseg++;
		}
	}
	if (nseg == 0 || total > MAX_IO || misalign < 0 || misalign >= BLK) {
		bad(i, "pwritev2", "bad segs or misalign");
		return;
	}
	struct iovec iov[MAX_SEGS];
	void *bases[MAX_SEGS];
	size_t pos = 0;
	for (int k = 0; k < nseg; k++) {
		iov[k].iov_base = alloc_buf(lens[k], misalign, &bases[k]);
		iov[k].iov_len = lens[k];
		if (!iov[k].iov_base) {
			bad(i, "pwritev2", "no memory");
			return;
		}
		fill_stream(iov[k].iov_base, lens[k], pos, w);
		pos += lens[k];
	}
	errno = 0;
	long long c0 = coarse_us();
	/* fresh=1: set the timestamps to now first, so an RWF_NOWAIT write finds them
	 * current unless the clock ticks in between (file_update_time_flags). */
	if (num(a, "fresh", 0))
		futimens(fd, NULL);
	errno = 0;
	ssize_t r = pwritev2(fd, iov, nseg, off, flags);
	int err = r < 0 ? errno : 0;
	long long c1 = coarse_us();
	/* A failed write is recorded too, over its whole length: an O_DIRECT write can fail
	 * after some of its bios wrote (iomap_dio_rw returns the error of a later, misaligned
	 * iteration for the whole call: proofs-notes/conformance.md U11), and its bytes must
	 * be named after it in a read that does not start on a block. */
	if ((r > 0 || (r < 0 && total > 0)) && cur_task < 0 && nwrites < MAX_WRITES) {
		writes[nwrites].id = w;
		writes[nwrites].off = off;
		writes[nwrites].len = r > 0 ? (long long)r : (long long)total;
		nwrites++;
	}
	for (int k = 0; k < nseg; k++)
		free(bases[k]);
	print_ret(i, "pwritev2", r, err);
	emit(",\"c0\":%lld,\"c1\":%lld}\n", c0, c1);
}

static void do_pread(int i, const struct args *a)
{
	int fd = slot_fd(a);
	long long off = num(a, "off", 0);
	long long len = num(a, "len", 0);
	long misalign = (long)num(a, "misalign", 0);
	if (len < 0 || len > MAX_IO || misalign < 0 || misalign >= BLK) {
		bad(i, "pread", "bad len or misalign");
		return;
	}
	void *base;
	unsigned char *buf = alloc_buf((size_t)len, misalign, &base);
	if (!buf) {
		bad(i, "pread", "no memory");
		return;
	}
	memset(buf, 0xa5, (size_t)len);
	errno = 0;
	ssize_t r = pread(fd, buf, (size_t)len, off);
	int err = r < 0 ? errno : 0;
	print_ret(i, "pread", r, err);
	emit(",\"blocks\":[");
	if (r > 0) {
		static __thread char t[BLK * 8];
		for (ssize_t s = 0; s < r; s += BLK) {
			size_t m = (size_t)(r - s) < BLK ? (size_t)(r - s) : BLK;
			token(buf + s, m, off + s, t, sizeof t);
			emit("%s\"%s\"", s ? "," : "", t);
		}
	}
	emit("]}\n");
	free(base);
}

static void do_simple(int i, const struct args *a)
{
	int fd = slot_fd(a);
	int r;
	errno = 0;
	if (!strcmp(a->op, "fsync"))
		r = fsync(fd);
	else if (!strcmp(a->op, "fdatasync"))
		r = fdatasync(fd);
	else if (!strcmp(a->op, "ftruncate"))
		r = ftruncate(fd, (off_t)num(a, "len", 0));
	else {
		long long s = num(a, "fd", 0);
		r = close(fd);
		if (r == 0 && s >= 0 && s < nfds)
			fds[s] = -1;
	}
	int err = r < 0 ? errno : 0;
	print_ret(i, a->op, r, err);
	emit("}\n");
}

static void do_statx(int i, const struct args *a)
{
	int fd = slot_fd(a);
	struct wp_statx stx;
	memset(&stx, 0, sizeof stx);
	errno = 0;
	long r = syscall(SYS_statx, fd, "", AT_EMPTY_PATH,
			 WP_STATX_BASIC_STATS | WP_STATX_DIOALIGN | WP_STATX_WRITE_ATOMIC |
				 WP_STATX_DIO_READ_ALIGN,
			 &stx);
	int err = r < 0 ? errno : 0;
	print_ret(i, "statx", r, err);
	if (r == 0) {
		emit(",\"mask\":%u,\"blksize\":%u,\"size\":%llu,\"blocks\":%llu"
		       ",\"dio\":%s,\"dio_mem_align\":%u,\"dio_offset_align\":%u"
		       ",\"dio_read_offset_align\":%u"
		       ",\"atomic\":%s,\"attr_write_atomic\":%s"
		       ",\"awu_min\":%u,\"awu_max\":%u,\"awu_segments_max\":%u,\"awu_max_opt\":%u",
		       stx.stx_mask, stx.stx_blksize, (unsigned long long)stx.stx_size,
		       (unsigned long long)stx.stx_blocks,
		       (stx.stx_mask & WP_STATX_DIOALIGN) ? "true" : "false",
		       stx.stx_dio_mem_align, stx.stx_dio_offset_align, stx.stx_dio_read_offset_align,
		       (stx.stx_mask & WP_STATX_WRITE_ATOMIC) ? "true" : "false",
		       (stx.stx_attributes & WP_STATX_ATTR_WRITE_ATOMIC) ? "true" : "false",
		       stx.stx_atomic_write_unit_min, stx.stx_atomic_write_unit_max,
		       stx.stx_atomic_write_segments_max, stx.stx_atomic_write_unit_max_opt);
	}
	emit("}\n");
}

static void do_mincore(int i, const struct args *a)
{
	int fd = slot_fd(a);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		print_ret(i, "mincore", -1, errno);
		emit("}\n");
		return;
	}
	size_t len = (size_t)st.st_size;
	size_t pages = (len + BLK - 1) / BLK;
	if (pages > 65536) {
		bad(i, "mincore", "file too large");
		return;
	}
	if (pages == 0) {
		print_ret(i, "mincore", 0, 0);
		emit(",\"pages\":\"\"}\n");
		return;
	}
	void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		print_ret(i, "mincore", -1, errno);
		emit("}\n");
		return;
	}
	unsigned char *vec = malloc(pages);
	int r = vec ? mincore(m, len, vec) : -1;
	int err = r < 0 ? errno : 0;
	print_ret(i, "mincore", r, err);
	emit(",\"pages\":\"");
	if (r == 0)
		for (size_t k = 0; k < pages;) {
			size_t run = 1;
			while (k + run < pages && (vec[k + run] & 1) == (vec[k] & 1))
				run++;
			emit("%zu%c", run, (vec[k] & 1) ? 'r' : '.');
			k += run;
		}
	emit("\"}\n");
	free(vec);
	munmap(m, len);
}

/* ---- stores and loads through a shared mapping (mmap, store, load, msync, munmap) ----
 *
 *   mmap   fd=SLOT off=N len=N -> mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_SHARED, fd, off);
 *          "ret" is the mapping slot (0,1,.. per program) or -1 with errno
 *   store  map=SLOT off=N id=W -> memcpy of block 0 of write W's pattern (4096 bytes) to the
 *          address that maps FILE offset off (off - the mapping's offset from its start);
 *          ret 4096, or -1 with errno "SIGBUS"/"SIGSEGV" when the access raised that signal
 *          (caught: sigsetjmp around the copy). Offsets outside the mapping are SIGSEGV
 *          without touching memory.
 *   load   map=SLOT off=N      -> copy 4096 bytes from that address; "blocks" as for pread
 *   msync  map=SLOT [sync=0|1] -> msync over the whole mapping, MS_SYNC (1, default) or MS_ASYNC
 *   munmap map=SLOT            -> munmap of the whole mapping (the slot stays taken)
 * The mincore op's own PROT_READ mapping is separate and unmapped at once: it never
 * write-protects or dirties a page of these.
 */
#define MAX_MAPS 8
struct wmap {
	unsigned char *base;
	long long off;
	size_t len;
};
static __thread struct wmap maps[MAX_MAPS];
static __thread int nmaps;
static __thread sigjmp_buf fault_jmp;
static __thread volatile sig_atomic_t fault_armed;

static void fault_handler(int sig)
{
	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_jmp, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void arm_fault_handlers(void)
{
	static int done;
	if (done)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fault_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	done = 1;
}

static struct wmap *map_slot(const struct args *a)
{
	long long s = num(a, "map", -1);
	if (s < 0 || s >= nmaps || maps[s].base == NULL)
		return NULL;
	return &maps[s];
}

static void print_sig(int i, const char *op, int sig)
{
	open_obj();
	emit("\"i\":%d,\"op\":\"%s\",\"ret\":-1,\"errno\":\"%s\"", i, op, sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
}

static void do_mmap(int i, const struct args *a)
{
	if (nmaps >= MAX_MAPS) {
		bad(i, "mmap", "too many mappings");
		return;
	}
	long long off = num(a, "off", 0);
	long long len = num(a, "len", 0);
	errno = 0;
	void *m = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, slot_fd(a), (off_t)off);
	if (m == MAP_FAILED) {
		print_ret(i, "mmap", -1, errno);
	} else {
		maps[nmaps].base = m;
		maps[nmaps].off = off;
		maps[nmaps].len = (size_t)len;
		print_ret(i, "mmap", nmaps, 0);
		nmaps++;
	}
	emit("}\n");
}

/* The address of file offset off in the mapping, or NULL when the page is not in it. */
static unsigned char *map_addr(const struct wmap *m, long long off)
{
	if (m == NULL || off < m->off || off + BLK > m->off + (long long)m->len)
		return NULL;
	return m->base + (off - m->off);
}

static void do_store(int i, const struct args *a)
{
	/* volatile: read again after a siglongjmp back into this frame. */
	volatile long long off = num(a, "off", 0);
	volatile unsigned w = (unsigned)num(a, "id", 0);
	unsigned char *p = map_addr(map_slot(a), off);
	static __thread char data[BLK];
	if (p == NULL) {
		print_sig(i, "store", SIGSEGV);
		emit("}\n");
		return;
	}
	fill_stream(data, BLK, 0, w);
	arm_fault_handlers();
	int sig = sigsetjmp(fault_jmp, 1);
	if (sig == 0) {
		fault_armed = 1;
		memcpy(p, data, BLK);
		fault_armed = 0;
		if (cur_task < 0 && nwrites < MAX_WRITES) {
			writes[nwrites].id = w;
			writes[nwrites].off = off;
			writes[nwrites].len = BLK;
			nwrites++;
		}
		print_ret(i, "store", BLK, 0);
	} else {
		print_sig(i, "store", sig);
	}
	emit("}\n");
}

static void do_load(int i, const struct args *a)
{
	volatile long long off = num(a, "off", 0);
	unsigned char *p = map_addr(map_slot(a), off);
	static __thread unsigned char data[BLK];
	if (p == NULL) {
		print_sig(i, "load", SIGSEGV);
		emit(",\"blocks\":[]}\n");
		return;
	}
	arm_fault_handlers();
	int sig = sigsetjmp(fault_jmp, 1);
	if (sig == 0) {
		fault_armed = 1;
		memcpy(data, p, BLK);
		fault_armed = 0;
		static __thread char t[BLK * 8];
		token(data, BLK, off, t, sizeof t);
		print_ret(i, "load", BLK, 0);
		emit(",\"blocks\":[\"%s\"]}\n", t);
	} else {
		print_sig(i, "load", sig);
		emit(",\"blocks\":[]}\n");
	}
}

static void do_msync(int i, const struct args *a)
{
	struct wmap *m = map_slot(a);
	errno = 0;
	int r = m == NULL ? (errno = ENOMEM, -1) : msync(m->base, m->len, num(a, "sync", 1) ? MS_SYNC : MS_ASYNC);
	print_ret(i, "msync", r, r < 0 ? errno : 0);
	emit("}\n");
}

static void do_munmap(int i, const struct args *a)
{
	struct wmap *m = map_slot(a);
	errno = 0;
	int r = 0;
	if (m != NULL) {
		r = munmap(m->base, m->len);
		m->base = NULL;
	}
	print_ret(i, "munmap", r, r < 0 ? errno : 0);
	emit("}\n");
}

static void unmap_all(void)
{
	for (int k = 0; k < nmaps; k++)
		if (maps[k].base != NULL)
			munmap(maps[k].base, maps[k].len);
	nmaps = 0;
}
/* ---- end of the mapping ops ---- */

static void end_program(void)
{
	unmap_all();
	for (int k = 0; k < nfds; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	for (int k = 0; k < ncreated; k++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/p%ld-%s", dir, prog_no, created[k]);
		unlink(path);
	}
	nfds = 0;
	ncreated = 0;
	nwrites = 0;
	emit("{\"end\":%ld}\n", prog_no);
	fflush(stdout);
	prog_no++;
}

/* ---- ops for concurrent and crash programs ---- */

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
/* XFS_IOC_GOINGDOWN and EXT4_IOC_SHUTDOWN are the same ioctl: _IOR('X', 125, __u32). */
#define WP_IOC_SHUTDOWN _IOR('X', 125, uint32_t)

/* ---- fallocate modes (issue 13: PUNCH_HOLE, ZERO_RANGE) ---- */
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

/* mode=NAME|NAME|0xN with NAME one of KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE (0 or absent: mode 0). */
static int parse_falloc_mode(const char *v, int *out)
{
	int f = 0;
	char buf[256];
	char *save = NULL;
	*out = 0;
	if (!v || !*v)
		return 0;
	snprintf(buf, sizeof buf, "%s", v);
	for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		if (!strcmp(t, "KEEP_SIZE")) f |= FALLOC_FL_KEEP_SIZE;
		else if (!strcmp(t, "PUNCH_HOLE")) f |= FALLOC_FL_PUNCH_HOLE;
		else if (!strcmp(t, "ZERO_RANGE")) f |= FALLOC_FL_ZERO_RANGE;
		else if (!strcmp(t, "0")) ;
		else if (t[0] == '0' && t[1] == 'x') f |= (int)strtol(t, NULL, 16);
		else return -1;
	}
	*out = f;
	return 0;
}

static void do_fallocate(int i, const struct args *a)
{
	int fd = slot_fd(a);
	int mode = 0;
	if (parse_falloc_mode(arg(a, "mode"), &mode)) {
		bad(i, "fallocate", "bad mode");
		return;
	}
	if (num(a, "keep", 0))
		mode |= FALLOC_FL_KEEP_SIZE;
	errno = 0;
	int r = fallocate(fd, mode, (off_t)num(a, "off", 0), (off_t)num(a, "len", 0));
	print_ret(i, "fallocate", r, r < 0 ? errno : 0);
	emit("}\n");
}

static void do_syncfs(int i, const struct args *a)
{
	errno = 0;
	int r = syncfs(slot_fd(a));
	print_ret(i, "syncfs", r, r < 0 ? errno : 0);
	emit("}\n");
}

/* how: 0 sync then shut down, 1 flush the log, 2 do not flush the log (a crash). */
static void do_shutdown(int i, const struct args *a)
{
	uint32_t how = (uint32_t)num(a, "how", 2);
	errno = 0;
	int r = ioctl(slot_fd(a), WP_IOC_SHUTDOWN, &how);
	print_ret(i, "shutdown", r, r < 0 ? errno : 0);
	emit("}\n");
}

/* ---- files by name (issue 13 items 6-7): openat without O_CREAT, rename, unlink ---- */

static int name_ok(const char *f)
{
	return f && *f && strlen(f) <= 32 && !strchr(f, '/');
}

/* Remember a name the program made, so the end of the program unlinks it. */
static void note_created(const char *f)
{
	pthread_mutex_lock(&created_lock);
	int seen = 0;
	for (int k = 0; k < ncreated; k++)
		if (!strcmp(created[k], f))
			seen = 1;
	if (!seen && ncreated < MAX_FDS)
		snprintf(created[ncreated++], sizeof created[0], "%s", f);
	pthread_mutex_unlock(&created_lock);
}

static void do_openat(int i, const struct args *a)
{
	const char *f = arg(a, "name");
	if (nfds >= MAX_FDS || !name_ok(f)) {
		bad(i, "openat", "too many fds or bad name");
		return;
	}
	int flags = O_RDWR | O_CLOEXEC;
	if (num(a, "creat", 0)) flags |= O_CREAT;
	if (num(a, "trunc", 0)) flags |= O_TRUNC;
	if (num(a, "direct", 0)) flags |= O_DIRECT;
	char path[4096];
	snprintf(path, sizeof path, "%s/p%ld-%s", dir, prog_no, f);
	int fd = open(path, flags, 0644);
	int err = fd < 0 ? errno : 0;
	if (fd >= 0) {
		fds[nfds] = fd;
		snprintf(names[nfds], sizeof names[0], "%s", f);
		note_created(f);
		print_ret(i, "openat", nfds, 0);
		nfds++;
	} else {
		print_ret(i, "openat", -1, err);
	}
	emit("}\n");
}

static void do_rename(int i, const struct args *a)
{
	const char *from = arg(a, "from"), *to = arg(a, "to");
	if (!name_ok(from) || !name_ok(to)) {
		bad(i, "rename", "bad name");
		return;
	}
	char p0[4096], p1[4096];
	snprintf(p0, sizeof p0, "%s/p%ld-%s", dir, prog_no, from);
	snprintf(p1, sizeof p1, "%s/p%ld-%s", dir, prog_no, to);
	errno = 0;
	int r = rename(p0, p1);
	int err = r < 0 ? errno : 0;
	if (r == 0)
		note_created(to);
	print_ret(i, "rename", r, err);
	emit("}\n");
}

static void do_unlink(int i, const struct args *a)
{
	const char *f = arg(a, "name");
	if (!name_ok(f)) {
		bad(i, "unlink", "bad name");
		return;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/p%ld-%s", dir, prog_no, f);
	errno = 0;
	int r = unlink(path);
	print_ret(i, "unlink", r, r < 0 ? errno : 0);
	emit("}\n");
}

/* ---- end of files by name ---- */

static void run_op(int i, struct args *a)
{
	if (!strcmp(a->op, "open")) do_open(i, a);
	else if (!strcmp(a->op, "pwritev2")) do_pwritev2(i, a);
	else if (!strcmp(a->op, "pread")) do_pread(i, a);
	else if (!strcmp(a->op, "fsync") || !strcmp(a->op, "fdatasync") ||
		 !strcmp(a->op, "ftruncate") || !strcmp(a->op, "close"))
		do_simple(i, a);
	else if (!strcmp(a->op, "statx")) do_statx(i, a);
	else if (!strcmp(a->op, "mincore")) do_mincore(i, a);
	else if (!strcmp(a->op, "fallocate")) do_fallocate(i, a);
	else if (!strcmp(a->op, "syncfs")) do_syncfs(i, a);
	else if (!strcmp(a->op, "shutdown")) do_shutdown(i, a);
	else if (!strcmp(a->op, "openat")) do_openat(i, a);
	else if (!strcmp(a->op, "rename")) do_rename(i, a);
	else if (!strcmp(a->op, "unlink")) do_unlink(i, a);
	else if (!strcmp(a->op, "mmap")) do_mmap(i, a);
	else if (!strcmp(a->op, "store")) do_store(i, a);
	else if (!strcmp(a->op, "load")) do_load(i, a);
	else if (!strcmp(a->op, "msync")) do_msync(i, a);
	else if (!strcmp(a->op, "munmap")) do_munmap(i, a);
	else bad(i, a->op, "unknown op");
}

/*
 * Concurrent programs. A line "par" starts one; its op lines with t=K belong to task K
 * (0..7), run by its own thread with its own descriptors. Op lines without t= run in the
 * main thread: those before the first task line as set-up (before the tasks start), those
 * after it once every task has finished (final reads). All tasks do their leading opens,
 * then wait at one barrier, then run the rest. Task output lines carry "t":K; each task's
 * lines are printed together, in task order, after the tasks have joined.
 *
 * When the environment names a mark file (WP_MARK), each task writes "b K I\n" to it
 * before its op I and "e K I\n" after it, and "x -1 0\n" once the post ops are done (before
 * the program's files are unlinked): the crash harness's recording device logs these
 * between the block writes, so a crash point is known to fall between two syscalls.
 */
#define MAX_TASKS 8
#define MAX_TASK_OPS 48

struct task {
	int id;
	int n;
	struct args ops[MAX_TASK_OPS];
	char *buf;
	size_t len;
};

static struct task tasks[MAX_TASKS];
static int ntasks;
static int par_mode;
static struct args post_ops[MAX_TASK_OPS];
static int npost;
static pthread_barrier_t start_barrier;
static int mark_fd = -1;

static void mark(char what, int task, int op)
{
	if (mark_fd < 0)
		return;
	char m[64];
	int n = snprintf(m, sizeof m, "%c %d %d\n", what, task, op);
	if (write(mark_fd, m, (size_t)n) != n) {
		/* A lost mark would misplace crash points: stop rather than guess. */
		perror("helper: writing a mark");
		exit(3);
	}
}

static void *task_main(void *arg)
{
	struct task *t = arg;
	cur_task = t->id;
	out = open_memstream(&t->buf, &t->len);
	if (!out) {
		perror("helper: open_memstream");
		exit(3);
	}
	int k = 0;
	for (; k < t->n && !strcmp(t->ops[k].op, "open"); k++) {
		mark('b', t->id, k);
		run_op(k, &t->ops[k]);
		mark('e', t->id, k);
	}
	pthread_barrier_wait(&start_barrier);
	for (; k < t->n; k++) {
		mark('b', t->id, k);
		run_op(k, &t->ops[k]);
		mark('e', t->id, k);
	}
	for (int j = 0; j < nfds; j++)
		if (fds[j] >= 0)
			close(fds[j]);
	nfds = 0;
	fclose(out);
	out = NULL;
	return NULL;
}

/* Every write a task may do, so that reads in any task can name its bytes. */
static void register_task_writes(void)
{
	for (int k = 0; k < ntasks; k++)
		for (int j = 0; j < tasks[k].n; j++) {
			const struct args *a = &tasks[k].ops[j];
			if (strcmp(a->op, "pwritev2") || nwrites >= MAX_WRITES)
				continue;
			long long total = 0;
			const char *segs = arg(a, "segs");
			char buf[256];
			char *save = NULL;
			snprintf(buf, sizeof buf, "%s", segs ? segs : "");
			for (char *tk = strtok_r(buf, ",", &save); tk; tk = strtok_r(NULL, ",", &save))
				total += strtoll(tk, NULL, 0);
			writes[nwrites].id = (unsigned)num(a, "id", 0);
			writes[nwrites].off = num(a, "off", 0);
			writes[nwrites].len = total;
			nwrites++;
		}
}

static void run_par(int *i)
{
	pthread_t th[MAX_TASKS];
	register_task_writes();
	fflush(stdout);
	pthread_barrier_init(&start_barrier, NULL, (unsigned)ntasks);
	for (int k = 0; k < ntasks; k++) {
		tasks[k].id = k;
		if (pthread_create(&th[k], NULL, task_main, &tasks[k])) {
			perror("helper: pthread_create");
			exit(3);
		}
	}
	for (int k = 0; k < ntasks; k++)
		pthread_join(th[k], NULL);
	pthread_barrier_destroy(&start_barrier);
	for (int k = 0; k < ntasks; k++) {
		fwrite(tasks[k].buf, 1, tasks[k].len, stdout);
		free(tasks[k].buf);
		tasks[k].buf = NULL;
		tasks[k].n = 0;
	}
	for (int k = 0; k < npost; k++)
		run_op((*i)++, &post_ops[k]);
	/* The end of the program proper: the unlinks that follow are not part of it. */
	mark('x', -1, 0);
	ntasks = 0;
	npost = 0;
	par_mode = 0;
}

/* One line of a concurrent program: buffered (task or post op) or run now (set-up). */
static void par_line(int *i, struct args *a)
{
	long long t = num(a, "t", -1);
	if (t >= MAX_TASKS || (t >= 0 && tasks[t].n >= MAX_TASK_OPS) || (t < 0 && ntasks > 0 && npost >= MAX_TASK_OPS)) {
		bad((*i)++, a->op, "too many tasks or ops");
		return;
	}
	if (t >= 0) {
		tasks[t].ops[tasks[t].n++] = *a;
		if (t + 1 > ntasks)
			ntasks = (int)t + 1;
	} else if (ntasks > 0) {
		post_ops[npost++] = *a;
	} else {
		run_op((*i)++, a);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR < program\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	const char *mk = getenv("WP_MARK");
	if (mk && *mk) {
		mark_fd = open(mk, O_WRONLY | O_CLOEXEC);
		if (mark_fd < 0) {
			perror("helper: opening WP_MARK");
			return 2;
		}
	}
	char *line = NULL;
	size_t cap = 0;
	int i = 0;
	while (getline(&line, &cap, stdin) > 0) {
		struct args a;
		if (!parse_line(line, &a))
			continue;
		if (!strcmp(a.op, "end")) {
			if (par_mode)
				run_par(&i);
			end_program();
			i = 0;
			continue;
		}
		if (!strcmp(a.op, "par")) {
			par_mode = 1;
			continue;
		}
		if (par_mode)
			par_line(&i, &a);
		else
			run_op(i++, &a);
	}
	if (nfds || ncreated)
		end_program();
	free(line);
	return 0;
}
