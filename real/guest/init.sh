#!/bin/busybox sh
# PID 1 of the test guest: mount the basics, then run the dirtier with the kernel command line's
# dirtier.* parameters. Its output goes to the console the command line names with
# miglab.console= (hvc0 on a Xen PV guest), ttyS0 (QEMU's serial port) by default.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
out=ttyS0
for word in $(/bin/busybox cat /proc/cmdline); do
  case "$word" in miglab.console=hvc0) out=hvc0 ;; esac
done
exec /bin/dirtier > /dev/$out 2>&1
