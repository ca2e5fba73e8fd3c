# Egress NAT for pod traffic leaving the cluster — lab-written, the rule ip-masq-agent (or the
# bridge plugin's ipMasq, or Calico's natOutgoing) would install: on every node, traffic from the
# pod range to anything that is not a pod, a Service or a node address leaves with the node's
# address (MASQUERADE), in every IP family the lab runs. Inside the lab the only such address is
# the root namespace's leg, where a run's pod-to-external server listens; pod-to-pod and
# pod-to-node keep their pod source addresses. flanneld installs its own (--ip-masq), so the
# flannel networks get none of this.

egress_pod_cidr() { if [ "$1" = 6 ]; then echo "$LAB_POD_CIDR6"; else echo "$LAB_POD_CIDR"; fi; }         # family
egress_service_cidr() { if [ "$1" = 6 ]; then echo "$LAB_SERVICE_CIDR6"; else echo "$LAB_SERVICE_CIDR"; fi; } # family

egress_nat_rules() { # node index: (re)create the KNC-EGRESS chain of each family and hook it
  local i=$1 f ipt j
  for f in $(lab_families); do
    ipt=$(ipt_cmd "$f")
    in_node "$i" "$ipt" -t nat -N KNC-EGRESS 2>/dev/null || in_node "$i" "$ipt" -t nat -F KNC-EGRESS
    in_node "$i" "$ipt" -t nat -A KNC-EGRESS -d "$(egress_pod_cidr "$f")" -j RETURN
    in_node "$i" "$ipt" -t nat -A KNC-EGRESS -d "$(egress_service_cidr "$f")" -j RETURN
    for j in $(all_node_indexes); do in_node "$i" "$ipt" -t nat -A KNC-EGRESS -d "$(node_ip_family "$j" "$f")" -j RETURN; done
    in_node "$i" "$ipt" -t nat -A KNC-EGRESS -m comment --comment "knc: egress NAT of pod traffic leaving the cluster" -j MASQUERADE
  done
  egress_nat_hook "$i" on
}

egress_nat_hook() { # node index, on|off: the POSTROUTING jump for the pod range, every family
  local i=$1 f ipt cidr
  for f in $(lab_families); do
    ipt=$(ipt_cmd "$f"); cidr=$(egress_pod_cidr "$f")
    if [ "$2" = on ]; then
      in_node "$i" "$ipt" -t nat -C POSTROUTING -s "$cidr" -j KNC-EGRESS 2>/dev/null || in_node "$i" "$ipt" -t nat -A POSTROUTING -s "$cidr" -j KNC-EGRESS
    else
      while in_node "$i" "$ipt" -t nat -D POSTROUTING -s "$cidr" -j KNC-EGRESS 2>/dev/null; do :; done
    fi
  done
}

egress_nat_up() { # network
  case "$1" in flannel-*) return 0 ;; esac
  local i; for i in $(all_node_indexes); do egress_nat_rules "$i"; done
}
