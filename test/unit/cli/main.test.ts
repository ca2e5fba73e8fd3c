// Exit codes and the one-paragraph errors, through main() with captured output. The
// "unreachable API server" case points at a closed loopback port; nothing leaves the machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../../../helpers/cli/main.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function kubeconfig(server: string): string {
  const file = path.join(dir, `kc-${Math.random().toString(16).slice(2)}`);
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: lab, context: {cluster: c, user: u}}]
current-context: lab
`,
  );
  return file;
}

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('exit codes', () => {
  test('--help and images exit 0', async () => {
    expect((await run(['--help'])).out).toContain('Exit codes');
    const images = await run(['images', '--registry', 'mirror.example:5000']);
    expect(images).toMatchObject({ code: 0, out: 'mirror.example:5000/e2e-test-images/agnhost:2.66.1' });
  });

  test('bad flags exit 2', async () => {
    const r = await run(['--concurrency', 'many']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --concurrency many/);
  });

  test('a missing kubeconfig file exits 2 and names it', async () => {
    const r = await run(['list', '--kubeconfig', path.join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`kubeconfig file ${path.join(dir, 'nope')} (from --kubeconfig) does not exist`);
  });

  test('an unknown context exits 2 and lists the ones there are', async () => {
    const r = await run(['list', '--kubeconfig', kubeconfig('https://127.0.0.1:1'), '--context', 'prod']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/context "prod" \(from --context\) is not in .*; it has: lab\./);
  });

  test('an unreachable API server exits 3 and names the server', async () => {
    const r = await run(['run', '--kubeconfig', kubeconfig('https://127.0.0.1:1')]);
    expect(r.code).toBe(3);
    expect(r.err).toContain('cannot reach the API server https://127.0.0.1:1');
    expect(r.err).toContain('ECONNREFUSED');
  });
});
