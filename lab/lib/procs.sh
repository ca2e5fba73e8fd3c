# Lab processes. Every daemon is started inside its node's network namespace with
# `nsenter --net` (joins only the network namespace, so kubelet and containerd share the
# machine's mounts) and placed in the lab's cgroup in every v1 hierarchy; the containerd shims
# and containers it starts land under it too. `lab down` kills by cgroup, so a crashed run's
# leftovers are found the same way as a clean run's.
CGROUP_V1_ROOT=/sys/fs/cgroup
cgroup_hierarchies() {
  local h
  for h in "$CGROUP_V1_ROOT"/*; do
    if [ -f "$h/cgroup.procs" ] && [ "$(basename "$h")" != unified ]; then echo "$h"; fi
  done
}

cgroup_make() { # relative path under each hierarchy, e.g. knc-lab/daemons
  local h p part
  for h in $(cgroup_hierarchies); do
    p=$h
    for part in ${1//\// }; do
      p=$p/$part
      if [ ! -d "$p" ]; then
        mkdir "$p"
        # cpuset children start empty; inherit the parent's CPUs and memory nodes.
        if [ -f "$p/cpuset.cpus" ]; then
          cat "$(dirname "$p")/cpuset.cpus" > "$p/cpuset.cpus"
          cat "$(dirname "$p")/cpuset.mems" > "$p/cpuset.mems"
        fi
      fi
    done
  done
}

# Every pid in the lab's cgroup tree (pids hierarchy: every process is in exactly one place).
cgroup_lab_pids() {
  local base="$CGROUP_V1_ROOT/pids/$LAB_CGROUP_PARENT"
  [ -d "$base" ] || return 0
  find "$base" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -un
}

cgroup_remove_all() {
  local h
  for h in $(cgroup_hierarchies); do
    [ -d "$h/$LAB_CGROUP_PARENT" ] || continue
    find "$h/$LAB_CGROUP_PARENT" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# start_daemon <name> <node index> <command…>: runs in the node's netns, logs to $LAB_LOGS.
start_daemon() {
  local name=$1 i=$2; shift 2
  mkdir -p "$LAB_LOGS" "$LAB_RUN/pids"
  local ns; ns=$(node_netns "$i")
  # The subshell moves itself into the lab cgroup before exec, so the daemon and all its
  # children (containerd's shims and containers) are born there.
  (
    for h in $(cgroup_hierarchies); do echo $BASHPID > "$h/$LAB_CGROUP_PARENT/daemons/cgroup.procs"; done
    exec nsenter --net="/run/netns/$ns" -- setsid "$@" </dev/null >>"$LAB_LOGS/$name.log" 2>&1
  ) &
  echo $! > "$LAB_RUN/pids/$name.pid"
}

daemon_pid() { cat "$LAB_RUN/pids/$1.pid" 2>/dev/null; }
# Alive = exists and is not a zombie (a SIGKILLed daemon whose parent is gone may linger as Z).
daemon_alive() {
  local p state; p=$(daemon_pid "$1") && [ -n "$p" ] && [ -r "/proc/$p/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ]
}

stop_daemon() { # name
  local p; p=$(daemon_pid "$1") || return 0
  [ -n "$p" ] && kill "$p" 2>/dev/null || true
  wait_for "$1 (pid $p) to exit" 10 sh -c "! kill -0 $p" || kill -9 "$p" 2>/dev/null || true
  rm -f "$LAB_RUN/pids/$1.pid"
}

# The lab's data is thrown away on down, so there is nothing to shut down gracefully: SIGKILL
# (container PID 1s ignore SIGTERM anyway) and wait until the cgroup tree is empty.
lab_cgroup_empty() { [ -z "$(cgroup_lab_pids)" ]; }
kill_all_lab_processes() {
  local pids round
  for round in 1 2 3; do
    pids=$(cgroup_lab_pids)
    [ -z "$pids" ] && return 0
    kill -9 $pids 2>/dev/null || true
    wait_for "lab processes to exit after SIGKILL" 5 lab_cgroup_empty && return 0
  done
}
