// Where a run's CPU time goes on this machine: the whole machine's busy time (/proc/stat), and on
// the lab, its nodes' pods (the probes' client commands and servers, CoreDNS) and daemons (API
// server, etcd, kubelets, containerd and the processes they start: runc, CNI plugins,
// iptables-restore), read from the lab's cgroup v1 CPU accounting, which keeps the time of
// processes that have ended. On a machine whose cores the run keeps busy, wall time follows CPU
// time, so these say what a faster run has to cut. Linux only.
import fs from 'node:fs';

const LAB_CGROUP = '/sys/fs/cgroup/cpuacct/knc-lab';
const TICKS_PER_S = 100;

export interface CpuSnapshot {
  /** Busy time of every core since boot, in seconds (user, nice, system, irq, softirq, steal). */
  machineS: number;
  /** The lab's pods and daemons, in seconds (absent when the lab's cgroups are not there). */
  lab?: { podsS: number; daemonsS: number };
}

export interface CpuUse {
  machineS: number;
  lab?: { podsS: number; daemonsS: number };
}

function readNs(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) / 1e9;
  } catch {
    return undefined;
  }
}

/** The busy seconds of the first line of /proc/stat. */
export function busySeconds(statLine: string): number {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = statLine.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_S;
}

export function cpuSnapshot(): CpuSnapshot {
  const machineS = busySeconds(fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '');
  const total = readNs(`${LAB_CGROUP}/cpuacct.usage`);
  if (total === undefined) return { machineS };
  let podsS = 0;
  for (const node of fs.readdirSync(LAB_CGROUP, { withFileTypes: true })) {
    if (node.isDirectory()) podsS += readNs(`${LAB_CGROUP}/${node.name}/kubepods/cpuacct.usage`) ?? 0;
  }
  return { machineS, lab: { podsS, daemonsS: total - podsS } };
}

export function cpuSince(before: CpuSnapshot, after: CpuSnapshot = cpuSnapshot()): CpuUse {
  return {
    machineS: after.machineS - before.machineS,
    ...(before.lab && after.lab ? { lab: { podsS: after.lab.podsS - before.lab.podsS, daemonsS: after.lab.daemonsS - before.lab.daemonsS } } : {}),
  };
}

/** "CPU 24.6 s (runner 4.4, lab pods 10.0, lab daemons 13.0)": the machine's busy time over the run and its parts. */
export function cpuText(cpu: CpuUse, runnerS: number): string {
  const parts = [`runner ${runnerS.toFixed(1)}`, ...(cpu.lab ? [`lab pods ${cpu.lab.podsS.toFixed(1)}`, `lab daemons ${cpu.lab.daemonsS.toFixed(1)}`] : [])];
  return `CPU ${cpu.machineS.toFixed(1)} s (${parts.join(', ')})`;
}
