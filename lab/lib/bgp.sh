# The bgp pod network (`--network bgp`): Calico's BGP topology with the BGP daemon Calico runs
# (BIRD 2, from Debian) and without Calico. One bird per node namespace, an iBGP full mesh on
# TCP 179 (AS 64512): each node announces its podCIDR and installs its peers' podCIDRs into the
# kernel (`proto bird`). Pods are wired by the CNI bridge plugin as in the routed mode.
# Dual-stack (`--ip-family dual`): a second session per peer over the nodes' IPv6 (ULA) node
# addresses, with an ipv6 channel only, the way Calico peers each family separately. BIRD 2 can
# also carry an ipv6 channel on the IPv4 session, but its IPv6 next hop then cannot be the
# session's own address and has to come from elsewhere (an IPv6 address of the interface, or a
# per-channel `next hop address`); per-family sessions make `next hop self` the peer's node
# address in that family, and a session that goes down withdraws exactly its family's routes.
LAB_BGP_AS=64512
bird_dir() { echo "$(node_dir "$1")/bird"; }
bird_sock() { echo "$(node_run_dir "$1")/bird.ctl"; }
birdc_lab() { local i=$1; shift; birdc -s "$(bird_sock "$i")" "$@"; }

bgp_write_config() { # node index, its podCIDRs (comma-separated, primary family first)
  local i=$1 cidrs=$2 d j c f; d=$(bird_dir "$i"); mkdir -p "$d" "$(node_run_dir "$i")"
  {
    cat <<CONF
# kube-netconform lab: $(node_name "$i"), written by lab up.
log stderr { info, remote, warning, error, auth, fatal, bug };
router id $(node_ip "$i");
protocol device { scan time 10; }
CONF
    for c in ${cidrs//,/ }; do
      f=$(cidr_family "$c")
      cat <<CONF
# The node's IPv$f pod range, announced to the peers (kept out of this node's own kernel table:
# the bridge plugin's connected route on cni0 serves it), as Calico announces its blocks.
protocol static pods$f { ipv$f; route $c blackhole; }
# Only the peers' routes go into the kernel.
protocol kernel kernel$f { ipv$f { import none; export where source = RTS_BGP; }; scan time 10; }
# Short timers so a cut session is noticed and a healed one comes back within seconds.
template bgp mesh$f {
  local $(node_ip_family "$i" "$f") as $LAB_BGP_AS;
  direct;
  hold time 9; keepalive time 3; connect retry time 2; error wait time 2, 10;
  ipv$f { import all; export where source = RTS_STATIC; next hop self; };
}
CONF
      for j in $(all_node_indexes); do
        [ "$j" = "$i" ] && continue
        echo "protocol bgp $(bgp_peer_name "$j" "$f") from mesh$f { neighbor $(node_ip_family "$j" "$f") as $LAB_BGP_AS; }"
      done
    done
  } > "$d/bird.conf"
  bird -p -c "$d/bird.conf"
}

# The session to peer j in family f: peer<j> (IPv4, the name the IPv4-only lab always used) or
# peer<j>v6.
bgp_peer_name() { if [ "$2" = 6 ]; then echo "peer${1}v6"; else echo "peer$1"; fi; }

bgp_start() { # node index
  local i=$1
  start_daemon "bird-$(node_name "$i")" "$i" bird -f -c "$(bird_dir "$i")/bird.conf" -s "$(bird_sock "$i")" -P "$(node_run_dir "$i")/bird.pid"
}

# Every BGP session of node i (one per peer and IP family) is Established.
bgp_established() {
  local i=$1 out n; out=$(birdc_lab "$i" show protocols 2>/dev/null) || return 1
  n=$(wc -w <<<"$(lab_families)")
  [ "$(grep -c '^peer[0-9v]* *BGP' <<<"$out")" -eq $(( ($(node_count) - 1) * n )) ] || return 1
  ! grep '^peer[0-9v]* *BGP' <<<"$out" | grep -vq Established
}

# Node a has the BGP route (proto bird) for node b's pod range (either family).
bgp_route_installed() { # a index, b's podCIDR
  in_node "$1" ip -"$(cidr_family "$2")" route show exact "$2" proto bird | grep -q "^$2 via"
}

bgp_up() { # "index cidr" lines on stdin
  local table i j cidrs cidr; table=$(cat)
  while read -r i cidrs; do bgp_write_config "$i" "$cidrs"; done <<<"$table"
  for i in $(all_node_indexes); do bgp_start "$i"; done
  for i in $(all_node_indexes); do
    wait_for "every BGP session of $(node_name "$i") to be Established" 60 bgp_established "$i"
  done
  for i in $(all_node_indexes); do
    while read -r j cidrs; do
      [ "$j" = "$i" ] && continue
      for cidr in ${cidrs//,/ }; do
        wait_for "$(node_name "$i") to install the BGP route to $(node_name "$j")'s pod range $cidr" 30 bgp_route_installed "$i" "$cidr"
      done
    done <<<"$table"
  done
}
