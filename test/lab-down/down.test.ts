// `lab down` MUST leave nothing behind: no namespace, interface, process, mount or cgroup.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { lab, waitFor } from '../lab/lab-client.ts';

const sh = (cmd: string) => execFileSync('bash', ['-c', cmd], { encoding: 'utf8' });
const labDirs = ['/var/lib/kube-netconform-lab', '/run/kube-netconform-lab'];

describe('lab down', () => {
  test('after a crash (every lab process SIGKILLed, state left on disk) status still reports it', async () => {
    sh('for p in $(find /sys/fs/cgroup/pids/knc-lab -name cgroup.procs -exec cat {} +); do kill -9 $p; done 2>/dev/null || true');
    const status = await waitFor(
      'lab status to report the killed kubelets as down',
      async () => {
        const s = await lab('status');
        return /kubelet:DOWN/.test(s.stdout) ? s : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(status.stdout).toMatch(/^lab: up, 3 nodes/);
  }, 60_000);

  test('removes every namespace, interface, process, mount and cgroup the lab made, and is idempotent', async () => {
    const down = await lab('down');
    expect(down.code, down.stderr).toBe(0);
    expect(
      sh('ip netns list')
        .split('\n')
        .filter((l) => l.startsWith('knc-')),
    ).toEqual([]);
    expect(
      sh('ip -o link show')
        .split('\n')
        .filter((l) => /knc-lab0|vh\d+@/.test(l)),
    ).toEqual([]);
    const procs = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .flatMap((p) => {
        try {
          return [readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')];
        } catch {
          return [];
        }
      });
    expect(procs.filter((c) => /kube-netconform-lab\/bin\/|containerd-shim-runc-v2/.test(c))).toEqual([]);
    expect(
      readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .filter((m) => labDirs.some((d) => m.includes(d))),
    ).toEqual([]);
    for (const d of labDirs) expect(existsSync(d), d).toBe(false);
    expect(existsSync('/sys/fs/cgroup/pids/knc-lab')).toBe(false);
    // The root namespace's blackholes for the pod and Service ranges go with the lab.
    expect(
      sh('ip -4 route show type blackhole')
        .split('\n')
        .filter((l) => /^blackhole (10\.244\.0\.0\/16|10\.96\.0\.0\/12)\b/.test(l)),
    ).toEqual([]);
    // The IPv6 ones of a dual lab too (--ip-family dual), and its RA-filtering hub with the namespaces.
    expect(
      sh('ip -6 route show type blackhole')
        .split('\n')
        .filter((l) => /^blackhole fd6b:6e63:6c00:/.test(l)),
    ).toEqual([]);
    expect(sh('ip -6 addr show').includes('fd6b:6e63:6c00:'), 'no lab IPv6 address left in the root namespace').toBe(false);
    const again = await lab('down');
    expect(again.code).toBe(0);
    const status = await lab('status');
    expect(status.stdout).toMatch(/lab: down/);
  }, 120_000);
});
