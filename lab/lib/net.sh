# The lab's node network: a hub namespace holding a bridge, one namespace per node plugged
# into it, and one veth giving the machine's root namespace a leg on it (the runner's
# "outside client" address). Nothing is routed or NATed towards the machine's real interfaces:
# the root namespace gets a connected /24 route only, and its forwarding setting is untouched.
# While the lab is up the root namespace also blackholes the lab's pod and Service ranges, so a
# packet to a pod or Service address sent from the machine (a test bug, a stray tool) is dropped
# here instead of leaving by the machine's real default route.

# The ranges the root namespace blackholes while the lab is up (IPv4 only: the lab has no IPv6).
lab_blackhole_cidrs() { echo "$LAB_POD_CIDR $LAB_SERVICE_CIDR"; }

# Refuse to start if the machine itself already routes one of those exact prefixes (a blackhole
# of ours left by a crash is fine: `down` removes it first).
net_blackhole_clash() {
  local c
  for c in $(lab_blackhole_cidrs); do
    ip -4 route show exact "$c" | grep -v '^blackhole ' || true
  done
}

net_add_root_blackholes() {
  local c
  for c in $(lab_blackhole_cidrs); do ip route add blackhole "$c"; done
}

# Only our own kind of route for exactly these prefixes; never another route to them.
net_del_root_blackholes() {
  local c
  for c in $(lab_blackhole_cidrs); do
    while ip -4 route show exact "$c" | grep -q '^blackhole '; do ip route del blackhole "$c" || break; done
  done
}

net_create_hub() {
  ip netns add "$LAB_HUB_NS"
  ip -n "$LAB_HUB_NS" link set lo up
  ip -n "$LAB_HUB_NS" link add br0 type bridge
  ip -n "$LAB_HUB_NS" link set br0 up
  # The root namespace's leg.
  ip link add "$LAB_ROOT_IF" type veth peer name vroot netns "$LAB_HUB_NS"
  ip -n "$LAB_HUB_NS" link set vroot master br0 up
  ip addr add "$LAB_ROOT_IP/24" dev "$LAB_ROOT_IF"
  ip link set "$LAB_ROOT_IF" up
  net_add_root_blackholes
}

net_create_node() {
  local i=$1 ns ip
  ns=$(node_netns "$i"); ip=$(node_ip "$i")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "vh$i" netns "$LAB_HUB_NS" type veth peer name eth0 netns "$ns"
  ip -n "$LAB_HUB_NS" link set "vh$i" master br0 up
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  # A default route that stays on the lab's L2: anything not in the lab is never answered.
  # It exists so that host-network traffic to a Service VIP has a route before kube-proxy's DNAT.
  ip -n "$ns" route add default dev eth0
  in_node "$i" sysctl -qw net.ipv4.ip_forward=1
  in_node "$i" sysctl -qw net.bridge.bridge-nf-call-iptables=1
  in_node "$i" sysctl -qw net.ipv4.conf.all.rp_filter=0
  in_node "$i" sysctl -qw net.ipv4.conf.eth0.rp_filter=0
}

# Pod routes, once every node has its podCIDR. Args: "index cidr" lines on stdin.
net_routed_pod_routes() {
  local table; table=$(cat)
  local i j cidr
  for i in $(all_node_indexes); do
    while read -r j cidr; do
      [ "$j" = "$i" ] && continue
      in_node "$i" ip route replace "$cidr" via "$(node_ip "$j")" dev eth0
    done <<<"$table"
  done
}

# VXLAN overlay (UDP 8472, flannel's port and layout): a vxlan0 device per node holding the
# .0 address of its pod range; static neighbour + FDB entries per peer (no learning).
vxlan_mac() { printf '0a:58:0a:f4:%02x:00' "$1"; }
net_vxlan_pod_routes() {
  local table; table=$(cat)
  local i j cidr vtep
  for i in $(all_node_indexes); do
    in_node "$i" ip link add vxlan0 type vxlan id 1 local "$(node_ip "$i")" dev eth0 dstport "$LAB_VXLAN_PORT" nolearning
    in_node "$i" ip link set vxlan0 address "$(vxlan_mac "$i")" mtu 1450
    cidr=$(awk -v n="$i" '$1==n{print $2}' <<<"$table")
    in_node "$i" ip addr add "${cidr%/*}/32" dev vxlan0
    in_node "$i" ip link set vxlan0 up
  done
  for i in $(all_node_indexes); do
    while read -r j cidr; do
      [ "$j" = "$i" ] && continue
      vtep=${cidr%/*}
      in_node "$i" ip neigh replace "$vtep" lladdr "$(vxlan_mac "$j")" dev vxlan0 nud permanent
      in_node "$i" bridge fdb append "$(vxlan_mac "$j")" dev vxlan0 dst "$(node_ip "$j")"
      in_node "$i" ip route replace "$cidr" via "$vtep" dev vxlan0 onlink
    done <<<"$table"
  done
}

net_delete_all() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^knc-' || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$LAB_ROOT_IF" 2>/dev/null || true
  net_del_root_blackholes
}
