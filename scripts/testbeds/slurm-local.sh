#!/usr/bin/env bash
# A single-node Slurm cluster on localhost for tests: munge + slurmctld + slurmd, everything under
# $MIGLAB_SLURM_DIR (default /tmp/miglab-slurm), ports 49817/49818, no systemd, no cgroups.
#   slurm-local.sh install   apt-get the packages if missing (Debian 12, root)
#   slurm-local.sh start     install if needed, write the config, start the daemons, wait until idle
#   slurm-local.sh stop      stop the daemons this script started (by PID file)
#   slurm-local.sh env       print `export SLURM_CONF=…` for clients
# Pitfalls handled (ecosystem note): munged runs as user munge with its own socket dir (0711);
# proctrack/linuxproc + task/none (cgroup plugins fail here yet report jobs COMPLETED);
# NodeName=localhost NodeAddr=127.0.0.1; every client needs SLURM_CONF.
set -euo pipefail
BASE=${MIGLAB_SLURM_DIR:-/tmp/miglab-slurm}
CONF=$BASE/slurm.conf

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then return 0; fi
  if [ "$(id -u)" != 0 ]; then echo "slurm-local.sh: installing Slurm needs root (apt-get)" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
}

stop() {
  for f in slurmd slurmctld munge/munged; do
    if [ -f "$BASE/$f.pid" ]; then
      pid=$(cat "$BASE/$f.pid" 2>/dev/null || true)
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
      for _ in $(seq 50); do { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; } || break; sleep 0.1; done
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
      rm -f "$BASE/$f.pid"
    fi
  done
}

start() {
  install_packages
  stop
  rm -rf "$BASE/state" "$BASE/spool"
  mkdir -p "$BASE/state" "$BASE/spool" "$BASE/out"
  install -o munge -g munge -m 0711 -d "$BASE/munge"
  [ -f "$BASE/munge/munge.key" ] || runuser -u munge -- mungekey --create --keyfile="$BASE/munge/munge.key" >/dev/null
  runuser -u munge -- /usr/sbin/munged --socket="$BASE/munge/munge.socket" --key-file="$BASE/munge/munge.key" \
    --log-file="$BASE/munge/munged.log" --pid-file="$BASE/munge/munged.pid" --seed-file="$BASE/munge/munged.seed"
  cpus=$(nproc)
  cat > "$CONF" <<CFG
ClusterName=miglab
SlurmctldHost=localhost
SlurmctldPort=49817
SlurmdPort=49818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$BASE/munge/munge.socket
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/slurmctld.pid
SlurmdPidFile=$BASE/slurmd.pid
SlurmctldLogFile=$BASE/slurmctld.log
SlurmdLogFile=$BASE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=60
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=2048 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CFG
  export SLURM_CONF=$CONF
  /usr/sbin/slurmctld -f "$CONF"
  /usr/sbin/slurmd -f "$CONF"
  for _ in $(seq 120); do
    state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
    case "$state" in idle*|mix*|alloc*) echo "slurm up: SLURM_CONF=$CONF"; return 0;; esac
    sleep 0.5
  done
  echo "slurm-local.sh: the node did not become idle (state: ${state:-none}); logs in $BASE" >&2
  stop
  exit 1
}

case "${1:-}" in
  install) install_packages ;;
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
