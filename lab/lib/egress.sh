# Egress NAT for pod traffic leaving the cluster — lab-written, the rule ip-masq-agent (or the
# bridge plugin's ipMasq, or Calico's natOutgoing) would install: on every node, traffic from the
# pod range to anything that is not a pod, a Service or a node address leaves with the node's
# address (MASQUERADE). Inside the lab the only such address is the root namespace's leg, where a
# run's pod-to-external server listens; pod-to-pod and pod-to-node keep their pod source
# addresses. flanneld installs its own (--ip-masq), so the flannel networks get none of this.

egress_nat_rules() { # node index: (re)create the KNC-EGRESS chain and hook it
  local i=$1 j
  in_node "$i" iptables -t nat -N KNC-EGRESS 2>/dev/null || in_node "$i" iptables -t nat -F KNC-EGRESS
  in_node "$i" iptables -t nat -A KNC-EGRESS -d "$LAB_POD_CIDR" -j RETURN
  in_node "$i" iptables -t nat -A KNC-EGRESS -d "$LAB_SERVICE_CIDR" -j RETURN
  for j in $(all_node_indexes); do in_node "$i" iptables -t nat -A KNC-EGRESS -d "$(node_ip "$j")" -j RETURN; done
  in_node "$i" iptables -t nat -A KNC-EGRESS -m comment --comment "knc: egress NAT of pod traffic leaving the cluster" -j MASQUERADE
  egress_nat_hook "$i" on
}

egress_nat_hook() { # node index, on|off: the POSTROUTING jump for the pod range
  local i=$1
  if [ "$2" = on ]; then
    in_node "$i" iptables -t nat -C POSTROUTING -s "$LAB_POD_CIDR" -j KNC-EGRESS 2>/dev/null || in_node "$i" iptables -t nat -A POSTROUTING -s "$LAB_POD_CIDR" -j KNC-EGRESS
  else
    while in_node "$i" iptables -t nat -D POSTROUTING -s "$LAB_POD_CIDR" -j KNC-EGRESS 2>/dev/null; do :; done
  fi
}

egress_nat_up() { # network
  case "$1" in flannel-*) return 0 ;; esac
  local i; for i in $(all_node_indexes); do egress_nat_rules "$i"; done
}
