#!/bin/sh
# snapraid-array.sh: a small real SnapRAID array for demos and tests: three data disks and one
# parity disk, each a 32 MiB ext4 image loop-mounted under DIR, a snapraid.conf, some files, a sync.
#
# usage: snapraid-array.sh [--dir DIR]            set up (or re-mount) the array; prints the config path
#        snapraid-array.sh [--dir DIR] --cleanup  unmount everything and remove DIR
#
# Needs root (mount), mkfs.ext4 and snapraid. Idempotent: running it again on a set-up DIR only
# re-mounts what is not mounted (after a reboot) and prints the config path. Each disk is its own
# file system because SnapRAID refuses data disks that share a device. Only DIR's own mounts and
# the loop devices backing DIR's images are ever touched.
set -eu

dir=/var/tmp/homeops-snapraid-demo
cleanup=0
while [ $# -gt 0 ]; do
  case $1 in
    --dir) [ $# -ge 2 ] || { echo "snapraid-array.sh: --dir needs a value" >&2; exit 2; }; dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    --cleanup) cleanup=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "snapraid-array.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case $dir in
  /*) ;;
  *) dir=$(pwd)/$dir ;;
esac

disks="d1 d2 d3 parity"
conf=$dir/snapraid.conf
say() { echo "snapraid-array: $*" >&2; }

detach_images() {
  # mount -o loop sets autoclear, so umount frees the loop device; this catches leftovers only
  for d in $disks; do
    img=$dir/img/$d.img
    [ -f "$img" ] || continue
    losetup -j "$img" 2>/dev/null | cut -d: -f1 | while read -r dev; do
      [ -n "$dev" ] && losetup -d "$dev" 2>/dev/null || true
    done
  done
}

if [ "$cleanup" = 1 ]; then
  for d in $disks; do
    m=$dir/mnt/$d
    if mountpoint -q "$m" 2>/dev/null; then
      umount "$m" 2>/dev/null || umount -l "$m"
    fi
  done
  detach_images
  rm -rf "$dir"
  say "removed $dir"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "snapraid-array.sh: must run as root (it mounts loop devices)" >&2
  exit 1
fi
for p in snapraid mkfs.ext4 mount losetup mountpoint; do
  command -v "$p" >/dev/null 2>&1 || { echo "snapraid-array.sh: '$p' not found (apt-get install snapraid e2fsprogs mount util-linux)" >&2; exit 1; }
done

mkdir -p "$dir/img" "$dir/content"
for d in $disks; do
  img=$dir/img/$d.img
  m=$dir/mnt/$d
  mkdir -p "$m"
  if [ ! -f "$img" ]; then
    truncate -s 32M "$img.tmp"
    mkfs.ext4 -q -F -L "homeops-$d" "$img.tmp" >/dev/null
    mv "$img.tmp" "$img"
  fi
  if ! mountpoint -q "$m"; then
    mount -o loop "$img" "$m"
  fi
done

if [ ! -f "$conf" ]; then
  cat >"$conf.tmp" <<EOF
# snapraid.conf written by snapraid-array.sh (demo array, not for real data)
parity $dir/mnt/parity/snapraid.parity
content $dir/content/snapraid.content
content $dir/mnt/d1/snapraid.content
data d1 $dir/mnt/d1/
data d2 $dir/mnt/d2/
data d3 $dir/mnt/d3/
exclude *.unrecoverable
exclude /lost+found/
EOF
  mv "$conf.tmp" "$conf"
fi

# five files per disk of different sizes (up to two 256 KiB blocks each), once; the markers stay
# outside the disks so that the array holds exactly these files
mkdir -p "$dir/state"
n=0
for d in d1 d2 d3; do
  m=$dir/mnt/$d
  if [ ! -e "$dir/state/files-$d" ]; then
    mkdir -p "$m/photos"
    for i in 1 2 3 4; do
      n=$((n + 1))
      dd if=/dev/urandom of="$m/file_$i.bin" bs=1K count=$((40 + n * 23)) status=none
    done
    echo "homeops demo array disk $d" >"$m/photos/readme.txt"
    : >"$dir/state/files-$d"
  fi
done

if [ ! -s "$dir/content/snapraid.content" ]; then
  say "snapraid sync"
  snapraid -c "$conf" sync >&2
fi
echo "$conf"
