// The client address a Local NodePort's backend saw, read from its log (agnhost serve-hostname's
// lines, as it writes them for IPv4 and IPv6 clients), judged as every client-address answer is.
import { describe, expect, test } from 'vitest';
import { classify } from '../../../helpers/check/classify.ts';
import { clientSeenEvent, clientsInLog } from '../../../helpers/probes/client-seen.ts';

const clientip = (expected: string) => ({ kind: 'clientip' as const, expected, client: 'runner' });
const LOG = [
  '2026/12/06 21:40:00 Serving on port 8080.',
  '2026/12/06 21:40:02 HTTP request from 172.28.0.11:51234',
  '2026/12/06 21:40:03 HTTP request from [fd6b:6e63:6c00::1]:45678',
  '2026/12/06 21:40:04 UDP request from 172.28.0.1:41234',
].join('\n');

describe("a Local NodePort backend's log", () => {
  test('every request line, IPv4 and bracketed IPv6, address and as logged', () => {
    expect(clientsInLog(LOG)).toEqual([
      { address: '172.28.0.11', logged: '172.28.0.11:51234' },
      { address: 'fd6b:6e63:6c00::1', logged: '[fd6b:6e63:6c00::1]:45678' },
      { address: '172.28.0.1', logged: '172.28.0.1:41234' },
    ]);
  });

  test("the runner's own address logged: it kept its address, in either family", () => {
    expect(classify([clientSeenEvent(LOG, '172.28.0.1')], clientip('172.28.0.1')).observed).toBe('REACHABLE');
    expect(classify([clientSeenEvent(LOG, 'fd6b:6e63:6c00::1')], clientip('fd6b:6e63:6c00::1')).observed).toBe('REACHABLE');
  });

  test('only other addresses logged (a node address: SNAT): a wrong answer naming what the backend saw', () => {
    const v = classify([clientSeenEvent(LOG, '172.28.0.2')], clientip('172.28.0.2'));
    expect(v).toMatchObject({ observed: 'WRONG_ANSWER', detail: expect.stringContaining('the backend saw 172.28.0.1 instead of') });
  });

  test('nothing logged: no verdict (the address it saw is unknown), never a pass', () => {
    expect(classify([clientSeenEvent('2026/12/06 21:40:00 Serving on port 8080.', '172.28.0.1')], clientip('172.28.0.1')).observed).toBe('INCONCLUSIVE');
  });
});
