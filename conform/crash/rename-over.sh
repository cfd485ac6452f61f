#!/usr/bin/env bash
# Replace-via-rename without fsync on a real ext4 (or XFS), then a crash right after the rename's
# journal commit (proofs-notes/names-and-recovery.md). Needs root, loop devices, mkfs.ext4
# and a C compiler. For each mount option set it runs N times:
#   write+fsync f; create x and g; write g (4 KiB, buffered); rename g over f;
#   fsync(x) (commits the running transaction, which holds the rename);
#   EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_NOLOGFLUSH (a crash: nothing more reaches the journal);
# then remounts (journal replay) and says what f holds: new data, zeroes, or zero length.
# usage: [FS=xfs] conform/crash/rename-over.sh [N] [mount-options ...]   (default: ext4, 10, and four
# option sets; FS=xfs uses XFS_IOC_GOINGDOWN with XFS_FSOP_GOING_FLAGS_NOLOGFLUSH and 'defaults')
set -eu
fs=${FS:-ext4}
n=${1:-10}; shift || true
sets=("$@")
if [ ${#sets[@]} -eq 0 ]; then
  if [ "$fs" = xfs ]; then sets=(defaults); else sets=(defaults dioread_lock noauto_da_alloc noauto_da_alloc,dioread_lock); fi
fi
# mkfs.xfs refuses images below 300 MB without its test override: a sparse 512 MB file.
if [ "$fs" = xfs ]; then mkfs=(mkfs.xfs -q -f); size=512M; else mkfs=(mkfs.ext4 -q -F); size=64M; fi
here=$(cd "$(dirname "$0")/.." && pwd)
lab=$(mktemp -d /tmp/writepath-rename-XXXXXX)
dev=""
cleanup() { mountpoint -q "$lab/mnt" && umount "$lab/mnt"; [ -n "$dev" ] && losetup -d "$dev" 2>/dev/null; rm -rf "$lab"; }
trap cleanup EXIT
cc -O2 -pthread -o "$lab/helper" "$here/helper.c"
mkdir "$lab/mnt"
prog='open
pwritev2 fd=0 off=0 segs=4096 flags=0 id=1
fsync fd=0
openat name=x creat=1
openat name=g creat=1
pwritev2 fd=2 off=0 segs=4096 flags=0 id=2
rename from=g to=f
fsync fd=1
shutdown fd=1 how=2
end'
for opts in "${sets[@]}"; do
  new=0; zeros=0; empty=0; other=0
  for _ in $(seq 1 "$n"); do
    rm -f "$lab/img"; truncate -s "$size" "$lab/img"; "${mkfs[@]}" "$lab/img" >/dev/null 2>&1
    dev=$(losetup -f --show "$lab/img")
    mount -o "$opts" "$dev" "$lab/mnt"
    printf '%s\n' "$prog" | "$lab/helper" "$lab/mnt" >/dev/null
    umount "$lab/mnt"; mount -o "$opts" "$dev" "$lab/mnt"
    fsize=$(stat -c %s "$lab/mnt/p0-f"); head=$(head -c 5 "$lab/mnt/p0-f" | tr '\0' 'z')
    umount "$lab/mnt"; losetup -d "$dev"; dev=""
    if [ "$fsize" = 0 ]; then empty=$((empty+1)); elif [ "$head" = W0002 ]; then new=$((new+1)); elif [ "$head" = zzzzz ]; then zeros=$((zeros+1)); else other=$((other+1)); fi
  done
  echo "$(uname -r) $fs -o $opts: $n crashes: new $new, zeroes $zeros, zero-length $empty, other $other"
done
