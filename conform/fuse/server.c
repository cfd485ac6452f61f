/*
 * writepath FUSE conformance server: one regular file, served from memory, through the
 * libfuse3 low-level API (so every reply is ours), single-threaded: requests are read
 * from /dev/fuse and answered one at a time, in the order the kernel queued them.
 *
 * Usage: server MNT CTLSOCK LOG [writeback]
 *   - "writeback": ask for FUSE_CAP_WRITEBACK_CACHE in init (the writeback-cache mode);
 *     without it the kernel writes through (every write(2) sends WRITE requests).
 *   - CTLSOCK: a UNIX stream socket; one command per line, one reply line per command
 *     ("ok ..." or "err ..."). The control channel is outside the mount, so it adds no
 *     request to the log and no page to any cache:
 *       reset          a new, empty file (a new inode: the kernel's page cache of the
 *                      old one is not reused); replies "ok f<gen>", the file's name
 *       fail N         fail the next N WRITEs of the file with EIO
 *       short K        acknowledge the next WRITE only up to its K-th page boundary
 *                      (K = 0: 0 bytes); the server stores exactly the bytes acknowledged
 *       delay MS       sleep MS ms before answering each READ / WRITE (0: none)
 *       dio 0|1        open replies FOPEN_DIRECT_IO from now on
 *       mark I         tag the following log lines with op I
 *       dump PATH      write the server's copy of the file to PATH; replies "ok SIZE"
 *   - LOG: one line per request the server receives:
 *       <gen> <mark> <OPCODE> <offset> <size> <result>
 *     result: bytes acknowledged / returned, or -errno.
 *
 * Attributes and entries are given long timeouts and AUTO_INVAL_DATA is turned off, so
 * that nothing but the program's own syscalls and the harness's reclaim step changes the
 * kernel's page cache of the file (mtime never changes here).
 */
#define FUSE_USE_VERSION 34
#define _GNU_SOURCE
#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PS 4096
#define MAXSIZE (64 * PS)
#define FILE_INO_BASE 100

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char data[MAXSIZE];
static size_t fsize;
static unsigned gen;
static int fail_left;
static int short_pages = -1;
static int delay_ms;
static int direct_io;
static int mark = -1;
static int writeback;
static FILE *logf;

static fuse_ino_t file_ino(void) { return FILE_INO_BASE + gen; }

/* A request for an older file (gen 0 in the log) belongs to no program. */
static void logreq_ino(fuse_ino_t ino, const char *op, long long off, long long size, long long res)
{
	fprintf(logf, "%u %d %s %lld %lld %lld\n", ino == file_ino() ? gen : 0, mark, op, off, size, res);
	fflush(logf);
}

static void logreq(const char *op, long long off, long long size, long long res)
{
	fprintf(logf, "%u %d %s %lld %lld %lld\n", gen, mark, op, off, size, res);
	fflush(logf);
}

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = (off_t)fsize;
		st->st_blocks = (blkcnt_t)((fsize + 511) / 512);
	}
	st->st_blksize = PS;
}

static void do_sleep(void)
{
	if (delay_ms <= 0) return;
	struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void srv_init(void *ud, struct fuse_conn_info *conn)
{
	(void)ud;
	if (writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	conn->want &= ~FUSE_CAP_ASYNC_DIO;
}

static void srv_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	pthread_mutex_lock(&mu);
	char want[32];
	snprintf(want, sizeof want, "f%u", gen);
	if (parent != FUSE_ROOT_ID || strcmp(name, want) != 0) {
		pthread_mutex_unlock(&mu);
		fuse_reply_err(req, ENOENT);
		return;
	}
	struct fuse_entry_param e;
	memset(&e, 0, sizeof e);
	e.ino = file_ino();
	e.generation = 1;
	e.attr_timeout = 1e6;
	e.entry_timeout = 0;
	fill_attr(e.ino, &e.attr);
	pthread_mutex_unlock(&mu);
	fuse_reply_entry(req, &e);
}

static int known(fuse_ino_t ino) { return ino == FUSE_ROOT_ID || ino == file_ino(); }

static void srv_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	struct stat st;
	pthread_mutex_lock(&mu);
	int ok = known(ino);
	if (ok) fill_attr(ino, &st);
	pthread_mutex_unlock(&mu);
	if (!ok) fuse_reply_err(req, ENOENT);
	else fuse_reply_attr(req, &st, 1e6);
}

static void srv_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
	(void)fi;
	struct stat st;
	pthread_mutex_lock(&mu);
	int ok = ino == file_ino();
	if (ok && (to_set & FUSE_SET_ATTR_SIZE)) {
		size_t n = attr->st_size < 0 ? 0 : (size_t)attr->st_size;
		if (n > MAXSIZE) n = MAXSIZE;
		if (n > fsize) memset(data + fsize, 0, n - fsize);
		fsize = n;
		logreq("SETATTR_SIZE", 0, (long long)n, 0);
	}
	if (ok) fill_attr(ino, &st);
	pthread_mutex_unlock(&mu);
	if (!ok) fuse_reply_err(req, ENOENT);
	else fuse_reply_attr(req, &st, 1e6);
}

static void srv_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	pthread_mutex_lock(&mu);
	int ok = ino == file_ino();
	fi->direct_io = direct_io ? 1 : 0;
	/* Without keep_cache the open would invalidate the inode's page cache. */
	fi->keep_cache = 1;
	if (ok) logreq("OPEN", 0, 0, direct_io);
	pthread_mutex_unlock(&mu);
	if (!ok) fuse_reply_err(req, ENOENT);
	else fuse_reply_open(req, fi);
}

static void srv_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	pthread_mutex_lock(&mu);
	if (ino != file_ino()) {
		pthread_mutex_unlock(&mu);
		fuse_reply_err(req, EIO);
		return;
	}
	do_sleep();
	size_t n = 0;
	if ((size_t)off < fsize) n = fsize - (size_t)off < size ? fsize - (size_t)off : size;
	static unsigned char buf[MAXSIZE];
	memcpy(buf, data + off, n);
	logreq("READ", (long long)off, (long long)size, (long long)n);
	pthread_mutex_unlock(&mu);
	fuse_reply_buf(req, (const char *)buf, n);
}

static void srv_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	pthread_mutex_lock(&mu);
	if (ino != file_ino() || (size_t)off + size > MAXSIZE) {
		logreq_ino(ino, "WRITE", (long long)off, (long long)size, -EFBIG);
		pthread_mutex_unlock(&mu);
		fuse_reply_err(req, EFBIG);
		return;
	}
	do_sleep();
	if (fail_left > 0) {
		fail_left--;
		logreq("WRITE", (long long)off, (long long)size, -EIO);
		pthread_mutex_unlock(&mu);
		fuse_reply_err(req, EIO);
		return;
	}
	size_t ack = size;
	if (short_pages >= 0) {
		long long end = ((long long)off / PS + short_pages) * PS;
		long long a = short_pages == 0 ? 0 : end - (long long)off;
		if (a < 0) a = 0;
		if ((size_t)a < size) ack = (size_t)a;
		short_pages = -1;
	}
	memcpy(data + off, buf, ack);
	if ((size_t)off + ack > fsize && ack > 0) fsize = (size_t)off + ack;
	logreq("WRITE", (long long)off, (long long)size, (long long)ack);
	pthread_mutex_unlock(&mu);
	fuse_reply_write(req, ack);
}

static void srv_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	pthread_mutex_lock(&mu);
	if (ino == file_ino()) logreq("FLUSH", 0, 0, 0);
	pthread_mutex_unlock(&mu);
	fuse_reply_err(req, 0);
}

static void srv_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)fi;
	pthread_mutex_lock(&mu);
	if (ino == file_ino()) logreq(datasync ? "FSYNC_DATA" : "FSYNC", 0, 0, 0);
	pthread_mutex_unlock(&mu);
	fuse_reply_err(req, 0);
}

static void srv_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops ops = {
	.init = srv_init,
	.lookup = srv_lookup,
	.getattr = srv_getattr,
	.setattr = srv_setattr,
	.open = srv_open,
	.read = srv_read,
	.write = srv_write,
	.flush = srv_flush,
	.fsync = srv_fsync,
	.release = srv_release,
};

/* ---- the control channel ---- */

static void command(char *line, char *out, size_t outsz)
{
	char arg[4096] = "";
	char cmd[32] = "";
	if (sscanf(line, "%31s %4095[^\n]", cmd, arg) < 1) {
		snprintf(out, outsz, "err empty command\n");
		return;
	}
	pthread_mutex_lock(&mu);
	if (strcmp(cmd, "reset") == 0) {
		gen++;
		fsize = 0;
		memset(data, 0, sizeof data);
		fail_left = 0;
		short_pages = -1;
		delay_ms = 0;
		direct_io = 0;
		mark = -1;
		snprintf(out, outsz, "ok f%u\n", gen);
	} else if (strcmp(cmd, "fail") == 0) {
		fail_left = atoi(arg);
		snprintf(out, outsz, "ok\n");
	} else if (strcmp(cmd, "short") == 0) {
		short_pages = atoi(arg);
		snprintf(out, outsz, "ok\n");
	} else if (strcmp(cmd, "delay") == 0) {
		delay_ms = atoi(arg);
		snprintf(out, outsz, "ok\n");
	} else if (strcmp(cmd, "dio") == 0) {
		direct_io = atoi(arg);
		snprintf(out, outsz, "ok\n");
	} else if (strcmp(cmd, "mark") == 0) {
		mark = atoi(arg);
		snprintf(out, outsz, "ok\n");
	} else if (strcmp(cmd, "dump") == 0) {
		FILE *f = fopen(arg, "w");
		if (f == NULL || fwrite(data, 1, fsize, f) != fsize || fclose(f) != 0) snprintf(out, outsz, "err dump %s: %s\n", arg, strerror(errno));
		else snprintf(out, outsz, "ok %zu\n", fsize);
	} else {
		snprintf(out, outsz, "err unknown command %s\n", cmd);
	}
	pthread_mutex_unlock(&mu);
}

static void *control(void *p)
{
	int ls = *(int *)p;
	for (;;) {
		int c = accept(ls, NULL, NULL);
		if (c < 0) continue;
		FILE *in = fdopen(c, "r+");
		if (in == NULL) {
			close(c);
			continue;
		}
		char line[8192];
		while (fgets(line, sizeof line, in) != NULL) {
			char out[8192];
			command(line, out, sizeof out);
			if (fputs(out, in) == EOF || fflush(in) != 0) break;
		}
		fclose(in);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s MNT CTLSOCK LOG [writeback]\n", argv[0]);
		return 2;
	}
	writeback = argc > 4 && strcmp(argv[4], "writeback") == 0;
	logf = fopen(argv[3], "w");
	if (logf == NULL) {
		perror(argv[3]);
		return 1;
	}
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(argv[2]) >= sizeof sa.sun_path) {
		fprintf(stderr, "control socket path too long: %s\n", argv[2]);
		return 2;
	}
	strcpy(sa.sun_path, argv[2]);
	unlink(argv[2]);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 4) != 0) {
		perror("control socket");
		return 1;
	}
	pthread_t th;
	if (pthread_create(&th, NULL, control, &ls) != 0) return 1;
	pthread_detach(th);

	char *fargv[] = {argv[0], "-o", "fsname=writepath-fuse,subtype=writepath", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
	if (se == NULL) return 1;
	if (fuse_set_signal_handlers(se) != 0) return 1;
	if (fuse_session_mount(se, argv[1]) != 0) return 1;
	int r = fuse_session_loop(se);
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	unlink(argv[2]);
	return r == 0 ? 0 : 1;
}
