#!/usr/bin/env bash
# Lab benchmark: cold build time (as recorded by the build), warm `up` to all-Ready, `down`.
# Targets (issue "The lab"): warm up ≤ 90 s, down ≤ 15 s. Usage: bash lab/bench.sh [--network vxlan]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.env"; source "$here/lib/common.sh"
bash "$here/lab.sh" down >/dev/null 2>&1
bash "$here/build.sh"
t0=$(date +%s.%N); bash "$here/lab.sh" up "$@" >/dev/null; t1=$(date +%s.%N)
bash "$here/lab.sh" down >/dev/null 2>&1; t2=$(date +%s.%N)
secs() { cat "$1/.build-seconds" 2>/dev/null || echo "?"; }
printf '%-34s %10s %10s\n' phase seconds target
printf '%-34s %10s %10s\n' "cold build: Kubernetes $KUBERNETES_VERSION" "$(secs "$(kubernetes_bin_dir)")" -
printf '%-34s %10s %10s\n' "cold build: containerd $CONTAINERD_VERSION" "$(secs "$(containerd_bin_dir)")" -
printf '%-34s %10.1f %10s\n' "warm up (all nodes Ready + smoke)" "$(awk -v a="$t0" -v b="$t1" "BEGIN{print b-a}")" 90
printf '%-34s %10.1f %10s\n' "down" "$(awk -v a="$t1" -v b="$t2" "BEGIN{print b-a}")" 15
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
