# Faults of the paths users hit first (issue 12): pods → node addresses, hairpin, cluster DNS.
# Same conventions as faults.sh: firewall rules go into the lab's own mangle chains, tagged
# "knc-fault:<name>", recorded in $LAB_STATE/faults, and `heal` undoes exactly them.
# faults.sh hands these names to fault_inject_paths / heal_one_paths.

FAULT_PATH_NAMES="pods-to-node-drop nodes-to-pods-drop hairpin-off dns-down block-dns-udp block-udp one-way isolate-next-pod no-egress-nat"
FAULT_NAMES="$FAULT_NAMES $FAULT_PATH_NAMES"

fault_usage_paths() {
  cat <<USAGE
  pods-to-node-drop <node>                     <node> drops new connections from the pod range to its own addresses (INPUT firewall)
  nodes-to-pods-drop <node>                    (routed) <node> drops new connections from the other nodes' addresses into its
                                               pods (a FORWARD filter that admits pod addresses, not node addresses); pods
                                               still reach its pods, and its own host does
  hairpin-off <node>                           hairpin off on <node>'s pod bridge ports (and the bridge CNI's hairpinMode for new pods)
  dns-down                                     scale CoreDNS (kube-system/coredns) to zero replicas
  block-dns-udp <node>                         <node> drops UDP 53 from its pods to the cluster DNS Service and the DNS pods
  no-egress-nat <node>                         (routed, vxlan, bgp) remove <node>'s egress NAT: its pods' traffic leaves the
                                               cluster with their pod IPs, which nothing outside routes back
  block-udp <nodeA> <nodeB>                    (routed) A drops UDP between its pods and B's pods, both ways; TCP untouched
  one-way <nodeA> <nodeB>                      (routed) B drops NEW connections from A (its pods and host) into B's pods;
                                               B → A still works (the replies are not new)
  isolate-next-pod <node>                      (routed) <node> stops forwarding to and from the address its pod IPAM
                                               hands out next: the next pod created there is reached only by the node itself
USAGE
  fault_usage_real
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
    nodes-to-pods-drop)
      [ $# -eq 1 ] || die "usage: fault nodes-to-pods-drop <node>" 2
      # A node firewall written for pod traffic only (a cloud security group that admits the pod
      # range but not the node range is the common case): new connections from the other nodes'
      # own addresses into this node's pods are dropped before routing; replies, pods' traffic and
      # the node's own traffic to its pods pass. Every family the lab has.
      local n f i cidr srcs
      n=$(node_index "$1")
      for f in $(lab_families); do
        fault_chains "$n" "$f"
        cidr=$(kubectl_lab get node "$1" -o jsonpath="{.spec.podCIDRs[$([ "$f" = 6 ] && [ "$(lab_families)" != 6 ] && echo 1 || echo 0)]}")
        srcs=""
        for i in $(seq 0 $(($(node_count) - 1))); do
          [ "$i" = "$n" ] && continue
          srcs="${srcs:+$srcs,}$(node_ip_family "$i" "$f")"
        done
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -s "$srcs" -d "$cidr" \
          -m conntrack --ctstate NEW -m comment --comment knc-fault:nodes-to-pods-drop -j DROP
      done
      fault_record nodes-to-pods-drop "$1" ;;
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
    no-egress-nat)
      [ $# -eq 1 ] || die "usage: fault no-egress-nat <node>" 2
      case "$LAB_NETWORK" in flannel-*) die "no-egress-nat: flanneld owns the egress NAT in $LAB_NETWORK (--ip-masq)" 2 ;; esac
      egress_nat_hook "$(node_index "$1")" off
      fault_record no-egress-nat "$1" ;;
    block-udp)
      [ $# -eq 2 ] || die "usage: fault block-udp <nodeA> <nodeB>" 2
      local a ca cb; a=$(node_index "$1"); [ "$a" != "$(node_index "$2")" ] || die "block-udp needs two different nodes" 2
      ca=$(kubectl_lab get node "$1" -o jsonpath='{.spec.podCIDR}'); cb=$(kubectl_lab get node "$2" -o jsonpath='{.spec.podCIDR}')
      fault_chains "$a"
      in_node "$a" iptables -t mangle -A KNC-FAULT-PRE -p udp -s "$ca" -d "$cb" -m comment --comment knc-fault:block-udp -j DROP
      in_node "$a" iptables -t mangle -A KNC-FAULT-PRE -p udp -s "$cb" -d "$ca" -m comment --comment knc-fault:block-udp -j DROP
      fault_record block-udp "$1" "$2" ;;
    one-way)
      [ $# -eq 2 ] || die "usage: fault one-way <nodeA> <nodeB>" 2
      local a b ca cb; a=$(node_index "$1"); b=$(node_index "$2"); [ "$a" != "$b" ] || die "one-way needs two different nodes" 2
      ca=$(kubectl_lab get node "$1" -o jsonpath='{.spec.podCIDR}'); cb=$(kubectl_lab get node "$2" -o jsonpath='{.spec.podCIDR}')
      fault_chains "$b"
      in_node "$b" iptables -t mangle -A KNC-FAULT-PRE -s "$ca,$(node_ip "$a")" -d "$cb" -m conntrack --ctstate NEW -m comment --comment knc-fault:one-way -j DROP
      fault_record one-way "$1" "$2" ;;
    isolate-next-pod)
      [ $# -eq 1 ] || die "usage: fault isolate-next-pod <node>" 2
      local n ip; n=$(node_index "$1"); ip=$(fault_next_pod_ip "$n") || die "isolate-next-pod: cannot tell the next pod address on $1 (routed network only)" 2
      # Everything the node forwards to or from that address is dropped (mangle FORWARD): other
      # nodes, the API server's pod proxy and, as bridged traffic passes FORWARD too
      # (br_netfilter), its bridge neighbours no longer reach it; the node itself (kubelet's
      # readiness probe) still does, so the pod becomes Ready.
      fault_chains "$n"
      in_node "$n" iptables -t mangle -A KNC-FAULT-FWD -d "$ip" -m comment --comment knc-fault:isolate-next-pod -j DROP
      in_node "$n" iptables -t mangle -A KNC-FAULT-FWD -s "$ip" -m comment --comment knc-fault:isolate-next-pod -j DROP
      echo "isolated address: $ip"
      fault_record isolate-next-pod "$1" "$ip" ;;
    *) fault_inject_real "$name" "$@" ;;
  esac
}

# The address host-local hands out next on node i: the first free one after its last reservation
# (the lab's routed pod ranges are /24s, .2–.254).
fault_next_pod_ip() {
  local dir last prefix octet i
  dir="$(node_dir "$1")/cni/ipam/lab-pods"
  [ "$LAB_NETWORK" = routed ] && [ -d "$dir" ] || return 1
  last=$(cat "$dir/last_reserved_ip.0" 2>/dev/null) || return 1
  prefix=${last%.*}; octet=${last##*.}
  for i in $(seq 1 253); do
    octet=$(( octet >= 254 ? 2 : octet + 1 ))
    [ -e "$dir/$prefix.$octet" ] || { echo "$prefix.$octet"; return 0; }
  done
  return 1
}

heal_one_paths() {
  local name=$1; shift
  case "$name" in
    pods-to-node-drop | nodes-to-pods-drop) fault_chains_clean "$(node_index "$1")" "$name" ;;
    hairpin-off)
      local n; n=$(node_index "$1")
      fault_cni_hairpin "$n" true
      fault_bridge_hairpin "$n" on ;;
    dns-down)
      dns_scale "$LAB_DNS_REPLICAS"
      wait_for "CoreDNS to have $LAB_DNS_REPLICAS ready replicas again" 120 dns_ready ;;
    block-dns-udp) fault_chains_clean "$(node_index "$1")" "$name" ;;
    no-egress-nat) egress_nat_hook "$(node_index "$1")" on ;;
    block-udp) fault_chains_clean "$(node_index "$1")" "$name" ;;
    one-way) fault_chains_clean "$(node_index "$2")" "$name" ;;
    isolate-next-pod)
      fault_chains_clean "$(node_index "$1")" "$name"
      in_node "$(node_index "$1")" ip route del blackhole "$2/32" 2>/dev/null || true ;;
    *) heal_one_real "$name" "$@" ;;
  esac
}
