#!/bin/busybox sh
# PID 1 of the test guest: mount the basics, then run the dirtier with the kernel command line's
# dirtier.* parameters. Its output goes to the serial console (ttyS0).
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
exec /bin/dirtier > /dev/ttyS0 2>&1
