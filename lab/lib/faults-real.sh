# Faults people really hit (issue 22): misconfigurations from kubeadm's preflight checks, the
# Kubernetes "Debug Services" and "Debugging DNS Resolution" guides and CNI projects' issue
# trackers — the source of each is in docs/detection.md. Each is made the way it happens on a
# real node (a sysctl, a chain policy, a signal, a DNS server's configuration, a firewall that
# rejects), not through the lab's tagged drop rules, so the diagnosis meets what an operator
# would. Same conventions as faults.sh: recorded in $LAB_STATE/faults, `heal` undoes exactly
# what was done; everything happens inside the lab's node namespaces or the lab's cluster.
# faults-paths.sh hands these names to fault_inject_real / heal_one_real.

FAULT_REAL_NAMES="br-netfilter-off forward-policy-drop forward-drop-legacy kube-proxy-hung kube-proxy-killed firewalld-default nodeports-reject block-dns-tcp coredns-loop coredns-rbac stale-vxlan-fdb no-service-masquerade ip-forward-off"
FAULT_PATH_NAMES="$FAULT_PATH_NAMES $FAULT_REAL_NAMES"
FAULT_NAMES="$FAULT_NAMES $FAULT_REAL_NAMES"

fault_usage_real() {
  cat <<USAGE
  br-netfilter-off <node>                      net.bridge.bridge-nf-call-iptables=0 on <node> (ip6tables too): bridged
                                               traffic skips iptables, so a Service reply from a backend on the caller's
                                               own bridge is not un-NATed (kubeadm preflight checks this sysctl)
  forward-policy-drop <node>                   the filter FORWARD policy is DROP on <node> (Docker's default): routed and
                                               bridged pod traffic that no ACCEPT rule admits is dropped
  forward-drop-legacy <node>                   the same policy, set through iptables-legacy while kube-proxy and the lab use
                                               the nft backend: invisible to \`iptables -S\`, still in force
  kube-proxy-hung <node>                       SIGSTOP kube-proxy on <node>: the rules it wrote stay, nothing new is programmed
  kube-proxy-killed <node>                     kube-proxy on <node> exits without cleanup: the same, with no process at all
  firewalld-default <node>                     a firewalld-like INPUT policy on <node>: new connections to its own addresses are
                                               rejected (icmp-host-prohibited) except 22, 6443 and 10250/tcp (kubeadm's ports)
  nodeports-reject <node>                      <node> rejects (ICMP port unreachable) new connections to its NodePort range
                                               instead of dropping them: some tries are "refused", the rest go unanswered
                                               (the kernel rate-limits the ICMP errors)
  block-dns-tcp <node>                         <node> drops TCP 53 from its pods (a firewall opened for UDP 53 only)
  coredns-loop                                 CoreDNS forwards to 127.0.0.53 (a node resolv.conf naming systemd-resolved's stub),
                                               which in its pod is itself: the loop plugin halts every replica (CrashLoopBackOff)
  coredns-rbac                                 CoreDNS's ClusterRole loses endpointslices and its pods restart: they cannot
                                               sync and never turn ready
  stale-vxlan-fdb <nodeA> <nodeB>              (vxlan) A's forwarding entry for B's VTEP points at an address nobody has
                                               (a node recreated with a new address, the old entry left behind)
  no-service-masquerade <node>                 an ACCEPT ahead of kube-proxy in nat POSTROUTING on <node> for traffic kube-proxy
                                               marked for masquerade (an ip-masq / "no SNAT" rule written too wide)
  ip-forward-off <node>                        net.ipv4.ip_forward=0 (and IPv6 forwarding) on <node>; the bridge CNI turns it
                                               back on when it wires the next pod (self-healing for a run that deploys pods)
USAGE
}

# kube-proxy's process on node <name>: the daemon's pid (nsenter and setsid exec it in place).
real_kube_proxy_pid() {
  local p; p=$(daemon_pid "kube-proxy-$1") && [ -n "$p" ] || return 1
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = kube-proxy ] && { echo "$p"; return 0; }
  pgrep -P "$p" -x kube-proxy | head -1
}

# A chain of ours in the filter table, hooked first into <hook> (REJECT lives in filter only).
real_filter_chain() { # node index, ipt command, chain, hook
  in_node "$1" "$2" -t filter -N "$3" 2>/dev/null || true
  in_node "$1" "$2" -t filter -C "$4" -j "$3" 2>/dev/null || in_node "$1" "$2" -t filter -I "$4" 1 -j "$3"
}
real_filter_chain_drop() { # node index, ipt command, chain, hook
  in_node "$1" "$2" -t filter -D "$4" -j "$3" 2>/dev/null || true
  in_node "$1" "$2" -t filter -F "$3" 2>/dev/null || true
  in_node "$1" "$2" -t filter -X "$3" 2>/dev/null || true
}

# The Corefile as the lab ships it, plus the loop plugin and `forward . 127.0.0.53`: what
# `forward . /etc/resolv.conf` becomes on a node whose resolv.conf names systemd-resolved's stub.
# Inside the CoreDNS pod that address is its own loopback, where CoreDNS itself listens: the
# query comes back to it (nothing leaves the pod), and the loop plugin halts the server.
real_corefile_loop() {
  kubectl_lab -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}' |
    sed "s|^\( *\)reload\$|\1reload\n\1loop\n\1forward . 127.0.0.53|"
}

real_dns_restart() {
  kubectl_lab -n kube-system delete pods -l k8s-app=kube-dns --wait=false >/dev/null
}

# Every CoreDNS pod is restarting or not ready (none serves).
real_dns_none_ready() {
  [ -z "$(kubectl_lab -n kube-system get pods -l k8s-app=kube-dns -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -x True)" ]
}

fault_inject_real() {
  local name=$1; shift
  case "$name" in
    br-netfilter-off)
      [ $# -eq 1 ] || die "usage: fault br-netfilter-off <node>" 2
      local n; n=$(node_index "$1")
      in_node "$n" sysctl -qw net.bridge.bridge-nf-call-iptables=0
      if lab_has_family 6; then in_node "$n" sysctl -qw net.bridge.bridge-nf-call-ip6tables=0; fi
      fault_record br-netfilter-off "$1" ;;
    forward-policy-drop | forward-drop-legacy)
      [ $# -eq 1 ] || die "usage: fault $name <node>" 2
      local n f ipt; n=$(node_index "$1")
      for f in $(lab_families); do
        ipt=$(ipt_cmd "$f"); [ "$name" = forward-drop-legacy ] && ipt="${ipt}-legacy"
        in_node "$n" "$ipt" -t filter -P FORWARD DROP
      done
      fault_record "$name" "$1" ;;
    kube-proxy-hung)
      [ $# -eq 1 ] || die "usage: fault kube-proxy-hung <node>" 2
      local p; p=$(real_kube_proxy_pid "$1") || die "kube-proxy-hung: kube-proxy is not running on $1" 1
      kill -STOP "$p"
      fault_record kube-proxy-hung "$1" "$p" ;;
    kube-proxy-killed)
      [ $# -eq 1 ] || die "usage: fault kube-proxy-killed <node>" 2
      node_index "$1" >/dev/null
      # SIGTERM: kube-proxy leaves its rules in place when it exits (only --cleanup removes them).
      stop_daemon "kube-proxy-$1"
      fault_record kube-proxy-killed "$1" ;;
    firewalld-default)
      [ $# -eq 1 ] || die "usage: fault firewalld-default <node>" 2
      # What firewalld's default zone does to a node whose admin opened only the ports kubeadm's
      # preflight names: established traffic and loopback pass, the opened ports pass, every
      # other new connection to the node's own addresses is rejected with host-prohibited.
      # Forwarded traffic (pods, NodePorts DNATed to pods) does not pass INPUT.
      local n f ipt reject; n=$(node_index "$1")
      for f in $(lab_families); do
        ipt=$(ipt_cmd "$f"); reject=icmp-host-prohibited; [ "$f" = 6 ] && reject=icmp6-adm-prohibited
        real_filter_chain "$n" "$ipt" KNC-REAL-INPUT INPUT
        in_node "$n" "$ipt" -A KNC-REAL-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
        in_node "$n" "$ipt" -A KNC-REAL-INPUT -i lo -j RETURN
        in_node "$n" "$ipt" -A KNC-REAL-INPUT -p tcp -m multiport --dports 22,6443,10250 -j RETURN
        in_node "$n" "$ipt" -A KNC-REAL-INPUT -m addrtype --dst-type LOCAL -j REJECT --reject-with "$reject"
      done
      fault_record firewalld-default "$1" ;;
    nodeports-reject)
      [ $# -eq 1 ] || die "usage: fault nodeports-reject <node>" 2
      # After kube-proxy's DNAT a NodePort connection is forwarded to a pod (or delivered to a
      # local one): the firewall matches the port the client asked for (conntrack's original
      # destination port), as a stateful firewall written for the node's ports does.
      local n f ipt proto hook; n=$(node_index "$1")
      for f in $(lab_families); do
        ipt=$(ipt_cmd "$f")
        for hook in FORWARD INPUT; do
          real_filter_chain "$n" "$ipt" "KNC-REAL-NP-$hook" "$hook"
          for proto in tcp udp; do
            in_node "$n" "$ipt" -A "KNC-REAL-NP-$hook" -p "$proto" -m conntrack --ctstate NEW --ctorigdstport "${LAB_NODEPORT_RANGE/-/:}" \
              -m conntrack --ctorigdst "$(node_ip_family "$n" "$f")" -j REJECT
          done
        done
      done
      fault_record nodeports-reject "$1" ;;
    block-dns-tcp)
      [ $# -eq 1 ] || die "usage: fault block-dns-tcp <node>" 2
      local n cidr f; n=$(node_index "$1")
      for f in $(lab_families); do
        fault_chains "$n" "$f"
        cidr=$(node_pod_cidr "$1" "$f")
        in_node "$n" "$(ipt_cmd "$f")" -t mangle -A KNC-FAULT-PRE -s "$cidr" -p tcp --dport 53 -m comment --comment knc-fault:block-dns-tcp -j DROP
      done
      fault_record block-dns-tcp "$1" ;;
    coredns-loop)
      [ $# -eq 0 ] || die "usage: fault coredns-loop" 2
      local core; core=$(real_corefile_loop)
      [[ "$core" == *"forward . "* ]] || die "coredns-loop: could not place the forward in the Corefile" 1
      kubectl_lab -n kube-system create configmap coredns --from-literal=Corefile="$core" --dry-run=client -o yaml | kubectl_lab apply -f - >/dev/null
      real_dns_restart
      fault_record coredns-loop
      wait_for "every CoreDNS replica to stop serving (loop detected)" 60 real_dns_none_ready ;;
    coredns-rbac)
      [ $# -eq 0 ] || die "usage: fault coredns-rbac" 2
      kubectl_lab patch clusterrole system:coredns --type=json -p '[{"op": "remove", "path": "/rules/1"}]' >/dev/null
      real_dns_restart
      fault_record coredns-rbac
      wait_for "every CoreDNS replica to be unready (cannot list EndpointSlices)" 60 real_dns_none_ready ;;
    stale-vxlan-fdb)
      [ $# -eq 2 ] || die "usage: fault stale-vxlan-fdb <nodeA> <nodeB>" 2
      [ "$LAB_NETWORK" = vxlan ] || die "stale-vxlan-fdb needs the vxlan pod network (this lab runs $LAB_NETWORK)" 2
      local a b; a=$(node_index "$1"); b=$(node_index "$2")
      [ "$a" != "$b" ] || die "stale-vxlan-fdb needs two different nodes" 2
      # An address on the node network that no node has (the lab numbers nodes from .10): what
      # B's entry would say had B come back with a new address.
      in_node "$a" bridge fdb replace "$(vxlan_mac "$b")" dev vxlan0 dst "$LAB_NODE_NET_PREFIX.250"
      fault_record stale-vxlan-fdb "$1" "$2" ;;
    no-service-masquerade)
      [ $# -eq 1 ] || die "usage: fault no-service-masquerade <node>" 2
      [ "${LAB_PROXY_MODE:-iptables}" = iptables ] || die "no-service-masquerade is written for kube-proxy's iptables mode" 2
      local n f; n=$(node_index "$1")
      for f in $(lab_families); do
        in_node "$n" "$(ipt_cmd "$f")" -t nat -I POSTROUTING 1 -m mark --mark 0x4000/0x4000 -m comment --comment knc-real:no-service-masquerade -j ACCEPT
      done
      fault_record no-service-masquerade "$1" ;;
    ip-forward-off)
      [ $# -eq 1 ] || die "usage: fault ip-forward-off <node>" 2
      local n; n=$(node_index "$1")
      in_node "$n" sysctl -qw net.ipv4.ip_forward=0
      if lab_has_family 6; then in_node "$n" sysctl -qw net.ipv6.conf.all.forwarding=0; fi
      fault_record ip-forward-off "$1" ;;
  esac
}

heal_one_real() {
  local name=$1; shift
  case "$name" in
    br-netfilter-off)
      local n; n=$(node_index "$1")
      in_node "$n" sysctl -qw net.bridge.bridge-nf-call-iptables=1
      if lab_has_family 6; then in_node "$n" sysctl -qw net.bridge.bridge-nf-call-ip6tables=1; fi ;;
    forward-policy-drop | forward-drop-legacy)
      local n f ipt; n=$(node_index "$1")
      for f in $(lab_families); do
        ipt=$(ipt_cmd "$f"); [ "$name" = forward-drop-legacy ] && ipt="${ipt}-legacy"
        in_node "$n" "$ipt" -t filter -P FORWARD ACCEPT
      done ;;
    kube-proxy-hung) kill -CONT "$2" 2>/dev/null || true ;;
    kube-proxy-killed)
      local n; n=$(node_index "$1")
      daemon_alive "kube-proxy-$1" || node_start_kube_proxy "$n" ;;
    firewalld-default)
      local n f; n=$(node_index "$1")
      for f in $(lab_families); do real_filter_chain_drop "$n" "$(ipt_cmd "$f")" KNC-REAL-INPUT INPUT; done ;;
    nodeports-reject)
      local n f ipt; n=$(node_index "$1")
      for f in $(lab_families); do
        ipt=$(ipt_cmd "$f")
        real_filter_chain_drop "$n" "$ipt" KNC-REAL-NP-INPUT INPUT
        real_filter_chain_drop "$n" "$ipt" KNC-REAL-NP-FORWARD FORWARD
      done ;;
    block-dns-tcp) fault_chains_clean "$(node_index "$1")" "$name" ;;
    coredns-loop)
      dns_manifests | kubectl_lab apply -f - >/dev/null
      real_dns_restart
      wait_for "CoreDNS to have $LAB_DNS_REPLICAS ready replicas again" 120 dns_ready ;;
    coredns-rbac)
      dns_manifests | kubectl_lab apply -f - >/dev/null
      real_dns_restart
      wait_for "CoreDNS to have $LAB_DNS_REPLICAS ready replicas again" 120 dns_ready ;;
    stale-vxlan-fdb)
      local a b; a=$(node_index "$1"); b=$(node_index "$2")
      in_node "$a" bridge fdb replace "$(vxlan_mac "$b")" dev vxlan0 dst "$(node_ip "$b")" ;;
    no-service-masquerade)
      local n f; n=$(node_index "$1")
      for f in $(lab_families); do
        while in_node "$n" "$(ipt_cmd "$f")" -t nat -D POSTROUTING -m mark --mark 0x4000/0x4000 -m comment --comment knc-real:no-service-masquerade -j ACCEPT 2>/dev/null; do :; done
      done ;;
    ip-forward-off)
      local n; n=$(node_index "$1")
      in_node "$n" sysctl -qw net.ipv4.ip_forward=1
      if lab_has_family 6; then in_node "$n" sysctl -qw net.ipv6.conf.all.forwarding=1; fi ;;
  esac
}
