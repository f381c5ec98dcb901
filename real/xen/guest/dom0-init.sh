#!/bin/sh
# PID 1 of the Xen testbed's dom0 (an initramfs built by scripts/testbeds/xen-setup.sh): mounts
# the basics, loads Xen's dom0 drivers, starts the toolstack's daemons (xenstored, the dom0
# registration, xenconsoled logging each guest's console to /var/log/xen/console/guest-NAME.log),
# brings up QEMU's user-mode network (10.0.2.15, the host forwards a loopback port to sshd), starts
# sshd, then hands over to busybox init, which reaps orphans and keeps sshd running.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
say() { echo "miglab-dom0: $*" > /dev/console; }
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=755 run /run
mount -t tmpfs tmp /tmp
mkdir -p /run/xen /run/xenstored /run/sshd /var/log/xen/console /var/lib/xen /var/run
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd e1000; do modprobe "$m" || say "modprobe $m failed"; done
mount -t xenfs xenfs /proc/xen || say "cannot mount xenfs"
XB=/usr/lib/xen-4.17/bin
$XB/oxenstored --pid-file=/run/xenstored.pid || $XB/xenstored --pid-file=/run/xenstored.pid || say "no xenstored"
$XB/xen-init-dom0 >/dev/console 2>&1 || say "xen-init-dom0 failed"
$XB/xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || say "xenconsoled failed"
hostname xenhost
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 || say "no network"
# The two-host testbed: a second NIC on a QEMU socket network between the two machines, its address
# from the dom0 command line (miglab.linkaddr=192.168.77.N/24).
for word in $(cat /proc/cmdline); do
  case "$word" in miglab.linkaddr=*) addr=${word#miglab.linkaddr=}; ip link set eth1 up && ip addr add "$addr" dev eth1 || say "no link $addr" ;; esac
done
cat > /etc/inittab <<'EOF'
::respawn:/usr/sbin/sshd -D -e
::ctrlaltdel:/bin/busybox poweroff -f
EOF
say "ready: $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)"
exec /bin/busybox init
