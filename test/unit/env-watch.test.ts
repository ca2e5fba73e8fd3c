// The observer the credentials e2e test loads into the CLI (test/e2e/fixtures/env-watch.mjs):
// a secret a process puts into its own environment while it runs — invisible in
// /proc/<pid>/environ — is recorded, even when it is deleted again before exit; one kept is in
// the environment recorded at exit. A real Node process, as the CLI is run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const fixture = path.join(import.meta.dirname, '..', 'e2e', 'fixtures', 'env-watch.mjs');

function watch(script: string): { records: Array<{ event: string; key?: string; value?: string; env?: Record<string, string> }>; environ: string } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'env-watch-')), 'watch.jsonl');
  // The child prints its /proc environ after the writes: the view the observer exists to complete.
  const environ = execFileSync(
    process.execPath,
    ['--import', fixture, '--input-type=module', '-e', `${script}; process.stdout.write((await import('node:fs')).readFileSync('/proc/self/environ', 'utf8'))`],
    {
      env: { PATH: process.env.PATH ?? '', NETCONFORM_ENV_WATCH: file },
    },
  ).toString();
  const records = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return { records, environ };
}

describe('env-watch: what a process sets in its own environment while it runs', () => {
  test('a token set and deleted again is recorded, though /proc/<pid>/environ never shows it', () => {
    const { records, environ } = watch("process.env.KUBE_TOKEN = 's3cret-token'; delete process.env.KUBE_TOKEN");
    expect(environ).not.toContain('s3cret-token');
    expect(records.filter((r) => r.event === 'set')).toEqual([{ pid: expect.any(Number), event: 'set', key: 'KUBE_TOKEN', value: 's3cret-token' }]);
    expect(records.find((r) => r.event === 'exit')!.env).not.toHaveProperty('KUBE_TOKEN');
  });

  test('a value kept is in the environment recorded at exit; defineProperty is seen too', () => {
    const { records } = watch("Object.defineProperty(process.env, 'KEY_PEM', { value: 'BEGIN KEY', enumerable: true, configurable: true, writable: true })");
    expect(records.map((r) => r.event)).toEqual(['start', 'set', 'exit']);
    expect(records.find((r) => r.event === 'exit')!.env).toMatchObject({ KEY_PEM: 'BEGIN KEY' });
  });

  test('nothing set: only the start and exit records', () => {
    expect(watch('void 0').records.map((r) => r.event)).toEqual(['start', 'exit']);
  });
});
