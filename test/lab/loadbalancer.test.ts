// With `lab up --lb metallb` (run with LAB_LB=metallb), the lab MUST have a real LoadBalancer
// implementation: MetalLB in L2 mode gives a LoadBalancer Service an address from the lab's
// node network pool, and that address answers the root namespace (the runner) over TCP and UDP,
// from the Service's backend, with ARP answered on the lab bridge. Plain kubectl + agnhost only.
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubectl, kubectlJson, requireLab, waitFor, netexecPodYaml } from './lab-client.ts';

const NS = 'lab-lb-test';
const POOL = /^172\.28\.0\.(24\d|250)$/;
let address = '';

function udpAsk(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP answer from ${host}:${port} within 3 s`));
    }, 3000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.send(text, port, host);
  });
}

describe.skipIf(!requireLab({ lb: 'metallb' }))('lab LoadBalancer: MetalLB L2', { sequential: true }, () => {
  beforeAll(async () => {
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true'], { timeoutMs: 120_000 });
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['apply', '-n', NS, '-f', '-'], {
      input: `${netexecPodYaml({ name: 'backend', node: 'lab-worker-2', app: 'backend' })}---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {app: backend}
  ports:
  - {name: http, port: 80, targetPort: 8080, protocol: TCP}
  - {name: udp, port: 80, targetPort: 8081, protocol: UDP}
`,
    });
    await kubectl(['wait', '-n', NS, '--for=condition=Ready', 'pod/backend', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 180_000);

  afterAll(async () => {
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  });

  test('the Service gets an address from the pool inside the lab node network', async () => {
    address = await waitFor(
      'status.loadBalancer.ingress of service/lb',
      async () => (await kubectlJson(['get', 'service', '-n', NS, 'lb'])).status?.loadBalancer?.ingress?.[0]?.ip as string | undefined,
      { timeoutMs: 30_000 },
    );
    expect(address).toMatch(POOL);
  });

  test('the address answers the root namespace over TCP and UDP, from the backend', async () => {
    const body = await waitFor(
      `http://${address}/hostname from the root namespace`,
      async () => {
        const res = await fetch(`http://${address}/hostname`, { signal: AbortSignal.timeout(3000) });
        return res.ok ? await res.text() : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(body).toBe('backend');
    expect(await udpAsk(address, 80, 'hostname')).toBe('backend');
  });

  test("the root namespace learned the address's MAC on the lab bridge leg (ARP from a node's eth0), on no other interface", () => {
    const neigh = execFileSync('ip', ['-4', 'neigh', 'show', 'to', address], { encoding: 'utf8' });
    expect(neigh).toMatch(/dev knc-lab0 lladdr [0-9a-f:]{17}/);
    expect(neigh.split('\n').filter((l) => l.trim() && !l.includes('dev knc-lab0'))).toEqual([]);
    const macs = ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'].map(
      (n) =>
        execFileSync('ip', ['-n', `knc-${n}`, '-br', 'link', 'show', 'eth0'], { encoding: 'utf8' })
          .trim()
          .split(/\s+/)[2],
    );
    expect(macs).toContain(/lladdr ([0-9a-f:]{17})/.exec(neigh)![1]);
  });
});
