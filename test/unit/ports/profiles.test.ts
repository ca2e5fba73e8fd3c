import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadProfile, parseProfile, ProfileError } from '../../../helpers/ports/profiles.ts';

const good = `name: mine
description: my cluster's ports
rules:
  - from: worker
    to: control-plane
    ports: apiserver
    protocol: tcp
    expect: open
    why: API server
  - from: any
    to: worker
    ports: 30000-32767
    protocol: udp
    expect: open
    when: [flannel, calico]
    why: NodePorts
`;

/** The error a bad profile raises, so a test can check file, line and message together. */
function errorOf(text: string): ProfileError {
  try {
    parseProfile(text, { file: 'my.yaml' });
  } catch (err) {
    expect(err).toBeInstanceOf(ProfileError);
    return err as ProfileError;
  }
  throw new Error('profile was accepted');
}

describe('port profiles', () => {
  test('a valid profile parses into typed rules that remember their line', () => {
    const p = parseProfile(good, { file: 'my.yaml' });
    expect(p.name).toBe('mine');
    expect(p.rules).toHaveLength(2);
    expect(p.rules[0]).toMatchObject({ from: 'worker', to: 'control-plane', ports: { kind: 'apiserver' }, protocol: 'tcp', expect: 'open', source: 'my.yaml:4' });
    expect(p.rules[1]).toMatchObject({ ports: { kind: 'range', low: 30000, high: 32767 }, protocol: 'udp', when: ['flannel', 'calico'], source: 'my.yaml:10' });
  });

  test('a wrong expectation names the file, the line and the allowed values', () => {
    const e = errorOf(good.replace('expect: open\n    when', 'expect: opn\n    when'));
    expect(e.message).toBe('my.yaml:14:13: rules[1].expect must be "open" or "closed", got "opn"');
  });

  test('a typo in a key is caught, not silently ignored', () => {
    const e = errorOf(good.replace('    why: API server', '    wyh: API server'));
    expect(e.message).toMatch(/^my\.yaml:9:5: unknown key "wyh" in rules\[0\]/);
  });

  test('bad ports, roles and protocols point at their line', () => {
    expect(errorOf(good.replace('30000-32767', '32767-30000')).message).toMatch(/^my\.yaml:12:12: rules\[1\]\.ports must be a port 1-65535, a range low-high/);
    expect(errorOf(good.replace('ports: apiserver', 'ports: 70000')).message).toMatch(/^my\.yaml:6:12: rules\[0\]\.ports/);
    expect(errorOf(good.replace('from: worker', 'from: workers')).message).toBe('my.yaml:4:11: rules[0].from must be one of control-plane, worker, etcd, any (or master), got "workers"');
    expect(errorOf(good.replace('protocol: udp', 'protocol: sctp')).message).toBe('my.yaml:13:15: rules[1].protocol must be tcp or udp, got "sctp"');
    expect(errorOf(good.replace('    protocol: tcp\n', '')).message).toBe('my.yaml:4:5: rules[0].protocol is required (tcp or udp)');
  });

  test('broken YAML is reported with its line', () => {
    const e = errorOf('name: x\ndescription: y\nrules:\n  - from: [worker\n');
    expect(e.file).toBe('my.yaml');
    expect(e.line).toBeGreaterThanOrEqual(4);
    expect(e.message).toMatch(/^my\.yaml:\d+:\d+: not valid YAML: /);
    expect(e.message).toMatch(/not valid YAML/);
  });

  test('the shipped profiles load', async () => {
    const kubeadm = await loadProfile('kubeadm');
    expect(kubeadm.file).toBe('profiles/kubeadm.yaml');
    const byPort = (text: string) => kubeadm.rules.filter((r) => r.portsText === text).map((r) => `${r.from}→${r.to} ${r.expect}`);
    expect(byPort('apiserver')).toEqual(['any→control-plane open']);
    expect(byPort('10250')).toEqual(['control-plane→any open']);
    expect(byPort('10255')).toEqual(['any→any closed']);
    expect(byPort('2379-2380')).toEqual(['control-plane→etcd open', 'worker→etcd closed']);
    expect(byPort('10257')).toHaveLength(1);
    expect(byPort('10259')).toHaveLength(1);
    expect(byPort('30000-32767')).toEqual(['any→worker open', 'any→worker open']);

    const seed = await loadProfile('seed-2017');
    const seedRows = seed.rules.map((r) => `${r.to} ${r.portsText}/${r.protocol} from ${r.from}${r.when ? ` when ${r.when.join('|')}` : ''}`);
    expect(seedRows).toEqual([
      'control-plane 443/tcp from worker',
      'control-plane 8285/udp from any when flannel/udp',
      'control-plane 8472/udp from any when flannel/vxlan|vxlan',
      'worker 10250/tcp from control-plane',
      'worker 10255/tcp from any',
      'worker 30000-32767/tcp from any',
      'worker 8285/udp from any when flannel/udp',
      'worker 8472/udp from any when flannel/vxlan|vxlan',
      'worker 179/tcp from worker when calico|bgp',
      'etcd 2379-2380/tcp from control-plane',
      'etcd 2379-2380/tcp from worker when flannel|calico',
    ]);
  });

  test('a missing profile says which names exist', async () => {
    await expect(loadProfile('kubeadmm')).rejects.toThrow(/cannot read profile: ENOENT \(built-in profiles: kubeadm, seed-2017/);
  });

  test('a custom profile loads from a path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netconform-profile-'));
    try {
      const file = join(dir, 'mine.yaml');
      await writeFile(file, good);
      expect((await loadProfile(file)).file).toBe(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
