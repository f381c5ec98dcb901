#!/usr/bin/env bash
# Builds the Xen testbed on a fresh Debian 12 machine, from Debian's packages only, into
# $MIGLAB_XEN_DIR (default /var/tmp/miglab-xen). Follows ../shared/notes/xen-testbed.md:
#   - host packages: qemu-system-x86 (runs Xen under TCG), debootstrap, cpio, zstd, busybox-static,
#     and what rebuilding the hypervisor needs (gcc, make, flex, bison, python3, dpkg-dev);
#   - the hypervisor: Debian's xen source (bookworm main, 4.17.5) rebuilt with
#     CONFIG_SHADOW_PAGING=y — Debian's binary is built without it and cannot put a PV guest in
#     log-dirty mode ("Failed to enable logdirty: 95"), i.e. cannot live-migrate PV guests;
#     fetched with a private apt configuration (the system's apt sources are not changed);
#   - dom0: the generic Debian kernel (the cloud flavour has no CONFIG_XEN_DOM0) and a debootstrap
#     minbase root with xen-utils-4.17, sshd and pv (the migration meter), packed as an initramfs
#     whose /init is real/xen/guest/dom0-init.sh; the miglab stream tap (real/xen/guest/xen-tap.c);
#   - the PV domU: the same kernel plus a busybox initramfs with the dirtier (real/guest/);
#   - an ssh key pair for the host to reach dom0 (testbed_key).
# With XEN_SHADOW=0 it keeps the stock hypervisor (no compiler needed; PVH guests only, slower).
# Idempotent: each piece is rebuilt only when missing or when its sources changed.
# Prints KEY=VALUE lines on stdout: XEN=, DOM0_KERNEL=, DOM0_INITRD=, KEY=, GUEST_TYPE=.
set -euo pipefail
DIR=${MIGLAB_XEN_DIR:-/var/tmp/miglab-xen}
export PATH="$PATH:/usr/sbin:/sbin"
HERE=$(cd "$(dirname "$0")/../.." && pwd)
SHADOW=${XEN_SHADOW:-1}
MIRROR=${MIGLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$DIR"
cd "$DIR"
log() { echo "xen-setup: $*" >&2; }
t0=$SECONDS
step() { log "$1 ($((SECONDS - t0)) s)"; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v cpio >/dev/null || need+=(cpio)
command -v zstd >/dev/null || need+=(zstd)
command -v file >/dev/null || need+=(file)
command -v depmod >/dev/null || [ -x /usr/sbin/depmod ] || [ -x /sbin/depmod ] || need+=(kmod)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v ssh >/dev/null || need+=(openssh-client)
file -L /bin/busybox 2>/dev/null | grep -q static || need+=(busybox-static)
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/include/stdio.h ] || need+=(libc6-dev)
if [ "$SHADOW" = 1 ]; then
  for c in make flex bison python3 dpkg-source; do command -v $c >/dev/null || need+=($([ $c = dpkg-source ] && echo dpkg-dev || echo $c)); done
fi
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "xen-setup: need root to install ${need[*]}" >&2; exit 1; }
  step "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# A private apt configuration for bookworm main (binary and source): nothing system-wide changes.
mkdir -p apt/etc apt/lists/partial apt/cache/archives/partial debs
printf 'deb %s bookworm main\ndeb-src %s bookworm main\n' "$MIRROR" "$MIRROR" > apt/etc/sources.list
APTOPT=(-o "Dir::Etc::SourceList=$DIR/apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$DIR/apt/lists" -o "Dir::Cache=$DIR/apt/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
aptq() { apt-get "${APTOPT[@]}" -qq "$@"; }
if [ ! -f apt/.updated ]; then step "reading bookworm's package lists"; aptq update; touch apt/.updated; fi

# The Debian kernel (dom0 and domU) and the stock hypervisor (its .config, and the PVH fallback).
KPKG=$(apt-cache "${APTOPT[@]}" depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
[ -n "$KPKG" ] || { echo "xen-setup: cannot resolve linux-image-amd64 in bookworm" >&2; exit 1; }
if [ ! -f kernel/.done-$KPKG ]; then
  step "fetching $KPKG"
  rm -rf kernel && mkdir -p kernel
  (cd debs && aptq download "$KPKG" >/dev/null)
  dpkg -x debs/"${KPKG}"_*.deb kernel/x
  cp kernel/x/boot/vmlinuz-* kernel/vmlinuz
  touch kernel/.done-$KPKG
fi
KVER=$(ls kernel/x/lib/modules | head -1)
if [ ! -f stock/xen.elf ]; then
  step "fetching the stock hypervisor"
  rm -rf stock && mkdir -p stock
  (cd debs && aptq download xen-hypervisor-4.17-amd64 >/dev/null)
  dpkg -x debs/xen-hypervisor-4.17-amd64_*.deb stock/x
  cp stock/x/boot/xen-4.17-amd64.config stock/xen.config
  gunzip -c stock/x/boot/xen-4.17-amd64.gz > stock/xen.elf.tmp && mv stock/xen.elf.tmp stock/xen.elf
  rm -rf stock/x
fi

# The hypervisor with shadow paging, from Debian's source package.
if [ "$SHADOW" = 1 ] && [ ! -f shadow/xen.elf ]; then
  step "rebuilding the hypervisor with CONFIG_SHADOW_PAGING=y (about 2-4 min)"
  rm -rf src && mkdir -p src
  (cd src && aptq source --download-only xen >/dev/null && dpkg-source -x --no-check xen_*.dsc tree >/dev/null)
  cp stock/xen.config src/tree/xen/.config
  sed -i 's/^# CONFIG_SHADOW_PAGING is not set/CONFIG_SHADOW_PAGING=y/' src/tree/xen/.config
  grep -q '^CONFIG_SHADOW_PAGING=y' src/tree/xen/.config || echo 'CONFIG_SHADOW_PAGING=y' >> src/tree/xen/.config
  make -C src/tree/xen olddefconfig >/dev/null
  grep -q '^CONFIG_SHADOW_PAGING=y' src/tree/xen/.config || { echo "xen-setup: olddefconfig dropped CONFIG_SHADOW_PAGING" >&2; exit 1; }
  make -C src/tree/xen -j"$(nproc)" >src/build.log 2>&1 || { tail -20 src/build.log >&2; exit 1; }
  mkdir -p shadow && cp src/tree/xen/xen shadow/xen.elf.tmp && mv shadow/xen.elf.tmp shadow/xen.elf
  rm -rf src
fi

# The testbed's ssh key.
[ -f testbed_key ] || ssh-keygen -q -t ed25519 -N '' -C miglab-xen-testbed -f testbed_key

# dom0's root: debootstrap once (the slow part), then the files miglab puts in it.
if [ ! -f rootfs/.debootstrapped ]; then
  step "debootstrap of the dom0 root (about 1-2 min)"
  rm -rf rootfs
  debootstrap --variant=minbase --include=xen-utils-4.17,busybox-static,kmod,procps,iproute2,openssh-server,openssh-client,pv bookworm rootfs "$MIRROR" >debootstrap.log 2>&1 || { tail -20 debootstrap.log >&2; exit 1; }
  rm -rf rootfs/usr/share/doc/* rootfs/usr/share/man/* rootfs/usr/share/locale/* rootfs/var/lib/apt/lists/* rootfs/var/cache/apt/*
  touch rootfs/.debootstrapped
fi

# The domU's initramfs (busybox + dirtier, as QEMU's guest has).
GUEST_INITRD=$(bash "$HERE/scripts/testbeds/guest-initramfs.sh" "$DIR" domU-initrd)
GSUM=$(basename "$GUEST_INITRD" .cpio.gz)

# dom0's initramfs: rebuilt when anything miglab puts into it changed.
DSUM=$( (cat "$HERE/real/xen/guest/dom0-init.sh" "$HERE/real/xen/guest/xen-tap.c" testbed_key.pub; echo "$GSUM $KVER") | sha256sum | cut -c1-16)
if [ ! -f "dom0-initrd-$DSUM.cpio.zst" ]; then
  step "packing the dom0 initramfs"
  R=rootfs
  gcc -O2 -static -o $R/usr/local/bin/miglab-xen-tap "$HERE/real/xen/guest/xen-tap.c"
  cp "$HERE/real/xen/guest/dom0-init.sh" $R/init && chmod +x $R/init
  mkdir -p $R/var/lib/miglab $R/root/.ssh $R/var/log/xen/console $R/var/lib/xen $R/run
  rm -f $R/var/lib/miglab/*
  cp kernel/vmlinuz $R/var/lib/miglab/vmlinuz
  cp "$GUEST_INITRD" $R/var/lib/miglab/domU-initrd.cpio.gz
  echo "$GSUM" > $R/var/lib/miglab/domU-initrd.sum
  cp testbed_key.pub $R/root/.ssh/authorized_keys && chmod 700 $R/root/.ssh && chmod 600 $R/root/.ssh/authorized_keys
  # minbase has no /etc/hosts: without it, ssh to localhost cannot resolve (the note's first failure).
  printf '127.0.0.1 localhost xenhost\n::1 localhost\n192.168.77.1 xenhost1\n192.168.77.2 xenhost2\n' > $R/etc/hosts
  # dom0 to dom0 over the two-host testbed's link: the testbed key (a key for this testbed only).
  cp testbed_key $R/root/.ssh/id_ed25519 && chmod 600 $R/root/.ssh/id_ed25519
  printf 'Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n' > $R/root/.ssh/config
  : > $R/etc/resolv.conf
  echo xenhost > $R/etc/hostname
  [ -f $R/etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f $R/etc/ssh/ssh_host_ed25519_key
  printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\nHostKey /etc/ssh/ssh_host_ed25519_key\n' > $R/etc/ssh/sshd_config.d/miglab.conf
  # The kernel modules dom0 needs (Xen's device drivers, the emulated NIC), with their dependencies.
  rm -rf $R/lib/modules && mkdir -p $R/lib/modules/$KVER
  depmod -b kernel/x "$KVER"
  for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback e1000 af_packet; do
    modprobe -d kernel/x -S "$KVER" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}'
  done | sort -u | while read -r f; do
    rel=${f#*kernel/x/}; mkdir -p "$R/$(dirname "$rel")"; cp "$f" "$R/$rel"
  done
  cp kernel/x/lib/modules/$KVER/modules.{order,builtin,builtin.modinfo} $R/lib/modules/$KVER/ 2>/dev/null || true
  depmod -b $R "$KVER"
  (cd $R && find . -path ./.debootstrapped -prune -o -print | cpio -o -H newc --quiet | zstd -q -10 -T0 > "$DIR/dom0-initrd-$DSUM.cpio.zst.tmp")
  mv "dom0-initrd-$DSUM.cpio.zst.tmp" "dom0-initrd-$DSUM.cpio.zst"
  # Older images (none on a fresh machine: grep then finds nothing, which is no error here).
  ls dom0-initrd-*.cpio.zst | { grep -v "$DSUM" || true; } | xargs -r rm -f
fi
[ -d kernel/x ] && [ -f dom0-initrd-$DSUM.cpio.zst ] && true
step "ready"
if [ "$SHADOW" = 1 ]; then echo "XEN=$DIR/shadow/xen.elf"; echo "GUEST_TYPE=pv"; else echo "XEN=$DIR/stock/xen.elf"; echo "GUEST_TYPE=pvh"; fi
echo "DOM0_KERNEL=$DIR/kernel/vmlinuz"
echo "DOM0_INITRD=$DIR/dom0-initrd-$DSUM.cpio.zst"
echo "KEY=$DIR/testbed_key"
