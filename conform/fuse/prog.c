/*
 * writepath FUSE conformance runner: runs one single-task program on the file the FUSE
 * server (server.c) serves, talking to the server's control socket between syscalls.
 *
 * Usage: prog MNT CTLSOCK RECLAIM DUMPFILE
 *   RECLAIM: "dontneed" (posix_fadvise POSIX_FADV_DONTNEED on the whole file) or "drop"
 *   (echo 1 > /proc/sys/vm/drop_caches), the op "reclaim" below.
 * Stdin: one op per line, then EOF:
 *   open DIO [ODIRECT]     reset the server (a new file), set FOPEN_DIRECT_IO per DIO (0|1),
 *                          open MNT/f<gen> O_RDWR (| O_DIRECT if ODIRECT is 1),
 *                          POSIX_FADV_RANDOM (no readahead: a read brings in only the
 *                          pages it covers)
 *   pwrite OFF LEN ID [dsync]   pwritev2 of LEN bytes of write ID's pattern (RWF_DSYNC)
 *   pread OFF LEN          tokens per page of the bytes read
 *   fsync | fdatasync | close
 *   reclaim                see RECLAIM
 *   cachestat NPAGES       per page: '.' not cached, 'r' cached clean, 'd' dirty,
 *                          'w' under writeback (cachestat(2), syscall 451): no mapping
 *                          of the file is made (munmap or a mapping's exit would make
 *                          FUSE write the whole inode back: fuse_vma_close)
 *   fail N | short K | delay MS   sent to the server (see server.c)
 *   server NPAGES          the server's copy of the file (dumped through the control
 *                          socket, never read through the mount): size and page tokens
 * Before each op the runner sends "mark I" so the server's log says which op caused
 * each request.
 * Stdout: one JSON object per op: {"i","op","ret","errno"[,"blocks"][,"pages"][,"file"]}.
 * After the last op the runner sends "mark -2": requests the exit causes (the close's
 * FLUSH, and in writeback-cache mode the write-back fuse_flush does first) are tagged -2.
 *
 * Data pattern: 8-byte records at 8-aligned file offsets: 'W', id, k, 'p', 'w', 'p',
 * 't', 'h' (k: the page of the write, counted from the write's first page). A page's
 * token: "zero" if all bytes are zero, "?" if some record is neither zero nor a record,
 * else "W<id>[<k>]" of the newest (highest) id among its records (the spec gives a page
 * partly written the token of the write that touched it last).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define PS 4096
#define MAXSIZE (64 * PS)

#ifndef RWF_DSYNC
#define RWF_DSYNC 0x00000002
#endif

struct cachestat_range {
	uint64_t off, len;
};
struct cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

static FILE *ctl;
static char mnt[4096];
static int fd = -1;

static void die(const char *what)
{
	fprintf(stderr, "prog: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void ctl_cmd(const char *cmd, char *reply, size_t rsz)
{
	if (fprintf(ctl, "%s\n", cmd) < 0 || fflush(ctl) != 0) die("control socket write");
	char buf[8192];
	if (fgets(buf, sizeof buf, ctl) == NULL) die("control socket read");
	if (strncmp(buf, "ok", 2) != 0) {
		fprintf(stderr, "prog: server said %s", buf);
		exit(1);
	}
	if (reply != NULL && rsz > 0) {
		size_t n = strlen(buf);
		if (n > rsz - 1) n = rsz - 1;
		memcpy(reply, buf, n);
		reply[n] = 0;
	}
}

static void fill(unsigned char *dst, long long off, size_t len, unsigned id)
{
	long long first = off / PS;
	for (size_t j = 0; j < len; j++) {
		long long x = off + (long long)j;
		unsigned char rec[8] = {'W', (unsigned char)id, (unsigned char)(x / PS - first), 'p', 'w', 'p', 't', 'h'};
		dst[j] = rec[x % 8];
	}
}

/* Token of the n bytes p (file offset pos, within one page). */
static void token(const unsigned char *p, size_t n, long long pos, char *out, size_t osz)
{
	int best = -1, bestk = 0, unknown = 0, any = 0;
	for (size_t j = 0; j < n;) {
		long long x = pos + (long long)j;
		size_t r0 = (size_t)(x % 8);
		size_t m = 8 - r0;
		if (m > n - j) m = n - j;
		int zero = 1, rec = 1;
		for (size_t q = 0; q < m; q++) {
			unsigned char b = p[j + q];
			if (b != 0) zero = 0;
			size_t at = r0 + q;
			if (at == 0 && b != 'W') rec = 0;
			if (at >= 3) {
				const char *tail = "pwpth";
				if (b != (unsigned char)tail[at - 3]) rec = 0;
			}
		}
		if (!zero) {
			/* id and k live at record bytes 1 and 2; a piece without them names no writer. */
			if (rec && r0 <= 1 && r0 + m > 2) {
				int id = p[j + 1 - r0], k = p[j + 2 - r0];
				any = 1;
				if (id > best) {
					best = id;
					bestk = k;
				}
			} else if (!rec) {
				unknown = 1;
			}
		}
		j += m;
	}
	if (unknown) snprintf(out, osz, "?");
	else if (!any) snprintf(out, osz, "zero");
	else snprintf(out, osz, "W%d[%d]", best, bestk);
}

static void print_blocks(const unsigned char *buf, long long off, long long n)
{
	printf(",\"blocks\":[");
	long long at = 0;
	int first = 1;
	while (at < n) {
		long long pos = off + at;
		long long m = PS - pos % PS;
		if (m > n - at) m = n - at;
		char t[64];
		token(buf + at, (size_t)m, pos, t, sizeof t);
		printf("%s\"%s\"", first ? "" : ",", t);
		first = 0;
		at += m;
	}
	printf("]");
}

static void result(int i, const char *op, long long ret)
{
	printf("{\"i\":%d,\"op\":\"%s\",\"ret\":%lld,\"errno\":", i, op, ret < 0 ? -1 : ret);
	if (ret < 0) printf("\"%s\"", strerrorname_np((int)-ret) ? strerrorname_np((int)-ret) : "E?");
	else printf("null");
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s MNT CTLSOCK dontneed|drop DUMPFILE\n", argv[0]);
		return 2;
	}
	snprintf(mnt, sizeof mnt, "%s", argv[1]);
	int drop = strcmp(argv[3], "drop") == 0;
	const char *dump = argv[4];
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[2]);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) die("connect to the control socket");
	ctl = fdopen(s, "r+");
	if (ctl == NULL) die("fdopen");
	static unsigned char buf[MAXSIZE] __attribute__((aligned(PS)));
	char line[512];
	for (int i = 0; fgets(line, sizeof line, stdin) != NULL; i++) {
		char op[32] = "";
		long long a = 0, b = 0, c = 0;
		char extra[32] = "";
		int n = sscanf(line, "%31s %lld %lld %lld %31s", op, &a, &b, &c, extra);
		if (n < 1) {
			fprintf(stderr, "prog: empty op line %d\n", i);
			return 2;
		}
		char cmd[64];
		snprintf(cmd, sizeof cmd, "mark %d", i);
		ctl_cmd(cmd, NULL, 0);
		if (strcmp(op, "open") == 0) {
			char rep[128], name[64] = "";
			snprintf(cmd, sizeof cmd, "dio %lld", n > 1 ? a : 0);
			ctl_cmd("reset", rep, sizeof rep);
			if (sscanf(rep, "ok %63s", name) != 1) die("reset reply");
			ctl_cmd(cmd, NULL, 0);
			snprintf(cmd, sizeof cmd, "mark %d", i);
			ctl_cmd(cmd, NULL, 0);
			char path[8192];
			snprintf(path, sizeof path, "%s/%s", mnt, name);
			fd = open(path, O_RDWR | (n > 2 && b == 1 ? O_DIRECT : 0));
			long long r = fd < 0 ? -errno : 3;
			if (fd >= 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) != 0) die("POSIX_FADV_RANDOM");
			result(i, op, r);
			printf(",\"file\":\"%s\"", name);
		} else if (strcmp(op, "pwrite") == 0) {
			if (a < 0 || b <= 0 || a + b > MAXSIZE) {
				fprintf(stderr, "prog: pwrite out of range\n");
				return 2;
			}
			fill(buf, a, (size_t)b, (unsigned)c);
			struct iovec iov = {buf, (size_t)b};
			ssize_t r = pwritev2(fd, &iov, 1, a, strcmp(extra, "dsync") == 0 ? RWF_DSYNC : 0);
			result(i, op, r < 0 ? -errno : r);
		} else if (strcmp(op, "pread") == 0) {
			if (a < 0 || b <= 0 || a + b > MAXSIZE) {
				fprintf(stderr, "prog: pread out of range\n");
				return 2;
			}
			memset(buf, 0xEE, (size_t)b);
			ssize_t r = pread(fd, buf, (size_t)b, a);
			result(i, op, r < 0 ? -errno : r);
			if (r >= 0) print_blocks(buf, a, r);
		} else if (strcmp(op, "fsync") == 0 || strcmp(op, "fdatasync") == 0) {
			int r = op[1] == 's' ? fsync(fd) : fdatasync(fd);
			result(i, op, r < 0 ? -errno : 0);
		} else if (strcmp(op, "close") == 0) {
			int r = close(fd);
			result(i, op, r < 0 ? -errno : 0);
			fd = -1;
		} else if (strcmp(op, "reclaim") == 0) {
			long long r = 0;
			if (drop) {
				int d = open("/proc/sys/vm/drop_caches", O_WRONLY);
				if (d < 0 || write(d, "1\n", 2) != 2) r = -errno;
				if (d >= 0) close(d);
			} else {
				int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
				r = e == 0 ? 0 : -e;
			}
			result(i, op, r);
		} else if (strcmp(op, "cachestat") == 0) {
			result(i, op, 0);
			printf(",\"pages\":\"");
			for (long long p = 0; p < a; p++) {
				struct cachestat_range cr = {(uint64_t)(p * PS), PS};
				struct cachestat cs;
				memset(&cs, 0, sizeof cs);
				if (syscall(451, fd, &cr, &cs, 0) != 0) die("cachestat");
				putchar(cs.nr_writeback ? 'w' : cs.nr_dirty ? 'd' : cs.nr_cache ? 'r' : '.');
			}
			printf("\"");
		} else if (strcmp(op, "fail") == 0 || strcmp(op, "short") == 0 || strcmp(op, "delay") == 0) {
			snprintf(cmd, sizeof cmd, "%s %lld", op, a);
			ctl_cmd(cmd, NULL, 0);
			result(i, op, 0);
		} else if (strcmp(op, "server") == 0) {
			char rep[128];
			snprintf(cmd, sizeof cmd, "dump %s", dump);
			ctl_cmd(cmd, rep, sizeof rep);
			long long size = -1;
			if (sscanf(rep, "ok %lld", &size) != 1) die("dump reply");
			FILE *f = fopen(dump, "r");
			if (f == NULL) die("open the dump");
			size_t got = fread(buf, 1, (size_t)size, f);
			fclose(f);
			if ((long long)got != size) die("short dump");
			if (size < a * PS) memset(buf + size, 0, (size_t)(a * PS - size));
			result(i, op, size);
			print_blocks(buf, 0, a * PS);
		} else {
			fprintf(stderr, "prog: unknown op %s\n", op);
			return 2;
		}
		printf("}\n");
		fflush(stdout);
	}
	/* Requests after the program (the FLUSH of the final close, and in writeback-cache
	 * mode the write-back fuse_flush does first) are tagged apart; the close is explicit
	 * so that they are over when the runner exits, before the next program's reset. */
	ctl_cmd("mark -2", NULL, 0);
	if (fd >= 0) close(fd);
	return 0;
}
