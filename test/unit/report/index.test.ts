import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { writeReports } from '../../../helpers/report/index.ts';
import { podToPod, run } from '../fixtures/results.ts';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('writeReports', () => {
  test('writes the four files; results.json round-trips the run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'netconform-report-'));
    const r = run(podToPod({ fault: (x) => (x.to.node === 'worker-2' && x.from.node !== 'worker-2' ? 'FILTERED' : undefined) }));
    const paths = await writeReports(r, { reportDir: join(dir, 'reports'), junitPath: join(dir, 'ci', 'junit.xml') });

    expect(paths).toEqual({
      junit: join(dir, 'ci', 'junit.xml'),
      summary: join(dir, 'reports', 'summary.md'),
      html: join(dir, 'reports', 'report.html'),
      json: join(dir, 'reports', 'results.json'),
    });
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toEqual(r);
    expect(await readFile(paths.junit, 'utf8')).toContain('failures="8"');
    expect(await readFile(paths.summary, 'utf8')).toContain('FAIL: 8 of 36 checks failed');
    expect(await readFile(paths.html, 'utf8')).toContain('FAIL: 8 of 36 checks failed');
  });
});
