#!/usr/bin/env bash
# Set-up for the conformance harness (conform/): a C compiler, mkfs.xfs, mkfs.ext4,
# losetup and the loop module; for crash states (conform/crash/) also libfuse3 (headers,
# pkg-config) and fusermount3. Idempotent: installs only what is missing, and only when
# running as root on a Debian-like system with apt-get; elsewhere it prints what is
# missing and exits 0 (the conformance tests then print a skip line saying why).
set -u

need=()
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v mkfs.xfs >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.xfs ] || [ -x /sbin/mkfs.xfs ] || need+=(xfsprogs)
command -v mkfs.ext4 >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.ext4 ] || [ -x /sbin/mkfs.ext4 ] || need+=(e2fsprogs)
command -v losetup >/dev/null 2>&1 || [ -x /usr/sbin/losetup ] || [ -x /sbin/losetup ] || need+=(mount)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists fuse3 2>/dev/null || need+=(libfuse3-dev)
command -v fusermount3 >/dev/null 2>&1 || need+=(fuse3)

if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "conform/setup.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || echo "conform/setup.sh: apt-get update failed" >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || echo "conform/setup.sh: apt-get install ${need[*]} failed; the conformance tests will skip" >&2
  else
    echo "conform/setup.sh: missing ${need[*]} (not root or no apt-get): the conformance tests will skip"
  fi
fi

if [ ! -e /dev/loop-control ] && [ "$(id -u)" = 0 ]; then
  modprobe loop 2>/dev/null || echo "conform/setup.sh: no /dev/loop-control and modprobe loop failed: the conformance tests will skip"
fi
exit 0
