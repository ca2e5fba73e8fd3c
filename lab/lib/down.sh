# `lab down`: remove every process, mount, namespace, interface, cgroup and directory the lab
# made. Idempotent, and it finds a crashed run's leftovers the same way (by cgroup, by the
# knc- prefix, by the lab's directories) — it touches nothing else.
lab_down() {
  local t0; t0=$(date +%s)
  kill_all_lab_processes
  # Stray pids in a node namespace that escaped the cgroup (should be none).
  net_delete_all
  # Mounts under the lab's dirs: pod volumes, overlay rootfs, netns bind mounts; deepest first.
  local m
  for m in $(awk '{print $2}' /proc/self/mounts | grep -E "^($LAB_STATE|$LAB_RUN)(/|$)" | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  cgroup_remove_all
  rm -rf "$LAB_STATE" "$LAB_RUN"
  log "lab down in $(( $(date +%s) - t0 ))s"
}
