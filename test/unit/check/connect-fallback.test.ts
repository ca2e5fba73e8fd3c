// The ways into a host probe, in order (drivers/connect.ts, drivers/in-probe.ts), with the
// control client replaced by a script of what netexec's /shell and exec answered on the lab.
import { describe, expect, test } from 'vitest';
import { connectFrom } from '../../../helpers/check/drivers/connect.ts';
import type { ControlClient } from '../../../helpers/http.ts';

interface Script {
  shell: (cmd: string) => { status: number; body: string };
  /** netexec's /dial through the pod proxy (the last way). */
  dial?: () => { status: number; body: string };
  exec?: (command: string[]) => { exitCode: number; stdout: string; stderr: string };
}

function client(script: Script) {
  const calls: string[] = [];
  const control = {
    get: async (path: string) => {
      if (path.includes('/proxy/dial?')) {
        calls.push('dial');
        return { ...(script.dial?.() ?? { status: 404, body: '' }), elapsedMs: 1 };
      }
      const cmd = new URLSearchParams(path.slice(path.indexOf('?') + 1)).get('cmd') ?? '';
      calls.push(`shell ${cmd}`);
      return { ...script.shell(cmd), elapsedMs: 1 };
    },
    exec: async (o: { command: string[] }) => {
      calls.push(`exec ${o.command.join(' ')}`);
      if (!script.exec) throw new Error('exec refused');
      return script.exec(o.command);
    },
  } as unknown as ControlClient;
  return { control, calls };
}

let n = 0;
/** A fresh probe name per test: what the driver learnt about a probe is kept for the run. */
const probe = () => ({ pod: `hostnet-test-${++n}`, port: 18080 });

describe('connect: the ways into a host probe', () => {
  test('TCP: nc through /shell, one request', async () => {
    const { control, calls } = client({ shell: () => ({ status: 200, body: '{"output":"Connection to 172.28.0.11 10250 port [tcp/*] succeeded!\\n"}' }) });
    const out = await connectFrom({ control, namespace: 'ns' }, probe(), { host: '172.28.0.11', port: 10250, protocol: 'tcp' });
    expect(out).toMatchObject({ event: { kind: 'connected' }, via: 'shell', tool: 'nc' });
    expect(calls).toEqual(["shell 'nc' '-z' '-v' '-w' '3' '172.28.0.11' '10250'"]);
  });

  test('an image without nc: agnhost connect through /shell, and no nc asked again for that probe', async () => {
    const { control, calls } = client({
      shell: (cmd) =>
        cmd.startsWith("'nc'") ? { status: 200, body: '{"error":"exit status 127","output":"sh: 1: nc: not found\\n"}' } : { status: 200, body: '{"error":"exit status 1","output":"REFUSED\\n"}' },
    });
    const p = probe();
    const first = await connectFrom({ control, namespace: 'ns' }, p, { host: '172.28.0.11', port: 10255, protocol: 'tcp' });
    expect(first).toMatchObject({ event: { kind: 'refused' }, via: 'shell', tool: 'agnhost' });
    await connectFrom({ control, namespace: 'ns' }, p, { host: '172.28.0.12', port: 10255, protocol: 'tcp' });
    expect(calls.filter((c) => c.startsWith("shell 'nc'"))).toHaveLength(1);
  });

  test('no /bin/sh (a binary-only agnhost): exec, with a note that says why', async () => {
    const { control, calls } = client({
      shell: () => ({ status: 200, body: '{"error":"fork/exec /bin/sh: no such file or directory"}' }),
      exec: () => ({ exitCode: 0, stdout: '', stderr: '' }),
    });
    const out = await connectFrom({ control, namespace: 'ns' }, probe(), { host: '172.28.0.11', port: 8472, protocol: 'udp' });
    expect(out).toMatchObject({ event: { kind: 'connected' }, via: 'exec', tool: 'agnhost', note: expect.stringContaining('no usable /bin/sh') });
    expect(calls).toEqual(["shell '/agnhost' 'connect' '172.28.0.11:8472' '--timeout' '3s' '--protocol' 'udp'", 'exec /agnhost connect 172.28.0.11:8472 --timeout 3s --protocol udp']);
  });

  test('neither /shell nor exec: /dial, and the note names both failures', async () => {
    const { control, calls } = client({
      shell: () => ({ status: 503, body: 'error trying to reach service' }),
      dial: () => ({ status: 200, body: '{"errors":["dial tcp 172.28.0.11:10250: connect: connection refused"]}' }),
    });
    const out = await connectFrom({ control, namespace: 'ns' }, probe(), { host: '172.28.0.11', port: 10250, protocol: 'tcp' });
    expect(out.via).toBe('dial');
    expect(out.event.kind).toBe('refused');
    expect(out.note).toMatch(/neither \/shell \(\/shell answered HTTP 503.*\) nor exec \(exec refused\)/);
    expect(calls.at(-1)).toBe('dial');
  });
});
