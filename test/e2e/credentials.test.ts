// Credentials never travel in an environment variable (issue 9): during a real run, neither the
// CLI (where the suites' vitest and its worker threads run) nor any process it starts holds
// the bearer token or the client key in its environment or command line (the plan and the
// transport are handed to the suites in memory). The run uses the lab's admin
// kubeconfig (client certificate and key) with a real ServiceAccount token added, so the
// transport carries both kinds of secret. Two views, because /proc/<pid>/environ shows only the
// environment a process started with: the CLI runs with an observer (fixtures/env-watch.mjs,
// `node --import`) that records every variable it sets while it runs and its environment at
// exit; every other process of the run is read from /proc (its starting environment is all it
// ever got from its parent). Skipped when the lab is not up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { processTree } from '../../bench/tree-rss.ts';
import { kubeconfig, kubectl, requireLab, objectsLeft, runIdOf, startCli } from './cli-helpers.ts';

const up = requireLab();
const SA = 'netconform-e2e-creds';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netconform-creds-'));

interface KubeconfigFile {
  users: { name: string; user: { 'client-key-data'?: string; token?: string } }[];
}

const read = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process (or the plan file) is gone
  }
};

describe.skipIf(!up)('credentials', () => {
  afterAll(() => {
    kubectl('delete', 'serviceaccount', SA, '-n', 'default', '--ignore-not-found');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('neither the CLI (at start, while it runs, at exit) nor any process it starts has the token or the client key in its environment or command line, and the run passes', async () => {
    const admin = parse(fs.readFileSync(kubeconfig(), 'utf8')) as KubeconfigFile;
    const user = admin.users[0]!.user;
    const keyPem = Buffer.from(user['client-key-data']!, 'base64').toString('utf8');
    // The key's base64 body without line breaks, and one line of it: found however it is encoded.
    const keyBody = keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const keyLine = keyPem.split('\n')[1]!;
    kubectl('delete', 'serviceaccount', SA, '-n', 'default', '--ignore-not-found');
    kubectl('create', 'serviceaccount', SA, '-n', 'default');
    const token = kubectl('create', 'token', SA, '-n', 'default', '--duration', '10m').trim();
    const withToken = path.join(dir, 'admin-with-token.kubeconfig');
    user.token = token;
    fs.writeFileSync(withToken, JSON.stringify(admin), { mode: 0o600 });
    const secrets = { token, 'client key': keyLine, 'client key (base64 data)': user['client-key-data']!, 'client key (one line)': keyBody.slice(0, 64) };

    const leaks = new Set<string>();
    let cliSeen = 0;
    const inspect = (pid: number) => {
      const environ = read(`/proc/${pid}/environ`);
      if (environ === undefined) return;
      const cmdline = read(`/proc/${pid}/cmdline`) ?? '';
      if (cmdline.includes('kube-netconform')) cliSeen++;
      const texts: [string, string][] = [
        ['environment', environ],
        ['command line', cmdline],
      ];
      for (const [where, text] of texts)
        for (const [what, value] of Object.entries(secrets)) if (text.includes(value)) leaks.add(`${what} in the ${where} of pid ${pid} (${cmdline.split('\0').slice(0, 2).join(' ')})`);
    };
    // Sample the process tree every 20 ms while the run lasts (as bench/tree-rss.ts samples memory).
    const sampler = setInterval(() => {
      for (const pid of processTree(process.pid)) if (pid !== process.pid) inspect(pid);
    }, 20);
    const watchFile = path.join(dir, 'env-watch.jsonl');
    const result = await startCli(['run', '--kubeconfig', withToken], {
      nodeArgs: ['--import', path.join(import.meta.dirname, 'fixtures', 'env-watch.mjs')],
      env: { NETCONFORM_ENV_WATCH: watchFile },
    });
    clearInterval(sampler);
    const watched = (read(watchFile) ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { pid: number; event: 'start' | 'set' | 'exit'; key?: string; value?: string; env?: Record<string, string> });

    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(objectsLeft(runIdOf(result))).toEqual([]);
    // The scan saw the CLI while it ran: not vacuous.
    expect(cliSeen).toBeGreaterThan(0);
    // The observer ran in the CLI from start to exit, and saw the variable the CLI itself sets
    // for the suites' file order (a list of suite names): it sees what the CLI writes.
    expect(watched.map((w) => w.event).filter((e) => e !== 'set')).toEqual(['start', 'exit']);
    expect(
      watched.some((w) => w.event === 'set' && w.key === 'NETCONFORM_START_FIRST'),
      JSON.stringify(watched.filter((w) => w.event === 'set').map((w) => w.key)),
    ).toBe(true);
    for (const w of watched) {
      const texts: [string, string][] =
        w.event === 'set' ? [[`variable ${w.key} set while it ran`, w.value ?? '']] : w.event === 'exit' ? Object.entries(w.env ?? {}).map(([k, v]) => [`variable ${k} at exit`, v]) : [];
      for (const [where, text] of texts) for (const [what, value] of Object.entries(secrets)) if (text.includes(value)) leaks.add(`${what} in the CLI's environment: ${where}`);
    }
    expect([...leaks]).toEqual([]);
    // The suites really used the handed-over transport: the checks went over it (exec streams into the probes).
    expect(result.stdout).toMatch(/API requests: \d+ setup\+cleanup, [1-9]\d* checks/);
  });
});
