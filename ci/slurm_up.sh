#!/usr/bin/env bash
# Bring up a real single-node Slurm cluster (Debian 12, root, no systemd), for the
# hydra-submitit-launcher test (tests/test_sweeps.py, marker `slurm`). Tear down with
# ci/slurm_down.sh. From the recipe in /work/shared/recipes/slurm.md; one change: the
# accounting database is dropped at bring-up (see step 3).
# Env knobs: SLURM_DIR (scratch, default /tmp/slurm-ci), SLURM_WITH_DBD (1 = slurmdbd+MariaDB so sacct works; default 1)
set -euo pipefail
SLURM_DIR=${SLURM_DIR:-/tmp/slurm-ci}
SLURM_WITH_DBD=${SLURM_WITH_DBD:-1}
H=$(hostname -s)
NCPU=$(nproc)
MEM_MB=$(( $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) * 8 / 10 ))

# 1. packages (wait for a concurrent apt/dpkg instead of failing)
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -q -y -o DPkg::Lock::Timeout=600 --no-install-recommends"
PKGS="munge slurmctld slurmd slurm-client"
[ "$SLURM_WITH_DBD" = 1 ] && PKGS="$PKGS slurmdbd mariadb-server"
if ! dpkg -s $PKGS >/dev/null 2>&1; then
  for i in 1 2 3 4 5; do apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null && break; sleep 10; done
  $APT install $PKGS >/dev/null
fi

mkdir -p "$SLURM_DIR"/{state,spool,log}

# 2. munge (postinst normally creates /etc/munge/munge.key; make one if not)
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged          # daemonizes; pid in /run/munge/munged.pid
  for i in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge >/dev/null

# 3. optional accounting: MariaDB + slurmdbd (gives a working `sacct`, which submitit polls)
ACCT="AccountingStorageType=accounting_storage/none"
if [ "$SLURM_WITH_DBD" = 1 ]; then
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  if ! mariadb -e 'select 1' >/dev/null 2>&1; then
    # pid file goes to /run/mysqld/mysqld.pid (the mysql user must be able to write it)
    setsid /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 \
      >"$SLURM_DIR/log/mariadb.log" 2>&1 </dev/null &
    for i in $(seq 100); do mariadb -e 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  # fresh accounting to match `slurmctld -c` below: job ids restart at 1, and records of an
  # earlier bring-up's jobs with the same ids would otherwise show up in `sacct -j ID`
  mariadb -e "DROP DATABASE IF EXISTS slurm_acct_db;"
  mariadb -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmci';
              GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
  cat > /etc/slurm/slurmdbd.conf <<EOC
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
LogFile=$SLURM_DIR/log/slurmdbd.log
PidFile=$SLURM_DIR/slurmdbd.pid
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurmci
StorageLoc=slurm_acct_db
EOC
  chmod 0600 /etc/slurm/slurmdbd.conf
  slurmdbd
  for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/6819) 2>/dev/null && break; sleep 0.2; done
  ACCT="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819"
fi

# 4. slurm.conf (no cgroups: proctrack/linuxproc + task/none)
cat > /etc/slurm/slurm.conf <<EOC
ClusterName=ci
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
$ACCT
ReturnToService=2
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$H NodeAddr=127.0.0.1 CPUs=$NCPU Sockets=1 CoresPerSocket=$NCPU ThreadsPerCore=1 RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Default=YES Nodes=ALL MaxTime=INFINITE State=UP
EOC

# 5. daemons (each forks into the background and writes its pid file)
slurmctld -c          # -c: start with clean job state
slurmd
for i in $(seq 150); do
  [ "$(sinfo -h -n "$H" -o %t 2>/dev/null)" = idle ] && break; sleep 0.2
done
sinfo
[ "$(sinfo -h -n "$H" -o %t)" = idle ] || { tail -20 "$SLURM_DIR"/log/*.log; exit 1; }
