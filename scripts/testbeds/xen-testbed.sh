#!/usr/bin/env bash
# The Xen testbed: Xen 4.17 + a Debian dom0 under QEMU (TCG, -cpu qemu64), its sshd on a loopback
# port, built by xen-setup.sh (cached under $MIGLAB_XEN_DIR, default /var/tmp/miglab-xen).
#   xen-testbed.sh start      build if needed, boot one Xen host, wait for dom0's sshd, write
#                             hosts.json (the host migrates to itself) + ssh_config
#   xen-testbed.sh start-two  two Xen hosts joined by a QEMU socket network (192.168.77.1 and .2,
#                             dom0 to dom0 over ssh): the design card's two-host testbed
#   xen-testbed.sh stop       stop the QEMUs this script started (by their PID files)
#   xen-testbed.sh status
# Settings: MIGLAB_XEN_SSH_PORT (default 48022; two hosts use it and the next, the link the one
# after), MIGLAB_XEN_MEMORY_MIB (3072 for one host: dom0 1 GiB, the rest for guests, twice a guest
# during a migration to itself; 2048 each for two), MIGLAB_XEN_BOOT_TIMEOUT (600 s),
# MIGLAB_XEN_HYPERVISOR (another xen binary to boot, with nested paging for PVH guests).
# Prints the hosts file's path on stdout.
set -euo pipefail
DIR=${MIGLAB_XEN_DIR:-/var/tmp/miglab-xen}
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${MIGLAB_XEN_SSH_PORT:-48022}
TIMEOUT=${MIGLAB_XEN_BOOT_TIMEOUT:-600}
RUN="$DIR/run-$PORT"
log() { echo "xen-testbed: $*" >&2; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
running() { for p in "$RUN"/qemu*.pid; do alive "$p" && return 0; done; return 1; }

# boot NAME SSH_PORT MEMORY_MIB [LINK_ARGS…]: one Xen machine, daemonized, PID in $RUN/qemu-NAME.pid.
boot() {
  local name=$1 port=$2 mem=$3; shift 3
  local link=() linkaddr=""
  if [ $# -gt 0 ]; then link=(-netdev "socket,id=link,$1" -device "e1000,netdev=link,mac=$2"); linkaddr=" miglab.linkaddr=$3"; fi
  qemu-system-x86_64 -machine pc -accel tcg -cpu "$CPU" -smp 2 -m "$mem" -display none -no-reboot \
    -kernel "$XEN" -append "dom0_mem=1024M,max:1024M dom0_max_vcpus=2 console=com1 loglvl=warning noreboot" \
    -initrd "$DOM0_KERNEL console=hvc0 quiet$linkaddr,$DOM0_INITRD" \
    -nic "user,model=e1000,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" "${link[@]}" \
    -serial "file:$RUN/serial-$name.log" -monitor none -daemonize -pidfile "$RUN/qemu-$name.pid"
  log "booting $name under TCG (PID $(cat "$RUN/qemu-$name.pid"), ssh on 127.0.0.1:$port)"
  cat >> "$RUN/ssh_config" <<CFG
Host $name
  HostName 127.0.0.1
  Port $port
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
}

wait_up() {
  local name=$1 deadline=$((SECONDS + TIMEOUT))
  until ssh -F "$RUN/ssh_config" -o BatchMode=yes "$name" 'test -e /run/xenconsoled.pid && xl info >/dev/null' 2>/dev/null; do
    alive "$RUN/qemu-$name.pid" || { log "$name: QEMU exited while booting; last lines of its serial log:"; tail -20 "$RUN/serial-$name.log" >&2; stop_all; exit 1; }
    [ $SECONDS -lt $deadline ] || { log "$name: dom0 not reachable after $TIMEOUT s; last lines:"; tail -20 "$RUN/serial-$name.log" >&2; stop_all; exit 1; }
    sleep 3
  done
  log "$name is up ($(ssh -F "$RUN/ssh_config" "$name" 'xl info | grep -E "^(xen_version|virt_caps|free_memory)"' | tr -s ' ' | tr '\n' ';'))"
}

stop_all() {
  for p in "$RUN"/qemu*.pid; do
    [ -f "$p" ] || continue
    if alive "$p"; then pid=$(cat "$p"); kill "$pid"; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done; kill -9 "$pid" 2>/dev/null || true; log "stopped PID $pid"; fi
    rm -f "$p"
  done
}

case "${1:-}" in
start|start-two)
  if running; then log "already running ($RUN)"; echo "$RUN/hosts.json"; exit 0; fi
  setup=$(bash "$HERE/xen-setup.sh") || { log "building the testbed failed (scripts/testbeds/xen-setup.sh, exit $?); its messages are above"; exit 1; }
  eval "$(grep -E '^[A-Z_0-9]+=' <<<"$setup")"
  rm -rf "$RUN" && mkdir -p "$RUN"
  # MIGLAB_XEN_HYPERVISOR boots another hypervisor binary (e.g. Debian's security build 4.17.7,
  # which has no shadow paging): the machine then also gets nested paging, for PVH guests.
  if [ -n "${MIGLAB_XEN_HYPERVISOR:-}" ]; then XEN=$MIGLAB_XEN_HYPERVISOR; GUEST_TYPE=pvh; fi
  [ "$GUEST_TYPE" = pv ] && CPU=qemu64 || CPU=qemu64,+svm,+npt
  if [ "$1" = start ]; then
    boot xenhost "$PORT" "${MIGLAB_XEN_MEMORY_MIB:-3072}"
    wait_up xenhost
    cat > "$RUN/hosts.json" <<JSON
{
  "source":      { "ssh": "xenhost", "sshOptions": ["-F", "$RUN/ssh_config"] },
  "destination": { "ssh": "xenhost", "sshOptions": ["-F", "$RUN/ssh_config"] }
}
JSON
  else
    LINK=$((PORT + 2))
    boot xenhost1 "$PORT" "${MIGLAB_XEN_MEMORY_MIB:-2048}" "listen=127.0.0.1:$LINK" 52:54:00:77:00:01 192.168.77.1/24
    sleep 1
    boot xenhost2 "$((PORT + 1))" "${MIGLAB_XEN_MEMORY_MIB:-2048}" "connect=127.0.0.1:$LINK" 52:54:00:77:00:02 192.168.77.2/24
    wait_up xenhost1
    wait_up xenhost2
    ssh -F "$RUN/ssh_config" xenhost1 'ssh 192.168.77.2 xl info >/dev/null' || { log "xenhost1 cannot reach xenhost2 over the link"; stop_all; exit 1; }
    log "xenhost1 reaches xenhost2 over the link (192.168.77.0/24)"
    cat > "$RUN/hosts.json" <<JSON
{
  "source":      { "ssh": "xenhost1", "sshOptions": ["-F", "$RUN/ssh_config"] },
  "destination": { "ssh": "xenhost2", "sshOptions": ["-F", "$RUN/ssh_config"], "migrationAddress": "192.168.77.2" }
}
JSON
  fi
  echo "$RUN/hosts.json"
  ;;
stop)
  stop_all
  ;;
status)
  if running; then echo "running ($(for p in "$RUN"/qemu*.pid; do alive "$p" && printf '%s ' "$(basename "$p" .pid | sed 's/^qemu-//'):$(cat "$p")"; done)port $PORT)"; else echo "stopped"; exit 1; fi
  ;;
*) echo "usage: $0 start|start-two|stop|status" >&2; exit 2 ;;
esac
