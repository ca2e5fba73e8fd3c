// Proven detection: the full suite MUST pass on a healthy lab, repeatedly, and MUST fail exactly
// the rows each lab fault breaks, naming the cause. Cases and expectations are data
// (helpers/detection/cases.ts); this runs those of the lab's current network mode.
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { FAULT_CASES } from '../../helpers/detection/cases.ts';
import { describeVerdict, type LabNetwork } from '../../helpers/detection/compare.ts';
import { labNetwork, runCase, runSuite } from '../../helpers/detection/run.ts';

const HEALTHY_RUNS = Number(process.env.DETECTION_HEALTHY_RUNS ?? 5);
const reportRoot = path.resolve(import.meta.dirname, '..', '..', 'reports', 'detection-test');
const wanted = (process.env.LAB_NETWORK ?? 'routed') as LabNetwork;
let network: LabNetwork;

beforeAll(async () => {
  network = await labNetwork();
  expect(network, 'the lab runs the network mode this test was started for').toBe(wanted);
});

describe('detection', { sequential: true }, () => {
  test(`a healthy lab passes every check, ${HEALTHY_RUNS} runs in a row`, async () => {
    const failures: string[] = [];
    for (let i = 0; i < HEALTHY_RUNS; i++) {
      const { run, exitCode } = await runSuite({ reportDir: path.join(reportRoot, `${wanted}-healthy-${i}`) });
      const bad = run.results.filter((r) => r.outcome === 'failed' || r.outcome === 'error');
      failures.push(...bad.map((r) => `run ${i}: ${r.suite}: ${r.name}: ${r.detail}`));
      expect(run.results.length).toBeGreaterThan(0);
      if (!bad.length) expect(exitCode).toBe(0);
    }
    expect(failures).toEqual([]);
  });

  test.each(FAULT_CASES.filter((c) => c.networks.includes(wanted)).map((c) => [c.id, c] as const))('fault %s is detected exactly', async (_id, c) => {
    const r = await runCase(c, { reportRoot: path.join(reportRoot, wanted) });
    expect(r.exitCode, 'a detected fault makes the CLI exit 1').toBe(1);
    expect(r.verdict.ok, describeVerdict(r.verdict)).toBe(true);
  });
});
