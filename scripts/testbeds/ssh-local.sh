#!/usr/bin/env bash
# A private sshd on 127.0.0.1, standing in for remote hosts in the tests of `miglab replay --hosts`.
# Installs Debian's openssh-server and socat if missing (root), then starts sshd with its own host
# key, client key, authorized_keys, port and pid file, all in DIR: nothing of the system's ssh
# set-up is used or changed. Prints SSH_CONFIG=<file> (hosts miglab-a and miglab-b, both this
# machine) and SSHD_PID=<pid>; stop it with `kill <pid>`.
# Usage: ssh-local.sh DIR [PORT]
set -euo pipefail
DIR=$(mkdir -p "$1" && cd "$1" && pwd)
PORT=${2:-22022}
log() { echo "ssh-local: $*" >&2; }

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v socat >/dev/null || need+=(socat)
command -v ssh >/dev/null || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "ssh-local: need root to install ${need[*]}" >&2; exit 1; }
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The package must not start the system's sshd: no init scripts during this install.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.miglab
  if [ ! -e /usr/sbin/policy-rc.d ]; then cp /usr/sbin/policy-rc.d.miglab /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; REMOVE_POLICY=1; fi
  rm -f /usr/sbin/policy-rc.d.miglab
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
  if [ "${REMOVE_POLICY:-0}" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

mkdir -p /run/sshd 2>/dev/null || true
rm -f "$DIR"/host_key* "$DIR"/client_key*
ssh-keygen -q -t ed25519 -N '' -f "$DIR/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$DIR/client_key"
cp "$DIR/client_key.pub" "$DIR/authorized_keys"
chmod 600 "$DIR/authorized_keys" "$DIR/host_key" "$DIR/client_key"
cat > "$DIR/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/host_key
AuthorizedKeysFile $DIR/authorized_keys
PidFile $DIR/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 100:30:200
MaxSessions 100
CONF
/usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log"
cat > "$DIR/ssh_config" <<CONF
Host miglab-a miglab-b
  HostName 127.0.0.1
  Port $PORT
  User $(id -un)
  IdentityFile $DIR/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
CONF
for _ in $(seq 50); do
  ssh -F "$DIR/ssh_config" miglab-a true 2>/dev/null && break
  sleep 0.1
done
ssh -F "$DIR/ssh_config" miglab-a true || { echo "ssh-local: sshd did not answer on port $PORT (log: $DIR/sshd.log)" >&2; exit 1; }
echo "SSH_CONFIG=$DIR/ssh_config"
echo "SSHD_PID=$(cat "$DIR/sshd.pid")"
