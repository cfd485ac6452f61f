/*
 * writepath recording block device: a FUSE file system with one file, "disk", served
 * from an image file, and a second file, "mark". A loop device attached to MNT/disk is
 * a block device whose every write and flush reaches this process, in the order the
 * loop driver issues them:
 *
 *   - each write to "disk" is written to the image and appended to the log as
 *     W(offset, length, data);
 *   - each fsync of "disk" (the loop driver's REQ_OP_FLUSH, vfs_fsync of its backing
 *     file) is appended as F. A REQ_FUA write reaches the loop driver as a write and a
 *     flush (loop does not advertise FUA, so the block layer's flush machinery splits
 *     it), so it is a W followed by an F;
 *   - each write to "mark" is appended as M(text): the conformance helper writes
 *     "b T I" / "e T I" around every syscall, so the log says between which syscalls
 *     each block write happened.
 *
 * The file is opened with direct_io so no FUSE page cache sits between the loop device
 * and this process, and the process is single-threaded (-s), so the log order is the
 * order in which requests were served.
 *
 * Usage: logdev MNT IMAGE LOG [fuse options]
 * Log record: 24-byte header {u32 magic 0x474c5057 "WPLG", u32 kind (1 W, 2 F, 3 M),
 * u64 offset, u64 length} then `length` bytes (W: data, M: text).
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC 0x474c5057u
enum { REC_WRITE = 1, REC_FLUSH = 2, REC_MARK = 3 };

static int image_fd = -1;
static FILE *log_f;
static off_t image_size;

static void record(uint32_t kind, uint64_t off, const void *data, uint64_t len)
{
	struct {
		uint32_t magic, kind;
		uint64_t off, len;
	} h = {MAGIC, kind, off, len};
	if (fwrite(&h, sizeof h, 1, log_f) != 1 || (len && fwrite(data, 1, len, log_f) != len) || fflush(log_f)) {
		/* A record lost would make every crash state built from the log wrong. */
		perror("logdev: writing the log");
		abort();
	}
}

static int ld_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof *st);
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (!strcmp(path, "/disk")) {
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
		st->st_size = image_size;
	} else if (!strcmp(path, "/mark")) {
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
	} else
		return -ENOENT;
	return 0;
}

static int ld_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags fl)
{
	(void)off;
	(void)fi;
	(void)fl;
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "disk", NULL, 0, 0);
	fill(buf, "mark", NULL, 0, 0);
	return 0;
}

static int ld_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/disk") && strcmp(path, "/mark"))
		return -ENOENT;
	fi->direct_io = 1;
	return 0;
}

static int ld_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, "/disk"))
		return 0;
	ssize_t r = pread(image_fd, buf, size, off);
	return r < 0 ? -errno : (int)r;
}

static int ld_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	if (!strcmp(path, "/mark")) {
		record(REC_MARK, 0, buf, size);
		return (int)size;
	}
	if (strcmp(path, "/disk"))
		return -ENOENT;
	if (off + (off_t)size > image_size)
		return -ENOSPC;
	ssize_t r = pwrite(image_fd, buf, size, off);
	if (r < 0)
		return -errno;
	record(REC_WRITE, (uint64_t)off, buf, (uint64_t)r);
	return (int)r;
}

static int ld_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)datasync;
	(void)fi;
	/* Answering (not ENOSYS) matters: on ENOSYS FUSE stops sending fsync for good. */
	if (!strcmp(path, "/disk"))
		record(REC_FLUSH, 0, NULL, 0);
	return 0;
}

static int ld_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	(void)size;
	return strcmp(path, "/mark") ? -EPERM : 0;
}

static const struct fuse_operations ops = {
	.getattr = ld_getattr,
	.readdir = ld_readdir,
	.open = ld_open,
	.read = ld_read,
	.write = ld_write,
	.fsync = ld_fsync,
	.truncate = ld_truncate,
};

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s MNT IMAGE LOG [fuse options]\n", argv[0]);
		return 2;
	}
	image_fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (image_fd < 0) {
		perror(argv[2]);
		return 2;
	}
	struct stat st;
	if (fstat(image_fd, &st) < 0) {
		perror("fstat");
		return 2;
	}
	image_size = st.st_size;
	log_f = fopen(argv[3], "we");
	if (!log_f) {
		perror(argv[3]);
		return 2;
	}
	/* fuse_main(argv0, MNT, -f (foreground), -s (one thread), extra options...) */
	char *fargv[32];
	int fargc = 0;
	fargv[fargc++] = argv[0];
	fargv[fargc++] = argv[1];
	fargv[fargc++] = "-f";
	fargv[fargc++] = "-s";
	for (int i = 4; i < argc && fargc < 31; i++)
		fargv[fargc++] = argv[i];
	fargv[fargc] = NULL;
	int r = fuse_main(fargc, fargv, &ops, NULL);
	fclose(log_f);
	return r;
}
