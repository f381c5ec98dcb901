#!/usr/bin/env bash
# The test guest's initramfs, for QEMU's guest and Xen's PV guest alike: busybox + miglab's dirtier
# (real/guest/dirtier.c, built static) + real/guest/init.sh as /init, gzipped cpio.
# Usage: guest-initramfs.sh DIR NAME → builds DIR/NAME-<sum>.cpio.gz (sum of the sources; kept if
# already there) and prints its path.
set -euo pipefail
DIR=$1 NAME=$2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
SUM=$(cat "$HERE/real/guest/dirtier.c" "$HERE/real/guest/init.sh" | sha256sum | cut -c1-16)
OUT="$DIR/$NAME-$SUM.cpio.gz"
if [ ! -f "$OUT" ]; then
  echo "guest-initramfs: building $OUT" >&2
  ROOT=$(mktemp -d "$DIR/.initramfs.XXXXXX")
  mkdir -p "$ROOT"/bin "$ROOT"/proc "$ROOT"/sys "$ROOT"/dev "$ROOT"/tmp
  gcc -O2 -static -o "$ROOT/bin/dirtier" "$HERE/real/guest/dirtier.c"
  cp /bin/busybox "$ROOT/bin/busybox"
  cp "$HERE/real/guest/init.sh" "$ROOT/init" && chmod +x "$ROOT/init"
  (cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -9 > "$OUT.tmp")
  mv "$OUT.tmp" "$OUT"
  rm -rf "$ROOT"
fi
echo "$OUT"
