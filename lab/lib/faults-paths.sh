# Faults of the paths users hit first (issue 12): pods → node addresses, hairpin, cluster DNS.
# Same conventions as faults.sh: firewall rules go into the lab's own mangle chains, tagged
# "knc-fault:<name>", recorded in $LAB_STATE/faults, and `heal` undoes exactly them.
# faults.sh hands these names to fault_inject_paths / heal_one_paths.

FAULT_PATH_NAMES="pods-to-node-drop hairpin-off dns-down block-dns-udp"
FAULT_NAMES="$FAULT_NAMES $FAULT_PATH_NAMES"

fault_usage_paths() {
  cat <<USAGE
  pods-to-node-drop <node>                     <node> drops new connections from the pod range to its own addresses (INPUT firewall)
  hairpin-off <node>                           hairpin off on <node>'s pod bridge ports (and the bridge CNI's hairpinMode for new pods)
  dns-down                                     scale CoreDNS (kube-system/coredns) to zero replicas
  block-dns-udp <node>                         <node> drops UDP 53 from its pods to the cluster DNS Service and the DNS pods
USAGE
}

# Remove this fault's tagged rules from node i's fault chains.
fault_chains_clean() { # node index, fault name
  local n=$1 name=$2 chain rule ipt
  for ipt in $(fault_ipts); do
    for chain in KNC-FAULT-PRE KNC-FAULT-FWD; do
      { in_node "$n" "$ipt" -t mangle -S "$chain" 2>/dev/null || true; } | { grep -- "knc-fault:$name" || true; } | sed 's/^-A /-D /' |
        while read -r rule; do eval "in_node $n $ipt -t mangle $rule"; done
    done
  done
}

# bridge ports of the pod bridge on node i: set hairpin on|off on every one.
fault_bridge_hairpin() { # node index, on|off
  local n=$1 mode=$2 port
  for port in $(in_node "$n" bridge -o link show master cni0 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    in_node "$n" bridge link set dev "$port" hairpin "$mode"
  done
}

# The bridge CNI's hairpinMode in node i's conflist (containerd rereads the directory for new pods).
fault_cni_hairpin() { # node index, true|false
  local f; f="$(node_dir "$1")/cni/net.d/10-lab.conflist"
  [ -f "$f" ] || return 0
  sed "s/\"hairpinMode\": *\(true\|false\)/\"hairpinMode\": $2/" "$f" > "$f.tmp" && mv "$f.tmp" "$f"
}

fault_inject_paths() {
  local name=$1; shift
  case "$name" in
    pods-to-node-drop)
      [ $# -eq 1 ] || die "usage: fault pods-to-node-drop <node>" 2
      local n f src; n=$(node_index "$1")
      # New connections only (a stateful INPUT firewall): replies to the node's own connections
      # into pods (the API server's pod proxy, kubelet probes) keep flowing. Every family's pod range.
      for f in $(lab_families); do
        fault_chains "$n" "$f"
        src=$LAB_POD_CIDR; [ "$f" = 6 ] && src=$LAB_POD_CIDR6
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -s "$src" -m addrtype --dst-type LOCAL \
          -m conntrack --ctstate NEW -m comment --comment knc-fault:pods-to-node-drop -j DROP
      done
      fault_record pods-to-node-drop "$1" ;;
    hairpin-off)
      [ $# -eq 1 ] || die "usage: fault hairpin-off <node>" 2
      # The ports of pods running now, and the CNI config, so pods created after the fault (a
      # run's probes) come up without hairpin too — as on a node whose bridge CNI has it off.
      local n; n=$(node_index "$1")
      fault_cni_hairpin "$n" false
      fault_bridge_hairpin "$n" off
      fault_record hairpin-off "$1" ;;
    dns-down)
      [ $# -eq 0 ] || die "usage: fault dns-down" 2
      dns_scale 0
      wait_for "every CoreDNS pod to be gone" 60 dns_pods_gone
      fault_record dns-down ;;
    block-dns-udp)
      [ $# -eq 1 ] || die "usage: fault block-dns-udp <node>" 2
      # Every UDP datagram to port 53 from the node's pods, before kube-proxy's DNAT (so to the
      # kube-dns VIP and to the DNS pods directly); DNS over TCP and the host network still work.
      local n cidr f; n=$(node_index "$1")
      for f in $(lab_families); do
        fault_chains "$n" "$f"
        cidr=$(node_pod_cidr "$1" "$f")
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -s "$cidr" -p udp --dport 53 -m comment --comment knc-fault:block-dns-udp -j DROP
      done
      fault_record block-dns-udp "$1" ;;
  esac
}

heal_one_paths() {
  local name=$1; shift
  case "$name" in
    pods-to-node-drop) fault_chains_clean "$(node_index "$1")" "$name" ;;
    hairpin-off)
      local n; n=$(node_index "$1")
      fault_cni_hairpin "$n" true
      fault_bridge_hairpin "$n" on ;;
    dns-down)
      dns_scale "$LAB_DNS_REPLICAS"
      wait_for "CoreDNS to have $LAB_DNS_REPLICAS ready replicas again" 120 dns_ready ;;
    block-dns-udp) fault_chains_clean "$(node_index "$1")" "$name" ;;
  esac
}
