// Adding a network path is one module and one short suite file, nothing else: a toy path
// ("a pod reaches its own IP", plus one row that must fail) is written into the suites folder
// the CLI runs from, and list, run, JUnit and the summary matrix pick it up. Diagnosis has no rule
// for a path it has never heard of: its failing row is listed as unexplained (with its title and the
// pattern it makes), and no rule of another path claims it with a wrong cause.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubeconfig, requireLab, objectsLeft, repoRoot, resultsOf, runIdOf, startCli } from './cli-helpers.ts';

const up = requireLab();
const NAME = 'zz-toy-own-ip';
// The folder and file kind the CLI loads suites from: compiled (dist/) when there is a build, else the sources.
const compiled = fs.existsSync(path.join(repoRoot, 'dist', 'suites'));
const dir = path.join(repoRoot, compiled ? 'dist/suites' : 'suites');
const ext = compiled ? 'js' : 'ts';

// Plain JavaScript, valid as TypeScript too: one row per pod probe to its own IP, and one to a
// port nothing listens on that must answer (it is refused: the row fails, diagnosis lists it).
const moduleText = `
import { defineSuite } from '../helpers/check/suite.${ext}';
import { controlOf, label, peerOf } from '../helpers/rows.${ext}';

export default defineSuite({
  name: '${NAME}',
  order: 99,
  must: 'a pod reaches its own IP',
  checks(topology) {
    const pods = topology.probes.filter((p) => p.role === 'probe-a' && p.ready);
    const rows = pods.map((p) => ({
      kind: 'network', suite: '${NAME}', title: label(p) + ' → itself 8080/tcp',
      from: peerOf(p), to: peerOf(p), protocol: 'tcp', port: 8080, family: 'ipv4',
      expect: 'REACHABLE', expectReason: 'a pod reaches its own IP', answer: { kind: 'hostname', expected: [p.name] },
      drive: { via: 'probe', control: controlOf(p), target: { host: p.ip, port: 8080 }, tries: 1 },
    }));
    const first = pods[0];
    if (first) rows.push({ ...rows[0], title: label(first) + ' → itself 9/tcp (nothing listens: must fail)', port: 9, drive: { ...rows[0].drive, target: { host: first.ip, port: 9 } } });
    return rows;
  },
});
`;
const testText = `import suite from './${NAME}.${ext}';\nimport { suiteTests } from './check-rows.${ext}';\n\nsuiteTests(suite);\n`;

describe.skipIf(!up)('a new path is one module and one suite file', () => {
  beforeAll(() => {
    fs.writeFileSync(path.join(dir, `${NAME}.${ext}`), moduleText);
    fs.writeFileSync(path.join(dir, `${NAME}.test.${ext}`), testText);
  });
  afterAll(() => {
    for (const f of [`${NAME}.${ext}`, `${NAME}.test.${ext}`]) fs.rmSync(path.join(dir, f), { force: true });
  });

  test('list, run, JUnit and summary matrix pick it up; diagnosis lists its failing row as unexplained and names no other cause', async () => {
    const list = await startCli(['list', '--kubeconfig', kubeconfig(), '--only', `^${NAME} `]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toContain(`${NAME}\tlab-worker-1/probe-a → itself 8080/tcp`);

    const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--only', `^${NAME} `]);
    expect(run.code, run.stderr).toBe(1);
    const results = resultsOf(run);
    const rows = results.results.filter((r) => r.suite === NAME);
    expect(
      rows
        .filter((r) => r.outcome === 'passed')
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      list.stdout
        .trim()
        .split('\n')
        .filter((l) => !l.includes('must fail'))
        .map((l) => l.split('\t')[1])
        .sort(),
    );
    const bad = rows.find((r) => r.name.includes('must fail'))!;
    expect(bad).toMatchObject({ outcome: 'failed', observed: 'REFUSED' });
    expect(results.suites.map((s) => s.name)).toContain(NAME);

    const junit = fs.readFileSync(path.join(run.reportDir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(new RegExp(`<testsuite name="${NAME}"[^>]*failures="1"`));
    const summary = fs.readFileSync(path.join(run.reportDir, 'summary.md'), 'utf8');
    expect(summary).toContain(`### ${NAME}`);
    expect(summary).toMatch(/\| \*\*lab-worker-1\*\* \|[^\n]*✓ 1\/1/);
    // The one cause is the fallback's, naming the row: no rule of another path took it for its own.
    // It names the row and the pattern it makes: the path, its two ends (the row's own node), TCP, refused.
    const node = bad.name.split('/')[0]!;
    const line = `1 failing check matches no known pattern (e.g. ${bad.name}; ${NAME} ${node} → ${node}, TCP, refused): read the detail of the failing rows`;
    expect(results.diagnosis).toEqual([line]);
    expect(summary).toContain(`- ${line}`);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });
});
