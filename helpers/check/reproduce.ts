// The command a person pastes to see a failed row again by hand (an on-call engineer's first
// step): the same request the driver made, through the same control path.
// - probe, connect: kubectl exec -n <ns> <pod> -c probe -- bash -c '<the command the probe ran>'
// - outside:        curl (TCP) or nc -u (UDP) from the runner to the node address
// - round-trip:     the pod round trip between the two nodes the verdict was judged from
// With --keep the run's probes stay, so these work as printed. Pure; unit-tested.
import { q } from '../probes/quote.ts';
import { PROBE_CONTAINER } from '../probes/stream.ts';
import type { ProbePod } from '../topology.ts';
import { CONNECT_TIMEOUT_S } from './drivers/connect.ts';
import { requestText } from './drivers/outside.ts';
import { probeCommandLine } from './drivers/probe.ts';
import type { NetworkCheck } from './types.ts';

export interface KubectlTarget {
  kubeconfig?: string;
  context?: string;
}

export interface ReproduceContext {
  namespace: string;
  /** Tries per request as the run sent them (--samples). */
  tries: number;
  probes: readonly ProbePod[];
  podPort: number;
  kubectl?: KubectlTarget;
}

function kubectl(ctx: ReproduceContext): string {
  const flags = [...(ctx.kubectl?.kubeconfig ? ['--kubeconfig', q(ctx.kubectl.kubeconfig)] : []), ...(ctx.kubectl?.context ? ['--context', q(ctx.kubectl.context)] : [])];
  return ['kubectl', ...flags].join(' ');
}

function inProbe(ctx: ReproduceContext, pod: string, command: string): string {
  return `${kubectl(ctx)} exec -n ${q(ctx.namespace)} ${q(pod)} -c ${PROBE_CONTAINER} -- bash -o pipefail -c ${q(command)}; echo "exit $?"`;
}

export function reproduceCommand(check: NetworkCheck, ctx: ReproduceContext): string {
  const d = check.drive;
  const host = (h: string) => (h.includes(':') ? `[${h}]` : h);
  switch (d.via) {
    case 'probe':
      return inProbe(ctx, d.control.pod, probeCommandLine(d, check, ctx.tries));
    case 'connect':
      return inProbe(ctx, d.control.pod, probeCommandLine({ ...d, timeoutS: CONNECT_TIMEOUT_S }, { protocol: check.protocol, family: check.family, answer: { kind: 'connect' } }));
    case 'outside': {
      const request = requestText(check.answer, check.protocol);
      if (check.protocol === 'tcp') return `curl -sS -m ${Math.ceil(d.timeoutMs / 1000)} ${q(`http://${host(d.target.host)}:${d.target.port}/${request}`)}; echo " (exit $?)"`;
      return `echo ${q(request)} | nc -u -w ${Math.max(CONNECT_TIMEOUT_S, Math.ceil(d.timeoutMs / 1000))} ${q(d.target.host)} ${d.target.port}`;
    }
    case 'round-trip': {
      const a = ctx.probes.find((p) => p.role === 'probe-a' && p.node === d.fromNode);
      const b = ctx.probes.find((p) => p.role === 'probe-a' && p.node === d.toNode);
      if (!a || !b) return `# no probe-a on ${!a ? d.fromNode : d.toNode} to make the pod round trip with`;
      return inProbe(
        ctx,
        a.name,
        probeCommandLine({ control: { pod: a.name }, target: { host: b.ip, port: ctx.podPort } }, { protocol: 'tcp', family: check.family, answer: { kind: 'hostname', expected: [b.name] } }),
      );
    }
  }
}
