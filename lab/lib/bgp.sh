# The bgp pod network (`--network bgp`): Calico's BGP topology with the BGP daemon Calico runs
# (BIRD 2, from Debian) and without Calico. One bird per node namespace, an iBGP full mesh on
# TCP 179 (AS 64512): each node announces its podCIDR and installs its peers' podCIDRs into the
# kernel (`proto bird`). Pods are wired by the CNI bridge plugin as in the routed mode.
LAB_BGP_AS=64512
bird_dir() { echo "$(node_dir "$1")/bird"; }
bird_sock() { echo "$(node_run_dir "$1")/bird.ctl"; }
birdc_lab() { local i=$1; shift; birdc -s "$(bird_sock "$i")" "$@"; }

bgp_write_config() { # node index, its podCIDR
  local i=$1 cidr=$2 d j; d=$(bird_dir "$i"); mkdir -p "$d" "$(node_run_dir "$i")"
  {
    cat <<CONF
# kube-netconform lab: $(node_name "$i"), written by lab up.
log stderr { info, remote, warning, error, auth, fatal, bug };
router id $(node_ip "$i");
protocol device { scan time 10; }
# The node's pod range, announced to the peers (kept out of this node's own kernel table:
# the bridge plugin's connected route on cni0 serves it), as Calico announces its blocks.
protocol static pods { ipv4; route $cidr blackhole; }
# Only the peers' routes go into the kernel.
protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; scan time 10; }
# Short timers so a cut session is noticed and a healed one comes back within seconds.
template bgp mesh {
  local $(node_ip "$i") as $LAB_BGP_AS;
  direct;
  hold time 9; keepalive time 3; connect retry time 2; error wait time 2, 10;
  ipv4 { import all; export where source = RTS_STATIC; next hop self; };
}
CONF
    for j in $(all_node_indexes); do
      [ "$j" = "$i" ] && continue
      echo "protocol bgp peer$j from mesh { neighbor $(node_ip "$j") as $LAB_BGP_AS; }"
    done
  } > "$d/bird.conf"
  bird -p -c "$d/bird.conf"
}

bgp_start() { # node index
  local i=$1
  start_daemon "bird-$(node_name "$i")" "$i" bird -f -c "$(bird_dir "$i")/bird.conf" -s "$(bird_sock "$i")" -P "$(node_run_dir "$i")/bird.pid"
}

# Every BGP session of node i is Established.
bgp_established() {
  local i=$1 out; out=$(birdc_lab "$i" show protocols 2>/dev/null) || return 1
  [ "$(grep -c '^peer[0-9]* *BGP' <<<"$out")" -eq $(( $(node_count) - 1 )) ] || return 1
  ! grep '^peer[0-9]* *BGP' <<<"$out" | grep -vq Established
}

# Node a has the BGP route (proto bird) for node b's pod range.
bgp_route_installed() { # a index, b's podCIDR
  in_node "$1" ip -4 route show exact "$2" proto bird | grep -q "^$2 via"
}

bgp_up() { # "index cidr" lines on stdin
  local table i j cidr; table=$(cat)
  while read -r i cidr; do bgp_write_config "$i" "$cidr"; done <<<"$table"
  for i in $(all_node_indexes); do bgp_start "$i"; done
  for i in $(all_node_indexes); do
    wait_for "every BGP session of $(node_name "$i") to be Established" 60 bgp_established "$i"
  done
  for i in $(all_node_indexes); do
    while read -r j cidr; do
      [ "$j" = "$i" ] && continue
      wait_for "$(node_name "$i") to install the BGP route to $(node_name "$j")'s pod range $cidr" 30 bgp_route_installed "$i" "$cidr"
    done <<<"$table"
  done
}
