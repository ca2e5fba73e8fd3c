// Profile × cluster → the rows of the `ports` suite: one row per (source node → target node,
// port, protocol), each with its expectation and the reason written next to it.
//
// Roles come from node labels: control-plane = node-role.kubernetes.io/control-plane (or the
// old …/master); worker = every other node (or …/worker); etcd = nodes labelled
// node-role.kubernetes.io/etcd if any node is, else the control-plane nodes (kubeadm's stacked
// etcd). A node never checks itself: a host firewall does not filter a node's own traffic.
// When two rules cover the same row, the first one in the file wins — as in a firewall.

import type { Protocol } from '../check/types.ts';
import { bracketed } from '../ip.ts';
import type { DetectedCni } from './cni.ts';
import type { PortExpectation, Profile, ProfileRule, Role } from './profiles.ts';
import { samplePortRange, type PortSample } from './sampling.ts';
import { VERDICT_SOURCES, type VerdictSource } from './verdicts.ts';

export interface NodeInfo {
  name: string;
  /** The address the hostNetwork probe dials (InternalIP by default). */
  address: string;
  labels: Record<string, string>;
}

export interface PortRow {
  from: string;
  fromAddress: string;
  to: string;
  toAddress: string;
  port: number;
  protocol: Protocol;
  expect: PortExpectation;
  why: string;
  /** Where the rule is written ("profiles/kubeadm.yaml:23"), so a surprising row can be traced. */
  rule: string;
  /** Set when the port is a sample of a range: says which ports stand for the range. */
  sampleNote?: string;
  /** The kernel owns the port (VXLAN): no temporary listener; verify through pod traffic. */
  kernelOwned?: boolean;
  /** "worker-1 → cp-1 10.0.0.10:6443/tcp must be open (kube-apiserver)" */
  title: string;
}

export interface SkippedRule {
  rule: ProfileRule;
  why: string;
}

const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];
const WORKER_LABEL = 'node-role.kubernetes.io/worker';
const ETCD_LABEL = 'node-role.kubernetes.io/etcd';

/** Node name → its roles (always including `any`). */
export function nodeRoles(nodes: readonly NodeInfo[]): Map<string, Set<Role>> {
  const etcdLabelled = nodes.some((n) => ETCD_LABEL in n.labels);
  const roles = new Map<string, Set<Role>>();
  for (const n of nodes) {
    const set = new Set<Role>(['any']);
    const controlPlane = CONTROL_PLANE_LABELS.some((l) => l in n.labels);
    if (controlPlane) set.add('control-plane');
    if (!controlPlane || WORKER_LABEL in n.labels) set.add('worker');
    if (etcdLabelled ? ETCD_LABEL in n.labels : controlPlane) set.add('etcd');
    roles.set(n.name, set);
  }
  return roles;
}

/** Does a rule's `when`/`unless` hold for the detected CNIs? With the reason, for the report. */
export function ruleApplies(rule: ProfileRule, cni: readonly DetectedCni[]): { applies: boolean; why: string } {
  const matches = (want: string) => {
    const [name, backend] = want.split('/');
    return cni.some((c) => c.name === name && (backend === undefined || c.backend === backend));
  };
  const detected = cni.map((c) => (c.backend ? `${c.name}/${c.backend}` : c.name)).join(', ') || 'none';
  if (rule.when && !rule.when.some(matches)) {
    return { applies: false, why: `needs ${rule.when.join(' or ')}; detected CNI: ${detected}` };
  }
  const blocker = rule.unless?.find(matches);
  if (blocker) return { applies: false, why: `not applicable with ${blocker}` };
  return { applies: true, why: '' };
}

export function expandRules(opts: {
  profile: Profile;
  nodes: readonly NodeInfo[];
  cni: readonly DetectedCni[];
  /** Port of the `kubernetes` endpoints; required when a rule says `ports: apiserver`. */
  apiServerPort?: number;
  /**
   * Ports that stand for a range instead of its plain sample, when some other path owns the
   * range's listeners (the run's own NodePorts: an end held by another client is not ours to check).
   */
  rangeSample?: (range: { low: number; high: number }) => PortSample | undefined;
  /** The IP family of the nodes' addresses: rules that name another `family` are left out. */
  family?: 'ipv4' | 'ipv6';
}): { rows: PortRow[]; skipped: SkippedRule[] } {
  const roles = nodeRoles(opts.nodes);
  const inRole = (role: Role) => opts.nodes.filter((n) => roles.get(n.name)?.has(role));
  const rows = new Map<string, PortRow>();
  const skipped: SkippedRule[] = [];

  for (const rule of opts.profile.rules) {
    if (rule.family && opts.family && rule.family !== opts.family) continue; // a rule of the other family: not a skip, just not this family's
    const applies = ruleApplies(rule, opts.cni);
    if (!applies.applies) {
      skipped.push({ rule, why: applies.why });
      continue;
    }
    const targets = portsOf(rule, opts);
    if (targets.length === 0) {
      skipped.push({ rule, why: 'no detected CNI needs node-to-node ports' });
      continue;
    }
    for (const from of inRole(rule.from)) {
      for (const to of inRole(rule.to)) {
        if (from.name === to.name) continue;
        for (const t of targets) {
          const key = `${from.name}|${to.name}|${t.port}|${t.protocol}`;
          if (rows.has(key)) continue; // first rule wins
          rows.set(key, {
            from: from.name,
            fromAddress: from.address,
            to: to.name,
            toAddress: to.address,
            port: t.port,
            protocol: t.protocol,
            expect: rule.expect,
            why: t.why,
            rule: rule.source,
            ...(t.sampleNote ? { sampleNote: t.sampleNote } : {}),
            ...(t.kernelOwned ? { kernelOwned: true } : {}),
            title: `${from.name} → ${to.name} ${bracketed(to.address)}:${t.port}/${t.protocol} must be ${rule.expect} (${t.why})`,
          });
        }
      }
    }
  }
  return { rows: [...rows.values()], skipped };
}

interface PortTarget {
  port: number;
  protocol: Protocol;
  why: string;
  sampleNote?: string;
  kernelOwned?: boolean;
}

function portsOf(rule: ProfileRule, opts: { cni: readonly DetectedCni[]; apiServerPort?: number; rangeSample?: (range: { low: number; high: number }) => PortSample | undefined }): PortTarget[] {
  const protocol = rule.protocol ?? 'tcp';
  switch (rule.ports.kind) {
    case 'port':
      return [{ port: rule.ports.port, protocol, why: rule.why }];
    case 'range': {
      const sample = opts.rangeSample?.(rule.ports) ?? samplePortRange(rule.ports);
      return sample.ports.map((port) => ({ port, protocol, why: rule.why, ...(sample.note ? { sampleNote: sample.note } : {}) }));
    }
    case 'apiserver':
      if (!opts.apiServerPort) {
        throw new Error(`${rule.source}: the rule says "ports: apiserver" but the API server port is unknown (read it from the kubernetes endpoints)`);
      }
      return [{ port: opts.apiServerPort, protocol, why: rule.why }];
    case 'cni':
      return opts.cni.flatMap((c) => c.ports.map((p) => ({ port: p.port, protocol: p.protocol, why: `${rule.why}: ${p.why}`, ...(p.kernelOwned ? { kernelOwned: true } : {}) })));
  }
}

/**
 * The JUnit properties of a ports row (CheckResult.properties), named once here so the report,
 * the diagnosis (which quotes `why`) and users' CI queries agree.
 */
export function portRowProperties(row: PortRow, opts: { verdictSource?: VerdictSource } = {}): Record<string, string> {
  return {
    why: row.why,
    rule: row.rule,
    'expect.port': row.expect,
    ...(row.sampleNote ? { sample: row.sampleNote } : {}),
    ...(opts.verdictSource ? { verdictSource: opts.verdictSource, 'verdictSource.meaning': VERDICT_SOURCES[opts.verdictSource] } : {}),
  };
}
