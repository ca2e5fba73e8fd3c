// The command a person pastes to see a failed row again by hand (an on-call engineer's first
// step): the same request the driver made, through the same control path.
// - dial:       kubectl get --raw '/api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/dial?…'
// - connect:    kubectl exec -n <ns> <pod> -c netexec -- /agnhost connect <host>:<port> …
// - outside:    curl (TCP) or nc -u (UDP) from the runner to the node address
// - round-trip: the pod round trip between the two nodes the verdict was judged from
// With --keep the run's probes stay, so these work as printed. Pure; unit-tested.
import type { ProbePod } from '../topology.ts';
import { connectCommand, CONNECT_TIMEOUT_S } from './drivers/connect.ts';
import { dialPath, requestText } from './drivers/dial.ts';
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

/** Single-quote for a POSIX shell. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function kubectl(ctx: ReproduceContext): string {
  const flags = [...(ctx.kubectl?.kubeconfig ? ['--kubeconfig', shellQuote(ctx.kubectl.kubeconfig)] : []), ...(ctx.kubectl?.context ? ['--context', shellQuote(ctx.kubectl.context)] : [])];
  return ['kubectl', ...flags].join(' ');
}

/**
 * A full-size payload is 20 KiB: the command generates one of that size instead of printing it
 * (netexec echoes whatever it gets; the answer must come back whole).
 */
const PAYLOAD_MARK = 'NETCONFORMPAYLOAD';
function withPayload(text: string, bytes: number): string {
  return text.replace(PAYLOAD_MARK, `$(head -c ${bytes} /dev/zero | tr '\\0' a)`);
}

function rawGet(ctx: ReproduceContext, path: string, payloadBytes?: number): string {
  if (payloadBytes === undefined) return `${kubectl(ctx)} get --raw ${shellQuote(path)}`;
  // Double quotes so the payload expands; the path has no other shell characters but & and ?.
  return `${kubectl(ctx)} get --raw "${withPayload(path, payloadBytes)}"`;
}

export function reproduceCommand(check: NetworkCheck, ctx: ReproduceContext): string {
  const d = check.drive;
  const host = (h: string) => (h.includes(':') ? `[${h}]` : h);
  switch (d.via) {
    case 'dial': {
      const echo = check.answer.kind === 'echo' ? check.answer.bytes : undefined;
      const answer = echo === undefined ? check.answer : { kind: 'hostname' as const, expected: [] };
      let path = dialPath({ namespace: ctx.namespace, control: d.control, target: d.target, protocol: check.protocol, answer, tries: ctx.tries });
      if (echo !== undefined) {
        const request = check.protocol === 'tcp' ? `echo?msg=${PAYLOAD_MARK}` : `echo ${PAYLOAD_MARK}`;
        path = path.replace(/request=hostname/, `request=${new URLSearchParams({ request }).toString().slice('request='.length)}`);
      }
      return rawGet(ctx, path, echo);
    }
    case 'connect':
      return `${kubectl(ctx)} exec -n ${shellQuote(ctx.namespace)} ${shellQuote(d.control.pod)} -c netexec -- ${connectCommand({ ...d.target, protocol: check.protocol })
        .map(shellQuote)
        .join(' ')}; echo "exit $?"`;
    case 'outside': {
      const request = requestText(check.answer, check.protocol);
      if (check.protocol === 'tcp') return `curl -sS -m ${Math.ceil(d.timeoutMs / 1000)} ${shellQuote(`http://${host(d.target.host)}:${d.target.port}/${request}`)}; echo " (exit $?)"`;
      return `echo ${shellQuote(request)} | nc -u -w ${Math.max(CONNECT_TIMEOUT_S, Math.ceil(d.timeoutMs / 1000))} ${shellQuote(d.target.host)} ${d.target.port}`;
    }
    case 'round-trip': {
      const a = ctx.probes.find((p) => p.role === 'probe-a' && p.node === d.fromNode);
      const b = ctx.probes.find((p) => p.role === 'probe-a' && p.node === d.toNode);
      if (!a || !b) return `# no probe-a on ${!a ? d.fromNode : d.toNode} to make the pod round trip with`;
      const path = dialPath({
        namespace: ctx.namespace,
        control: { pod: a.name, port: ctx.podPort },
        target: { host: b.ip, port: ctx.podPort },
        protocol: 'tcp',
        answer: { kind: 'hostname', expected: [b.name] },
        tries: 1,
      });
      return rawGet(ctx, path);
    }
  }
}
