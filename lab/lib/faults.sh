# Faults on demand: each one breaks one network path on purpose, and `heal` undoes it.
# Firewall faults live in the lab's own chains in the mangle table — KNC-FAULT-PRE hooked first
# into PREROUTING (after conntrack, before kube-proxy's DNAT) and KNC-FAULT-FWD into FORWARD —
# each rule tagged with its fault's name; heal removes only those and never touches
# kube-proxy's rules. TCP and NodePort blocks drop only NEW connections, as a stateful firewall
# does: replies to the node's own connections (kube-proxy masquerades with random ports, some
# of which fall in the NodePort range) and established control connections keep flowing.
# The record of active faults is $LAB_STATE/faults (one line each).

FAULT_NAMES="cut-route block-port block-nodeports kube-proxy-down no-forwarding mtu bgp-down del-route loss netpol-down netpol-bypass"

fault_usage() {
  cat <<USAGE
Faults (npm run lab -- fault <name> …; undo with: npm run lab -- heal [name]):
  cut-route <nodeA> <nodeB> [--family 4|6]     pods on A cannot reach B's pod range (blackhole route on A)
  block-port <node> <port>/<tcp|udp> [--from <node>] [--family 4|6]
                                               drop inbound to <node>:<port> (all sources, or one node)
     --family: only that IP family (ip -6 route / ip6tables for 6); without it, every family the lab runs
  block-nodeports <node>                       drop inbound TCP+UDP 30000-32767 to <node>'s addresses
  kube-proxy-down <node>                       stop kube-proxy on <node> and flush its Service rules
  no-forwarding <node>                         <node> stops forwarding routed traffic (same-bridge traffic still flows)
  mtu <node> <bytes>                           lower <node>'s link MTU: full-size packets into it die, small pass
  bgp-down <node>                              (bgp) drop TCP 179 to and from <node>, stateless: its BGP sessions die,
                                               the peers withdraw its pod route and it loses theirs
  del-route <nodeA> <nodeB>                    (flannel-host-gw) delete A's route to B's pod range once and wait
                                               until flannel's route checker re-adds it (≤ 10 s; self-healing)
  loss <nodeA> <nodeB> <percent>               drop <percent> % of packets between A and B, each direction (random, per packet)
  netpol-down <node>                           (--netpol kube-router) stop kube-router on <node>: its rules stay as they were,
                                               so policies made (and pods started) afterwards are not enforced for its pods
  netpol-bypass <node>                         (--netpol kube-router) <node>'s pods bypass NetworkPolicy to and from other nodes:
                                               what it forwards to or from its pod range carries kube-router's "a policy allowed
                                               this" mark (0x10000); traffic between its own pods is still judged
USAGE
  fault_usage_paths
}

fault_record() { echo "$*" >> "$LAB_STATE/faults"; }
fault_recorded() { [ -f "$LAB_STATE/faults" ] && grep -qxF -- "$*" "$LAB_STATE/faults"; }
fault_needs_netpol() { # fault name
  [ "${LAB_NETPOL:-}" = kube-router ] || die "$1 needs a NetworkPolicy implementation (lab up --netpol kube-router); this lab runs none" 2
}
# The firewall commands of the lab's families (iptables; with IPv6 also ip6tables).
fault_ipts() { local f; for f in $(lab_families); do ipt_cmd "$f"; done; }

fault_chains() { # node index [family 4|6, default 4]: make sure our chains exist and are hooked first
  local i=$1 ipt chain hook; ipt=$(ipt_cmd "${2:-4}")
  for chain in KNC-FAULT-PRE:PREROUTING KNC-FAULT-FWD:FORWARD KNC-FAULT-OUT:OUTPUT; do
    hook=${chain#*:}; chain=${chain%%:*}
    in_node "$i" "$ipt" -t mangle -N "$chain" 2>/dev/null || true
    in_node "$i" "$ipt" -t mangle -C "$hook" -j "$chain" 2>/dev/null || in_node "$i" "$ipt" -t mangle -I "$hook" 1 -j "$chain"
  done
}

# --family 4|6 → that family (it must be one the lab runs); none → every family the lab runs.
fault_families() { # the --family value or ""
  [ -z "$1" ] && { lab_families; return 0; }
  [[ "$1" =~ ^[46]$ ]] || die "--family must be 4 or 6 (got '$1')" 2
  lab_has_family "$1" || die "this lab has no IPv$1 (it runs --ip-family ${LAB_IP_FAMILY:-ipv4}); --family $1 needs: lab up --ip-family dual" 2
  echo "$1"
}

# cut-route's blackhole must win over the network's own route to that range. At the default
# metric it replaces the static/flannel route (IPv4 0, IPv6 1024) and sits above BIRD's (metric
# 32) in IPv4; but IPv6 has no metric 0 (the kernel makes it 1024), where it would lose to BIRD's
# 32: in bgp the IPv6 blackhole is metric 1, and heal deletes exactly that one.
cut_route_metric() { [ "$1" != 6 ] || [ "$LAB_NETWORK" != bgp ] || echo "metric 1"; }

parse_port_proto() {
  [[ "$1" =~ ^([0-9]+)/(tcp|udp)$ ]] || die "expected <port>/<tcp|udp>, got '$1'" 2
  FAULT_PORT=${BASH_REMATCH[1]}; FAULT_PROTO=${BASH_REMATCH[2]}
}

fault_inject() {
  local name=${1:-}; shift || true
  case "$name" in
    cut-route)
      local args=() family=""
      while [ $# -gt 0 ]; do
        case "$1" in --family) family=${2:?--family needs 4 or 6}; shift 2 ;; --family=*) family=${1#*=}; shift ;; *) args+=("$1"); shift ;; esac
      done
      [ ${#args[@]} -eq 2 ] || die "usage: fault cut-route <nodeA> <nodeB> [--family 4|6]" 2
      set -- "${args[@]}"
      local a b cidr f families; a=$(node_index "$1"); b=$(node_index "$2")
      [ "$a" != "$b" ] || die "cut-route needs two different nodes" 2
      families=$(fault_families "$family")
      for f in $families; do
        cidr=$(node_pod_cidr "$2" "$f")
        in_node "$a" ip -"$f" route replace blackhole "$cidr" $(cut_route_metric "$f")
        fault_record cut-route "$1" "$2" "$cidr"
      done
      [ -z "$family" ] || set -- "$@" --family "$family" ;;
    block-port)
      local args=() family="" from=""
      while [ $# -gt 0 ]; do
        case "$1" in
          --family) family=${2:?--family needs 4 or 6}; shift 2 ;; --family=*) family=${1#*=}; shift ;;
          --from) from=${2:?--from needs a node}; shift 2 ;;
          *) args+=("$1"); shift ;;
        esac
      done
      [ ${#args[@]} -eq 2 ] || die "usage: fault block-port <node> <port>/<tcp|udp> [--from <node>] [--family 4|6]" 2
      set -- "${args[@]}"
      local n f from_ip=""; n=$(node_index "$1"); parse_port_proto "$2"
      local families; families=$(fault_families "$family")
      if [ -n "$from" ]; then node_index "$from" >/dev/null; fi
      # Only traffic to this node's own addresses, so pod traffic passing through is untouched.
      # TCP: new connections only. UDP: every datagram (VXLAN flows never look "new" again).
      local state=(); [ "$FAULT_PROTO" = tcp ] && state=(-m conntrack --ctstate NEW)
      for f in $families; do
        fault_chains "$n" "$f"
        from_ip=""; [ -z "$from" ] || from_ip=$(node_ip_family "$(node_index "$from")" "$f")
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -p "$FAULT_PROTO" --dport "$FAULT_PORT" \
          ${from_ip:+-s "$from_ip"} -m addrtype --dst-type LOCAL "${state[@]}" -m comment --comment knc-fault:block-port -j DROP
      done
      [ -z "$from" ] || set -- "$@" --from "$from"
      [ -z "$family" ] || set -- "$@" --family "$family"
      fault_record block-port "$@" ;;
    block-nodeports)
      [ $# -eq 1 ] || die "usage: fault block-nodeports <node>" 2
      local n proto f; n=$(node_index "$1")
      for f in $(lab_families); do
        fault_chains "$n" "$f"
        for proto in tcp udp; do
          in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -p "$proto" --dport "${LAB_NODEPORT_RANGE/-/:}" -m addrtype --dst-type LOCAL \
            -m conntrack --ctstate NEW -m comment --comment knc-fault:block-nodeports -j DROP
        done
      done
      fault_record block-nodeports "$1" ;;
    kube-proxy-down)
      [ $# -eq 1 ] || die "usage: fault kube-proxy-down <node>" 2
      local n; n=$(node_index "$1")
      stop_daemon "kube-proxy-$1"
      in_node "$n" "$(kubernetes_bin_dir)/kube-proxy" --cleanup >/dev/null 2>&1 || true
      fault_record kube-proxy-down "$1" ;;
    no-forwarding)
      [ $# -eq 1 ] || die "usage: fault no-forwarding <node>" 2
      # Not the ip_forward sysctl alone: the CNI bridge plugin turns it back on at the next pod
      # it wires. A FORWARD drop of everything routed (bridged pod-to-pod on cni0 still flows)
      # is what a node with forwarding off — or a FORWARD policy of DROP — does to pod traffic.
      local n f; n=$(node_index "$1")
      for f in $(lab_families); do
        fault_chains "$n" "$f"
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-FWD -i cni0 -o cni0 -m comment --comment knc-fault:no-forwarding -j RETURN
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-FWD -m comment --comment knc-fault:no-forwarding -j DROP
      done
      fault_record no-forwarding "$1" ;;
    mtu)
      [ $# -eq 2 ] && [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 576 ] || die "usage: fault mtu <node> <bytes ≥ 576>" 2
      local n f; n=$(node_index "$1")
      in_node "$n" ip link set eth0 mtu "$2"
      # The node's TCP connections made before the change (the kubelet's and kube-proxy's to the
      # API server, the API server's exec streams to the kubelet) keep the MSS the old MTU allowed,
      # and the veth drops what arrives larger than its new MTU without a word (no ICMP): their
      # large segments vanish, the kubelet's requests time out and kube-proxy's watches break for
      # ~40 s (seen 2026-12-07: probes on that node ready after 42-48 s, kube-proxy serving the
      # run's Services with no endpoints). A real node would reconnect too; ending them now makes
      # them reconnect at once, with an MSS that fits. Only the control path's connections (to and
      # from the API server's port, and to the kubelet's): ending every established connection
      # also ended BIRD's BGP sessions on the bgp network, whose peers then withdrew the node's
      # pod range (CI 2026-12-07: pod-to-pod into the node failed right after the fault). Only the
      # node's own sockets: pods are in their own namespaces.
      in_node "$n" ss -K -tn state established \
        "( dport = :$LAB_APISERVER_PORT or sport = :$LAB_APISERVER_PORT or sport = :10250 )" >/dev/null 2>&1 || true
      # veth and bridges let GSO super-packets through regardless of the receiver's MTU, which
      # a real link would not: drop what arrives larger than the MTU, as the smaller link would.
      # Except TCP to the node's own addresses: the node's own sockets (the kubelet serving the
      # API server's exec and logs, the kubelet's and kube-proxy's watches of the API server,
      # host-network servers) advertise an MSS that follows the smaller MTU, so over a real link
      # their peers send segments that fit; here the peers' GSO super-packets would be dropped
      # whole, a lab artefact that cut the control path and stalled the kubelet's watches (pods
      # took ~50 s to become ready on that node). Pods keep their own larger MTU: what is
      # forwarded to them, and the overlay's UDP, is dropped above the MTU as a real link would.
      for f in $(lab_families); do
        fault_chains "$n" "$f"
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -i eth0 -p tcp -m addrtype ! --dst-type LOCAL -m length --length "$(( $2 + 1 )):65535" \
          -m comment --comment knc-fault:mtu -j DROP
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -i eth0 ! -p tcp -m length --length "$(( $2 + 1 )):65535" \
          -m comment --comment knc-fault:mtu -j DROP
      done
      fault_record mtu "$1" "$2" ;;
    bgp-down)
      [ $# -eq 1 ] || die "usage: fault bgp-down <node>" 2
      [ "$LAB_NETWORK" = bgp ] || die "bgp-down needs the bgp pod network (this lab runs $LAB_NETWORK)" 2
      local n j f cidr peer_cidr dir; n=$(node_index "$1")
      # Stateless, both directions: established sessions die too (a NEW-only block would not
      # touch them); the peers notice when their hold timer (9 s) expires. Every family the lab
      # runs: on a dual lab the IPv6 sessions run over the IPv6 node addresses (ip6tables).
      for f in $(lab_families); do
        fault_chains "$n" "$f"
        for dir in --dport --sport; do
          in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -p tcp "$dir" 179 -m comment --comment knc-fault:bgp-down -j DROP
          in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-OUT -p tcp "$dir" 179 -m comment --comment knc-fault:bgp-down -j DROP
        done
      done
      fault_record bgp-down "$1"
      for f in $(lab_families); do
        cidr=$(node_pod_cidr "$1" "$f")
        for j in $(all_node_indexes); do
          [ "$j" = "$n" ] && continue
          wait_for "$(node_name "$j") to withdraw the BGP route to $1's pod range $cidr" 60 sh -c "! ip -n $(node_netns "$j") -$f route show exact $cidr proto bird | grep -q ."
        done
        # And the other way: the node's own hold timers expire on their own clock (a CI run saw
        # the node still holding a peer's route when the peers had already withdrawn its own).
        for j in $(all_node_indexes); do
          [ "$j" = "$n" ] && continue
          peer_cidr=$(node_pod_cidr "$(node_name "$j")" "$f")
          wait_for "$1 to drop its BGP route to $(node_name "$j")'s pod range $peer_cidr" 60 sh -c "! ip -n $(node_netns "$n") -$f route show exact $peer_cidr proto bird | grep -q ."
        done
      done ;;
    del-route)
      [ $# -eq 2 ] || die "usage: fault del-route <nodeA> <nodeB>" 2
      [ "$LAB_NETWORK" = flannel-host-gw ] || die "del-route needs the flannel-host-gw pod network, whose route checker re-adds routes (this lab runs $LAB_NETWORK)" 2
      local a b cidr; a=$(node_index "$1"); b=$(node_index "$2")
      [ "$a" != "$b" ] || die "del-route needs two different nodes" 2
      cidr=$(kubectl_lab get node "$2" -o jsonpath='{.spec.podCIDR}')
      in_node "$a" ip route del "$cidr" via "$(node_ip "$b")" dev eth0
      fault_record del-route "$1" "$2" "$cidr"
      # Returns once flannel has repaired it: checks run inside that window (≤ 10 s) would fail,
      # rightly — the route was gone. What a run after the repair must show is no lasting damage.
      local t0; t0=$(date +%s)
      wait_for "flanneld on $1 to re-add its route to $2's pod range $cidr" 30 flannel_route_ok "$a" "$cidr" "$b"
      log "flanneld re-added $1's route to $cidr after $(( $(date +%s) - t0 ))s" ;;
    loss)
      # No netem in this kernel: iptables' statistic match drops each packet with probability
      # p, independently. On each node, packets arriving from the other one — its node address
      # (host traffic, VXLAN) and its pod range (routed pod traffic) — so both directions lose p.
      [ $# -eq 3 ] && [[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -ge 1 ] && [ "$3" -le 100 ] || die "usage: fault loss <nodeA> <nodeB> <percent 1-100>" 2
      local a b p src; a=$(node_index "$1"); b=$(node_index "$2")
      [ "$a" != "$b" ] || die "loss needs two different nodes" 2
      p=$(awk -v x="$3" 'BEGIN { printf "%.4f", x / 100 }')
      local f peer_cidr
      for pair in "$a:$2" "$b:$1"; do
        local n=${pair%%:*} peer=${pair#*:} peer_i
        peer_i=$(node_index "$peer")
        for f in $(lab_families); do
          fault_chains "$n" "$f"
          peer_cidr=$(node_pod_cidr "$peer" "$f")
          for src in "$(node_ip_family "$peer_i" "$f")" "$peer_cidr"; do
            in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -s "$src" -m statistic --mode random --probability "$p" \
              -m comment --comment knc-fault:loss -j DROP
          done
        done
      done
      fault_record loss "$1" "$2" "$3" ;;
    netpol-down)
      [ $# -eq 1 ] || die "usage: fault netpol-down <node>" 2
      fault_needs_netpol netpol-down
      local n; n=$(node_index "$1")
      # SIGTERM: kube-router leaves its iptables rules and ipsets behind (it cleans up only with
      # --cleanup-config), so what it had programmed stays in force; nothing is updated any more.
      stop_daemon "$(kube_router_daemon "$n")"
      fault_recorded netpol-down "$1" || fault_record netpol-down "$1" ;;
    netpol-bypass)
      [ $# -eq 1 ] || die "usage: fault netpol-bypass <node>" 2
      fault_needs_netpol netpol-bypass
      # Not an ACCEPT before kube-router's jumps in filter FORWARD: kube-router moves its jumps
      # back to position 1 at every sync (ensureTopLevelChains), so the next policy or pod change
      # would undo it. Instead, in the lab's mangle FORWARD chain (before the filter table), mark
      # the node's pod traffic with the bit kube-router's policy chains set on a match (0x10000):
      # its pod chains then see every packet as allowed (REJECT only "! --mark 0x10000/0x10000"),
      # as when another component on the node uses the same mark bit. Routed and bridged
      # (br_netfilter) traffic alike, to and from the node's pod range.
      local n cidr dir rule; n=$(node_index "$1"); cidr=$(node_pod_cidr "$1" 4)
      fault_chains "$n"
      for dir in -d -s; do
        rule=(KNC-FAULT-FWD "$dir" "$cidr" -m comment --comment knc-fault:netpol-bypass -j MARK --set-xmark 0x10000/0x10000)
        in_node "$n" iptables -t mangle -C "${rule[@]}" 2>/dev/null || in_node "$n" iptables -t mangle -A "${rule[@]}"
      done
      fault_recorded netpol-bypass "$1" || fault_record netpol-bypass "$1" ;;
    ""|-h|--help|help) fault_usage ;;
    *) if [[ " $FAULT_PATH_NAMES " == *" $name "* ]]; then fault_inject_paths "$name" "$@"; else
      fault_usage >&2; die "unknown fault '$name'; faults are: $FAULT_NAMES" 2; fi ;;
  esac
  [ -z "$name" ] || [ "$name" = help ] || [ "$name" = -h ] || [ "$name" = --help ] || log "fault injected: $name $*"
}

# heal [name]: undo every recorded fault (of that kind), newest first.
fault_heal() {
  local only=${1:-}
  if [ -n "$only" ] && [[ " $FAULT_NAMES " != *" $only "* ]]; then die "unknown fault '$only'; faults are: $FAULT_NAMES" 2; fi
  local f="$LAB_STATE/faults"
  [ -f "$f" ] || { log "no faults to heal"; return 0; }
  local keep; keep=$(mktemp)
  local line
  tac "$f" | while read -r line; do
    set -- $line
    if [ -n "$only" ] && [ "$1" != "$only" ]; then echo "$line" >> "$keep"; continue; fi
    heal_one "$@"
    log "healed: $line"
  done
  tac "$keep" > "$f"; rm -f "$keep"
  [ -s "$f" ] || rm -f "$f"
}

heal_one() {
  local name=$1; shift
  case "$name" in
    cut-route)
      local a b f; a=$(node_index "$1"); b=$(node_index "$2"); f=$(cidr_family "$3")
      in_node "$a" ip -"$f" route del blackhole "$3" $(cut_route_metric "$f") 2>/dev/null || true
      case "$LAB_NETWORK" in
        routed) in_node "$a" ip route replace "$3" via "$(node_ip_family "$b" "$f")" dev eth0 ;;
        vxlan) in_node "$a" ip route replace "$3" via "$(vxlan_vtep "$3")" dev vxlan0 onlink ;;
        # flanneld's own layout: IPv4 via the peer's VTEP (its pod range's network address) on
        # flannel.1, IPv6 the same on flannel-v6.1.
        flannel-vxlan) in_node "$a" ip route replace "$3" via "${3%/*}" dev "$(flannel_vxlan_dev "$f")" onlink ;;
        # flannel's route checker re-adds its route within 10 s once the blackhole is gone.
        flannel-host-gw) wait_for "flanneld on $1 to restore its route to $2's pod range $3" 30 flannel_route_ok "$a" "$3" "$b" ;;
        # BIRD's route (metric 32) was under the blackhole all along: removing the blackhole is all.
        bgp) wait_for "the BGP route on $1 to $2's pod range $3" 30 bgp_route_installed "$a" "$3" ;;
      esac ;;
    del-route)
      local a b; a=$(node_index "$1"); b=$(node_index "$2")
      wait_for "flanneld on $1 to re-add its route to $2's pod range $3" 30 flannel_route_ok "$a" "$3" "$b" ;;
    block-port|block-nodeports|mtu|no-forwarding|bgp-down|netpol-bypass)
      local n rule chain ipt; n=$(node_index "$1")
      if [ "$name" = mtu ]; then
        in_node "$n" ip link set eth0 mtu 1500
        # Below 1280 the kernel had disabled IPv6 on the link (and dropped its addresses and routes).
        if lab_has_family 6; then net_node_ipv6_restore "$n"; fi
      fi
      for ipt in $(fault_ipts); do
        for chain in KNC-FAULT-PRE KNC-FAULT-FWD KNC-FAULT-OUT; do
          { in_node "$n" "$ipt" -t mangle -S "$chain" 2>/dev/null || true; } | { grep -- "knc-fault:$name" || true; } | sed 's/^-A /-D /' |
            while read -r rule; do eval "in_node $n $ipt -t mangle $rule"; done
        done
      done
      if [ "$name" = bgp-down ]; then
        local j
        wait_for "every BGP session of $1 to be Established again" 60 bgp_established "$n"
        for j in $(all_node_indexes); do [ "$j" = "$n" ] || wait_for "every BGP session of $(node_name "$j") to be Established again" 60 bgp_established "$j"; done
      fi ;;
    loss)
      local n rule chain node ipt
      for node in "$1" "$2"; do
        n=$(node_index "$node")
        for ipt in $(fault_ipts); do
          { in_node "$n" "$ipt" -t mangle -S KNC-FAULT-PRE 2>/dev/null || true; } | { grep -- "knc-fault:loss" || true; } | sed 's/^-A /-D /' |
            while read -r rule; do eval "in_node $n $ipt -t mangle $rule"; done
        done
      done ;;
    kube-proxy-down)
      local n; n=$(node_index "$1")
      daemon_alive "kube-proxy-$1" || node_start_kube_proxy "$n" ;;
    netpol-down)
      # Restarted, it resyncs every policy and pod at once (kube_router_start waits for that).
      local n; n=$(node_index "$1")
      daemon_alive "$(kube_router_daemon "$n")" || kube_router_start "$n" ;;
    *) heal_one_paths "$name" "$@" ;;
  esac
}
