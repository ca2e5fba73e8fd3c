// The diagnosis score of `npm run detect` (issue 22): named exactly, a wrong extra cause, only a
// wrong cause, none — and the catalogue section of docs/detection.md that carries it.
import { describe, expect, test } from 'vitest';
import { describeScore, scoreDiagnosis, tallyScores } from '../../detection/compare.ts';
import { REAL_FAULT_CASES } from '../../detection/cases.ts';
import { renderCatalogue } from '../../detection/report.ts';
import type { CaseRun } from '../../detection/run.ts';
import type { RunResults } from '../../../helpers/check/types.ts';

const expectKubeProxy = { diagnosis: [/kube-proxy on w1/] };

describe('scoreDiagnosis', () => {
  test('exact: the expected cause, and lines that only point at it', () => {
    expect(scoreDiagnosis(expectKubeProxy, ['kube-proxy on w1 has stopped programming'])).toBe('exact');
    expect(scoreDiagnosis(expectKubeProxy, ['kube-proxy on w1 …', 'name lookups from w1 fail …: the pod-network cause explains it'])).toBe('exact');
  });

  test('extra: the expected cause plus one no expectation covers (rows left unexplained count too)', () => {
    expect(scoreDiagnosis(expectKubeProxy, ['kube-proxy on w1 …', 'hairpin is off on w1'])).toBe('extra');
    expect(scoreDiagnosis(expectKubeProxy, ['kube-proxy on w1 …', '3 failing checks match no known pattern (…)'])).toBe('extra');
    expect(scoreDiagnosis({ ...expectKubeProxy, diagnosisMayAlso: [/hairpin/] }, ['kube-proxy on w1 …', 'hairpin is off on w1'])).toBe('exact');
  });

  test('wrong: the expected cause missing while others were named; none: nothing named', () => {
    expect(scoreDiagnosis(expectKubeProxy, ['intermittent loss between w1 and w2'])).toBe('wrong');
    expect(scoreDiagnosis(expectKubeProxy, [])).toBe('none');
  });

  test('a self-healing case: exact with no cause, extra with any', () => {
    expect(scoreDiagnosis({ diagnosis: [], selfHealing: true }, [])).toBe('exact');
    expect(scoreDiagnosis({ diagnosis: [], selfHealing: true }, ['something'])).toBe('extra');
  });

  test('the tally names the cases that fell short', () => {
    const t = tallyScores([
      { id: 'a', score: 'exact' },
      { id: 'b', score: 'extra' },
      { id: 'c', score: 'wrong' },
    ]);
    expect(describeScore(t)).toBe('3 cases: 1 named exactly, 1 with a wrong extra cause, 1 with only a wrong cause, 0 with no cause (b (extra), c (wrong))');
  });
});

describe('renderCatalogue', () => {
  test('every catalogue fault has a source and an expected cause (or is self-healing), and each row says where it comes from', () => {
    for (const c of REAL_FAULT_CASES) {
      expect(c.source, c.id).toBeTruthy();
      expect(c.diagnosis.length > 0 || c.selfHealing, c.id).toBe(true);
    }
    expect(REAL_FAULT_CASES.length).toBeGreaterThanOrEqual(12);
    const c = REAL_FAULT_CASES.find((x) => x.id === 'kube-proxy-hung')!;
    const run: CaseRun = {
      case: c,
      run: { startedAt: '2026-12-07T00:26:00Z', finishedAt: '2026-12-07T00:27:00Z', results: [], diagnosis: [] } as unknown as RunResults,
      verdict: {
        id: c.id,
        ok: true,
        missed: [],
        falseFailures: [],
        uncovered: [],
        missingDiagnosis: [],
        failedRows: 33,
        diagnosis: ['pods on lab-worker-1 … kube-proxy on lab-worker-1 has stopped programming new Services — hung'],
      },
      exitCode: 1,
      elapsedMs: 1,
    };
    const md = renderCatalogue(REAL_FAULT_CASES, [run], { note: 'Lab routed.' });
    expect(md).toContain('Diagnosis score over the runs below: 1 cases: 1 named exactly');
    expect(md).toMatch(/\| `kube-proxy-hung lab-worker-1` \| routed, vxlan \| kube-proxy that stops syncing .*kubernetes\/kubernetes#47589.* \| ✓ \/ exact \|/);
    expect(md).toMatch(/\| `coredns-loop` \| routed \| .* \| not run \|/);
  });
});
