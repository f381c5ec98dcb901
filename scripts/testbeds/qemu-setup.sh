#!/usr/bin/env bash
# Prepares the QEMU testbed on a fresh Debian 12 machine, from Debian's packages only, into
# $MIGLAB_QEMU_DIR (default /var/tmp/miglab-qemu):
#   - host packages: qemu-system-x86 (7.2, for its shared libraries and firmware), busybox-static,
#     cpio, gcc, libc6-dev;
#   - QEMU 10 from bookworm-backports, unpacked with a private apt configuration (Debian 12's 7.2
#     loses dirty pages under TCG; fixed upstream in 9.0): nothing is installed, the system's apt
#     sources are not changed;
#   - the guest kernel: the Debian cloud kernel package, unpacked;
#   - the guest initramfs: busybox + the static dirtier (real/guest/dirtier.c) + real/guest/init.sh.
# Idempotent: a second run only rebuilds the initramfs when its sources changed.
# Prints the paths as KEY=VALUE lines (QEMU=, KERNEL=, INITRD=) on stdout.
set -euo pipefail
DIR=${MIGLAB_QEMU_DIR:-/var/tmp/miglab-qemu}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$DIR"
cd "$DIR"
log() { echo "qemu-setup: $*" >&2; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx sh && file -L /bin/busybox 2>/dev/null | grep -q static || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/include/stdio.h ] || need+=(libc6-dev)
command -v file >/dev/null || need+=(file)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "qemu-setup: need root to install ${need[*]}" >&2; exit 1; }
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# busybox-static may have been pulled in only now; re-check it is the static one.
if ! file -L /bin/busybox | grep -q static; then
  apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
fi

# QEMU >= 9 from bookworm-backports, private apt state under $DIR/apt.
if [ ! -x "$DIR/qemu10/usr/bin/qemu-system-x86_64" ]; then
  log "fetching QEMU from bookworm-backports"
  mkdir -p apt/etc apt/lists/partial apt/cache/archives/partial debs
  echo "deb http://deb.debian.org/debian bookworm-backports main" > apt/etc/sources.list
  APTOPT=(-o "Dir::Etc::SourceList=$DIR/apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$DIR/apt/lists" -o "Dir::Cache=$DIR/apt/cache" -o Debug::NoLocking=1)
  apt-get "${APTOPT[@]}" update -qq
  (cd debs && apt-get "${APTOPT[@]}" download -qq qemu-system-x86 qemu-system-data >/dev/null)
  rm -rf qemu10.tmp && mkdir qemu10.tmp
  for f in debs/qemu-system-*.deb; do dpkg -x "$f" qemu10.tmp; done
  rm -rf qemu10 && mv qemu10.tmp qemu10
fi
QEMU="$DIR/qemu10/usr/bin/qemu-system-x86_64"
"$QEMU" --version | head -1 >&2

# Guest kernel: the cloud flavour, unpacked.
if [ ! -f "$DIR/vmlinuz" ]; then
  log "fetching the guest kernel"
  mkdir -p kernel && cd kernel
  KPKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  if [ -z "$KPKG" ]; then apt-get update -qq; KPKG=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}'); fi
  apt-get download -qq "$KPKG" >/dev/null
  rm -rf x && dpkg -x "${KPKG}"_*.deb x
  cp x/boot/vmlinuz-* "$DIR/vmlinuz.tmp" && mv "$DIR/vmlinuz.tmp" "$DIR/vmlinuz"
  rm -rf x
  cd "$DIR"
fi

# Initramfs: rebuilt when the dirtier or init changed.
INITRD=$(bash "$HERE/scripts/testbeds/guest-initramfs.sh" "$DIR" initramfs)
echo "QEMU=$QEMU"
echo "KERNEL=$DIR/vmlinuz"
echo "INITRD=$INITRD"
