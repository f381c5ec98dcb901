#!/usr/bin/env bash
# The Xen testbed: Xen 4.17 + a Debian dom0 under QEMU (TCG, -cpu qemu64), its sshd on a loopback
# port, built by xen-setup.sh (cached under $MIGLAB_XEN_DIR, default /var/tmp/miglab-xen).
#   xen-testbed.sh start   build if needed, boot, wait for dom0's sshd, write hosts.json + ssh_config
#   xen-testbed.sh stop    stop the QEMU this script started (by its PID file)
#   xen-testbed.sh status
# Settings: MIGLAB_XEN_SSH_PORT (default 48022), MIGLAB_XEN_MEMORY_MIB (3072: dom0 1 GiB, the rest
# for guests, twice a guest's memory during a migration to localhost), MIGLAB_XEN_BOOT_TIMEOUT (600 s).
# Prints the hosts file's path on stdout.
set -euo pipefail
DIR=${MIGLAB_XEN_DIR:-/var/tmp/miglab-xen}
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${MIGLAB_XEN_SSH_PORT:-48022}
MEM=${MIGLAB_XEN_MEMORY_MIB:-3072}
TIMEOUT=${MIGLAB_XEN_BOOT_TIMEOUT:-600}
RUN="$DIR/run-$PORT"
log() { echo "xen-testbed: $*" >&2; }
running() { [ -f "$RUN/qemu.pid" ] && kill -0 "$(cat "$RUN/qemu.pid")" 2>/dev/null; }

case "${1:-}" in
start)
  if running; then log "already running (PID $(cat "$RUN/qemu.pid"), port $PORT)"; echo "$RUN/hosts.json"; exit 0; fi
  eval "$(bash "$HERE/xen-setup.sh" | grep -E '^[A-Z_0-9]+=')"
  rm -rf "$RUN" && mkdir -p "$RUN"
  [ "$GUEST_TYPE" = pv ] && CPU=qemu64 || CPU=qemu64,+svm,+npt
  qemu-system-x86_64 -machine pc -accel tcg -cpu "$CPU" -smp 2 -m "$MEM" -display none -no-reboot \
    -kernel "$XEN" -append "dom0_mem=1024M,max:1024M dom0_max_vcpus=2 console=com1 loglvl=warning noreboot" \
    -initrd "$DOM0_KERNEL console=hvc0 quiet,$DOM0_INITRD" \
    -nic user,model=e1000,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-:22 \
    -serial "file:$RUN/serial.log" -monitor none -daemonize -pidfile "$RUN/qemu.pid"
  log "booting Xen under TCG (PID $(cat "$RUN/qemu.pid"), ssh on 127.0.0.1:$PORT)"
  cat > "$RUN/ssh_config" <<CFG
Host xenhost
  HostName 127.0.0.1
  Port $PORT
  User root
  IdentityFile $KEY
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  ConnectTimeout 10
  ServerAliveInterval 5
  ServerAliveCountMax 6
CFG
  deadline=$((SECONDS + TIMEOUT))
  until ssh -F "$RUN/ssh_config" -o BatchMode=yes xenhost 'test -e /run/xenconsoled.pid && xl info >/dev/null' 2>/dev/null; do
    running || { log "QEMU exited while booting; last lines of its serial log:"; tail -20 "$RUN/serial.log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { log "dom0 not reachable after $TIMEOUT s; last lines:"; tail -20 "$RUN/serial.log" >&2; kill "$(cat "$RUN/qemu.pid")"; exit 1; }
    sleep 3
  done
  cat > "$RUN/hosts.json" <<JSON
{
  "source":      { "ssh": "xenhost", "sshOptions": ["-F", "$RUN/ssh_config"] },
  "destination": { "ssh": "xenhost", "sshOptions": ["-F", "$RUN/ssh_config"] }
}
JSON
  log "dom0 is up ($(ssh -F "$RUN/ssh_config" xenhost 'xl info | grep -E "^(xen_version|virt_caps|free_memory)"' | tr -s ' ' | tr '\n' ';'))"
  echo "$RUN/hosts.json"
  ;;
stop)
  if running; then pid=$(cat "$RUN/qemu.pid"); kill "$pid"; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done; kill -9 "$pid" 2>/dev/null || true; log "stopped PID $pid"; fi
  rm -f "$RUN/qemu.pid"
  ;;
status)
  if running; then echo "running (PID $(cat "$RUN/qemu.pid"), port $PORT)"; else echo "stopped"; exit 1; fi
  ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
