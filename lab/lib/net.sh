# The lab's node network: a hub namespace holding a bridge, one namespace per node plugged
# into it, and one veth giving the machine's root namespace a leg on it (the runner's
# "outside client" address). Nothing is routed or NATed towards the machine's real interfaces:
# the root namespace gets a connected /24 route only, and its forwarding setting is untouched.
# While the lab is up the root namespace also blackholes the lab's pod and Service ranges, so a
# packet to a pod or Service address sent from the machine (a test bug, a stray tool) is dropped
# here instead of leaving by the machine's real default route.

# The ranges the root namespace blackholes while the lab is up: the pod and Service ranges of
# each IP family the lab runs (with --ip-family dual|ipv6 the IPv6 ones too).
lab_blackhole_cidrs() {
  local f
  for f in $(lab_families); do
    if [ "$f" = 6 ]; then echo "$LAB_POD_CIDR6 $LAB_SERVICE_CIDR6"; else echo "$LAB_POD_CIDR $LAB_SERVICE_CIDR"; fi
  done | tr '\n' ' '
}
# What `down` removes: every family's, whatever the (possibly crashed) lab ran.
lab_blackhole_cidrs_all() { echo "$LAB_POD_CIDR $LAB_SERVICE_CIDR $LAB_POD_CIDR6 $LAB_SERVICE_CIDR6"; }

# Refuse to start if the machine itself already routes one of those exact prefixes (a blackhole
# of ours left by a crash is fine: `down` removes it first).
net_blackhole_clash() {
  local c
  for c in $(lab_blackhole_cidrs); do
    ip -"$(cidr_family "$c")" route show exact "$c" | grep -v '^blackhole ' || true
  done
}

net_add_root_blackholes() {
  local c
  for c in $(lab_blackhole_cidrs); do ip route add blackhole "$c"; done
}

# Only our own kind of route for exactly these prefixes; never another route to them.
net_del_root_blackholes() {
  local c f
  for c in $(lab_blackhole_cidrs_all); do
    f=$(cidr_family "$c")
    while ip -"$f" route show exact "$c" | grep -q '^blackhole '; do ip -"$f" route del blackhole "$c" || break; done
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
  if lab_has_family 6; then net_hub_ipv6; fi
  ip link set "$LAB_ROOT_IF" up
  net_add_root_blackholes
}

# IPv6 on the node network (--ip-family dual|ipv6): the root leg gets the ULA ::1/64 (its only
# IPv6 lab route: that connected /64) and ignores router advertisements; nothing in the lab runs
# a router advertisement daemon, and the hub bridge drops any RA or redirect between its ports
# anyway (nft, bridge family, in the hub namespace only), so none ever reaches the root leg.
# Multicast snooping is off on the hub bridge: neighbour discovery is flooded like ARP.
net_hub_ipv6() {
  sysctl -qw "net.ipv6.conf.$LAB_ROOT_IF.accept_ra=0" "net.ipv6.conf.$LAB_ROOT_IF.forwarding=0"
  ip addr add "$LAB_ROOT_IP6/64" dev "$LAB_ROOT_IF" nodad
  ip -n "$LAB_HUB_NS" link set br0 type bridge mcast_snooping 0
  ip netns exec "$LAB_HUB_NS" nft -f - <<'NFT'
table bridge knc-lab-hub {
  chain forward {
    type filter hook forward priority 0; policy accept;
    icmpv6 type { nd-router-advert, nd-redirect } counter drop
  }
}
NFT
}

net_create_node() {
  local i=$1 ns ip
  ns=$(node_netns "$i"); ip=$(node_ip "$i")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "vh$i" netns "$LAB_HUB_NS" type veth peer name eth0 netns "$ns"
  ip -n "$LAB_HUB_NS" link set "vh$i" master br0 up
  lab_has_family 4 && ip -n "$ns" addr add "$ip/24" dev eth0
  if lab_has_family 6; then
    # ULA node address without DAD (daemons bind to it at once); no RAs accepted; the node
    # routes IPv6 for its pods (forwarding in this namespace only).
    in_node "$i" sysctl -qw net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.eth0.accept_ra=0 net.ipv6.conf.all.forwarding=1
    ip -n "$ns" addr add "$(node_ip6 "$i")/64" dev eth0 nodad
  fi
  ip -n "$ns" link set eth0 up
  # A default route that stays on the lab's L2: anything not in the lab is never answered.
  # It exists so that host-network traffic to a Service VIP has a route before kube-proxy's DNAT.
  lab_has_family 4 && ip -n "$ns" route add default dev eth0
  if lab_has_family 6; then
    ip -n "$ns" -6 route add default dev eth0
    in_node "$i" sysctl -qw net.bridge.bridge-nf-call-ip6tables=1
  fi
  in_node "$i" sysctl -qw net.ipv4.ip_forward=1
  in_node "$i" sysctl -qw net.bridge.bridge-nf-call-iptables=1
  in_node "$i" sysctl -qw net.ipv4.conf.all.rp_filter=0
  in_node "$i" sysctl -qw net.ipv4.conf.eth0.rp_filter=0
}

# Pod routes, once every node has its podCIDRs. Args: "index cidr[,cidr6]" lines on stdin; each
# family's range via that family's node address.
net_routed_pod_routes() {
  local table; table=$(cat)
  local i j cidrs cidr
  for i in $(all_node_indexes); do
    while read -r j cidrs; do
      [ "$j" = "$i" ] && continue
      for cidr in ${cidrs//,/ }; do
        in_node "$i" ip route replace "$cidr" via "$(node_ip_family "$j" "$(cidr_family "$cidr")")" dev eth0
      done
    done <<<"$table"
  done
}

# VXLAN overlay (UDP 8472, flannel's port and layout): a vxlan0 device per node holding the
# .0 address of its pod range; static neighbour + FDB entries per peer (no learning).
vxlan_mac() { printf '0a:58:0a:f4:%02x:00' "$1"; }
# A node's VTEP address in a family: the network address of its pod range (10.244.1.0, fd…:101::).
vxlan_vtep() { echo "${1%/*}"; }
# Dual: the same mesh carries IPv6 too (IPv6 inner over the IPv4 underlay, one VXLAN device):
# vxlan0 also holds the network address of the node's IPv6 pod /64, and each peer gets an IPv6
# neighbour entry with its VTEP MAC and a route to its IPv6 pod range. Args: "index cidr[,cidr6]".
net_vxlan_pod_routes() {
  local table; table=$(cat)
  local i j cidrs cidr vtep
  for i in $(all_node_indexes); do
    in_node "$i" ip link add vxlan0 type vxlan id 1 local "$(node_ip "$i")" dev eth0 dstport "$LAB_VXLAN_PORT" nolearning
    in_node "$i" ip link set vxlan0 address "$(vxlan_mac "$i")" mtu 1450
    cidrs=$(awk -v n="$i" '$1==n{print $2}' <<<"$table")
    for cidr in ${cidrs//,/ }; do
      if [ "$(cidr_family "$cidr")" = 6 ]; then
        in_node "$i" ip addr add "$(vxlan_vtep "$cidr")/128" dev vxlan0 nodad
      else
        in_node "$i" ip addr add "$(vxlan_vtep "$cidr")/32" dev vxlan0
      fi
    done
    in_node "$i" ip link set vxlan0 up
  done
  for i in $(all_node_indexes); do
    while read -r j cidrs; do
      [ "$j" = "$i" ] && continue
      in_node "$i" bridge fdb append "$(vxlan_mac "$j")" dev vxlan0 dst "$(node_ip "$j")"
      for cidr in ${cidrs//,/ }; do
        vtep=$(vxlan_vtep "$cidr")
        in_node "$i" ip neigh replace "$vtep" lladdr "$(vxlan_mac "$j")" dev vxlan0 nud permanent
        in_node "$i" ip route replace "$cidr" via "$vtep" dev vxlan0 onlink
      done
    done <<<"$table"
  done
}

# Put node i's IPv6 on eth0 back after its link MTU went below 1280 (the `mtu` fault): the
# kernel then disables IPv6 on the link and drops its addresses and routes, and a raised MTU
# brings back only the link-local address. Re-adds the node address, the on-link default route
# and (routed) the peers' IPv6 pod routes where no route for that prefix exists (so an active
# cut-route blackhole stays).
net_node_ipv6_restore() {
  local i=$1 j cidrs cidr
  in_node "$i" sysctl -qw net.ipv6.conf.eth0.accept_ra=0
  in_node "$i" ip -6 addr replace "$(node_ip6 "$i")/64" dev eth0 nodad
  in_node "$i" ip -6 route replace default dev eth0
  case "$LAB_NETWORK" in
    routed) ;;
    # The real networks put their own IPv6 state back; heal waits for it: flanneld's route
    # checker re-adds the host-gw routes via eth0 (every 10 s), BIRD re-establishes the IPv6
    # sessions and re-installs the peers' routes (the IPv4 ones stayed).
    flannel-host-gw|bgp)
      while read -r j cidrs; do
        [ "$j" = "$i" ] && continue
        for cidr in ${cidrs//,/ }; do
          [ "$(cidr_family "$cidr")" = 6 ] || continue
          if [ "$LAB_NETWORK" = bgp ]; then
            wait_for "every BGP session of $(node_name "$i") to be Established again" 60 bgp_established "$i"
            wait_for "BIRD on $(node_name "$i") to re-install its IPv6 route to $(node_name "$j")'s pod range $cidr" 60 bgp_route_installed "$i" "$cidr"
          else
            wait_for "flanneld on $(node_name "$i") to re-add its IPv6 route to $(node_name "$j")'s pod range $cidr" 30 flannel_route_ok "$i" "$cidr" "$j"
          fi
        done
      done < <(pod_cidr_table)
      return 0 ;;
    *) return 0 ;;
  esac
  while read -r j cidrs; do
    [ "$j" = "$i" ] && continue
    for cidr in ${cidrs//,/ }; do
      [ "$(cidr_family "$cidr")" = 6 ] || continue
      [ -n "$(in_node "$i" ip -6 route show exact "$cidr")" ] || in_node "$i" ip -6 route add "$cidr" via "$(node_ip6 "$j")" dev eth0
    done
  done < <(pod_cidr_table)
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
