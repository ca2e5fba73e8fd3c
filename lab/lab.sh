#!/usr/bin/env bash
# The lab: a real multi-node Kubernetes on this machine, each node in its own network
# namespace. Usage: npm run lab -- <command>   (see `npm run lab -- help`)
set -euo pipefail
LAB_DIR=$(cd "$(dirname "$0")" && pwd)
source "$LAB_DIR/versions.env"
for f in common procs net pki images node control-plane flannel bgp egress faults faults-paths dns up down; do source "$LAB_DIR/lib/$f.sh"; done

usage() {
  cat <<USAGE
Usage: npm run lab -- <command> [args]

  up [--nodes N] [--network routed|vxlan|flannel-vxlan|flannel-host-gw|bgp] [--proxy-mode iptables|nftables]
     [--ip-family ipv4|dual|ipv6]           build if needed, start a cluster (default: 3 nodes, routed, iptables, ipv4;
                                            dual: routed or vxlan; ipv6: routed)
  down                                      remove everything the lab made (idempotent)
  status                                    nodes, processes, pod network mode
  kubeconfig                                print the admin kubeconfig path
  exec <node> -- <command…>                 run a command in a node's network namespace
  fault <name> [args]                       inject a network fault (fault --help lists them)
  heal [name]                               undo one fault kind, or all faults
  build                                     build the upstream components only
USAGE
}

require_root() { [ "$(id -u)" -eq 0 ] || die "the lab needs root (network namespaces, cgroups, mounts); run it as root or with sudo" 2; }

cmd=${1:-help}; shift || true
case "$cmd" in
  up) require_root; lab_up "$@" ;;
  down) require_root; lab_down ;;
  status) lab_status ;;
  kubeconfig) load_lab_config; echo "$(pki_dir)/admin.kubeconfig" ;;
  exec)
    require_root; load_lab_config
    [ $# -ge 1 ] || die "usage: npm run lab -- exec <node> -- <command…>" 2
    idx=$(node_index "$1"); shift
    [ "${1:-}" = "--" ] && shift
    [ $# -ge 1 ] || die "usage: npm run lab -- exec <node> -- <command…>" 2
    in_node "$idx" "$@" ;;
  fault) require_root; load_lab_config; fault_inject "$@" ;;
  heal) require_root; load_lab_config; fault_heal "$@" ;;
  build) bash "$LAB_DIR/build.sh" ;;
  help|-h|--help) usage ;;
  *) usage >&2; die "unknown command '$cmd'" 2 ;;
esac
