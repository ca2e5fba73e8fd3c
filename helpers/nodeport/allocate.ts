// NodePorts at both ends of the cluster's range and one in the middle (issue 4: a firewall that
// opens only part of the range is caught). Pure: the range comes from the API server's own
// validation message, the ports in use from a list of Services. Unit-tested.
import type { NodePortRange, RangePosition } from './types.ts';

export const DEFAULT_NODEPORT_RANGE: NodePortRange = { low: 30000, high: 32767, source: 'default' };

/**
 * The API server rejects an out-of-range nodePort with "… The range of valid ports is 30000-32767";
 * that is the only place a client can read --service-node-port-range.
 */
export function parseNodePortRange(message: string): NodePortRange | undefined {
  const m = /range of valid ports is (\d+)-(\d+)/.exec(message);
  if (!m) return undefined;
  const low = Number(m[1]);
  const high = Number(m[2]);
  return low >= 1 && high <= 65535 && low < high ? { low, high, source: 'cluster' } : undefined;
}

export interface PickedPorts {
  ports: Array<{ position: Exclude<RangePosition, 'auto'>; nodePort: number }>;
  /** Why a port is not exactly at its place ("30000 is in use: using 30001"). */
  notes: string[];
}

/**
 * The free port nearest to each of low end, middle and high end, searching inward from the ends
 * and outward from the middle. `used` holds nodePorts taken for any protocol (we need the same
 * number free for TCP and UDP). Throws when the range has fewer than three free ports.
 */
export function pickNodePorts(options: { range: Pick<NodePortRange, 'low' | 'high'>; used: Iterable<number> }): PickedPorts {
  const { low, high } = options.range;
  const taken = new Set(options.used);
  const notes: string[] = [];
  const chosen = new Set<number>();
  const free = (p: number) => p >= low && p <= high && !taken.has(p) && !chosen.has(p);
  const search = (position: 'low' | 'middle' | 'high', wanted: number, candidates: Iterable<number>) => {
    for (const p of candidates) {
      if (!free(p)) continue;
      chosen.add(p);
      if (p !== wanted) notes.push(`${position} end ${wanted} is in use: using ${p}`.replace('middle end', 'middle'));
      return { position, nodePort: p };
    }
    throw new Error(`no free NodePort left in ${low}-${high} for the ${position} of the range (${taken.size} in use)`);
  };
  const middle = Math.floor((low + high) / 2);
  const up = function* (from: number) {
    for (let p = from; p <= high; p++) yield p;
  };
  const down = function* (from: number) {
    for (let p = from; p >= low; p--) yield p;
  };
  const around = function* (from: number) {
    for (let d = 0; from - d >= low || from + d <= high; d++) {
      yield from + d;
      if (d > 0) yield from - d;
    }
  };
  const ports = [search('low', low, up(low)), search('high', high, down(high)), search('middle', middle, around(middle))];
  return { ports: [ports[0]!, ports[2]!, ports[1]!], notes };
}

/**
 * Free ports for the Local Service, nearest above the middle: one per protocol (the API server
 * refuses one nodePort for two ports of a Service whose service ports differ).
 */
export function pickLocalPorts(options: { range: Pick<NodePortRange, 'low' | 'high'>; used: Iterable<number>; chosen: Iterable<number>; count: number }): number[] {
  const { low, high } = options.range;
  const taken = new Set([...options.used, ...options.chosen]);
  const start = Math.floor((low + high) / 2) + 1;
  const found: number[] = [];
  for (let d = 0; found.length < options.count && (start - d >= low || start + d <= high); d++) {
    for (const p of d === 0 ? [start] : [start + d, start - d]) {
      if (found.length < options.count && p >= low && p <= high && !taken.has(p)) {
        found.push(p);
        taken.add(p);
      }
    }
  }
  if (found.length < options.count) throw new Error(`no free NodePort left in ${low}-${high} for the Local Service (${taken.size} in use)`);
  return found;
}
