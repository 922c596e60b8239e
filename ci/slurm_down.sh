#!/usr/bin/env bash
# Stop everything ci/slurm_up.sh started, by pid file (never by name). Idempotent.
# From the recipe in /work/shared/recipes/slurm.md.
SLURM_DIR=${SLURM_DIR:-/tmp/slurm-ci}
stop() {  # stop PIDFILE
  [ -s "$1" ] || return 0
  local p; p=$(cat "$1")
  kill "$p" 2>/dev/null || return 0
  for i in $(seq 100); do
    kill -0 "$p" 2>/dev/null || return 0
    # PID 1 here may not reap orphans: an exited daemon can linger as a zombie (state Z)
    case "$(ps -o stat= -p "$p" 2>/dev/null)" in Z*|"") return 0;; esac
    sleep 0.1
  done
  kill -9 "$p" 2>/dev/null || true
}
scancel --user=root 2>/dev/null || true
stop "$SLURM_DIR/slurmd.pid"
stop "$SLURM_DIR/slurmctld.pid"
stop "$SLURM_DIR/slurmdbd.pid"
stop /run/mysqld/mysqld.pid
stop /run/munge/munged.pid
rm -rf "$SLURM_DIR"
