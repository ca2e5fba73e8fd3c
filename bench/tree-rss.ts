// Peak resident memory of a process tree (the CLI — where the suites' vitest and its worker
// threads run — and everything it starts; older commits ran vitest as a child), sampled from
// /proc every `intervalMs`. Linux only.
import fs from 'node:fs';

export interface TreeRss {
  /** Largest sum of RSS over the tree at one instant, in bytes. */
  peakTotal: number;
  /** Largest RSS each process reached, by a short name (its command), in bytes. */
  peakByProcess: Record<string, number>;
  /**
   * CPU time of the tree, in seconds: each process's user and system time at its last sample,
   * summed (a process's last 100 ms may be missed).
   */
  cpuS?: number;
}

const PAGE = 4096;

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  return byParent;
}

function describe(pid: number): string {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.some((a) => a.endsWith('vitest.mjs'))) return 'vitest (suites, worker threads)';
    if (args.some((a) => a.endsWith('kube-netconform.js'))) return 'kube-netconform CLI';
    if (args.some((a) => a.includes('esbuild'))) return 'esbuild (tsx)';
    return args[0] ?? String(pid);
  } catch {
    return String(pid);
  }
}

/** utime + stime of `pid`, in clock ticks (0 when it is gone). */
function cpuTicksOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5), counted from "state" (field 3) here.
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

function rssOf(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  } catch {
    return 0;
  }
}

/** The pids of `root`'s process tree: `root` and every process below it, as /proc shows them now. */
export function processTree(root: number): number[] {
  const byParent = children();
  const pids: number[] = [];
  for (let queue = [root]; queue.length;) {
    const pid = queue.pop()!;
    pids.push(pid);
    queue = queue.concat(byParent.get(pid) ?? []);
  }
  return pids;
}

/** Start sampling the tree under `root`; `peek()` reads the peaks so far, `stop()` ends sampling and returns them. */
export function sampleTreeRss(root: number, intervalMs = 100): { peek: () => TreeRss; stop: () => TreeRss } {
  const result: TreeRss = { peakTotal: 0, peakByProcess: {}, cpuS: 0 };
  const ticks = new Map<number, number>();
  const sample = () => {
    let total = 0;
    for (const pid of processTree(root)) {
      ticks.set(pid, Math.max(ticks.get(pid) ?? 0, cpuTicksOf(pid)));
      const rss = rssOf(pid);
      total += rss;
      // Named on every sample: a child just forked still shows its parent's command line.
      const name = describe(pid);
      result.peakByProcess[name] = Math.max(result.peakByProcess[name] ?? 0, rss);
    }
    result.peakTotal = Math.max(result.peakTotal, total);
    result.cpuS = [...ticks.values()].reduce((a, b) => a + b, 0) / 100;
  };
  const timer = setInterval(sample, intervalMs);
  sample();
  return { peek: () => structuredClone(result), stop: () => (clearInterval(timer), result) };
}
