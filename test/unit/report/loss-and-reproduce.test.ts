import { describe, expect, test } from 'vitest';
import { caseProperties, failureText, renderJunit } from '../../../helpers/report/junit.ts';
import { renderSummaryMarkdown } from '../../../helpers/report/summary-md.ts';
import { renderTerminal } from '../../../helpers/report/terminal.ts';
import { podToPod, row, run } from '../fixtures/results.ts';

const repro = "kubectl get --raw '/api/v1/namespaces/netconform-x/pods/probe-a-worker-1:8080/proxy/dial?host=10.244.2.5&port=8081&protocol=udp&request=hostname&tries=3'";
const lossy = row({
  protocol: 'udp',
  port: 8081,
  outcome: 'failed',
  observed: 'FILTERED',
  detail: 'lost 2 of 6',
  samples: { sent: 6, lost: 2, lossPct: 33.3, p50Ms: 9.5, p99Ms: 14 },
  reproduce: repro,
});

describe('loss, latency and the reproduction command in every view', () => {
  test('JUnit: properties per row, and the failure body ends with the command', () => {
    const props = Object.fromEntries(caseProperties(lossy));
    expect(props).toMatchObject({ 'samples.sent': '6', 'samples.lost': '2', 'loss.pct': '33.3', 'latency.p50Ms': '9.5', 'latency.p99Ms': '14', reproduce: repro });
    expect(failureText(lossy)).toContain(`samples: 6 sent, 2 lost (33.3 %), latency p50 9.5 ms, p99 14 ms`);
    expect(failureText(lossy).split('\n').at(-1)).toBe(`reproduce (works while the probes exist: run with --keep): ${repro}`);
    expect(renderJunit(run([lossy]))).toContain('--keep');
  });

  test('summary.md: a loss/latency matrix per pair of ends, and the command under the failing row', () => {
    const rows = [...podToPod().map((r) => ({ ...r, samples: { sent: 3, lost: 0, lossPct: 0, p50Ms: 4, p99Ms: 6 } })), lossy];
    const md = renderSummaryMarkdown(run(rows));
    expect(md).toContain('## Loss and latency');
    expect(md).toMatch(/\| \*\*worker-1\*\* \|.*\*\*\d+(\.\d)? %\*\* \(2\/\d+\)/);
    expect(md).toContain(`  - reproduce: \`${repro}\``);
    expect(renderTerminal(run(rows), { color: false })).toContain(`reproduce the first (needs the probes: --keep): ${repro}`);
  });
});
