// The run's heartbeat Lease (helpers/runs/heartbeat.ts): created held, named after the run with
// its labels; renewed on a timer; released (no holder) when the run ends with --keep.
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Kube, LeaseInfo } from '../../../helpers/kube/index.ts';
import { Heartbeat, LEASE_DURATION_S, RENEW_EVERY_MS, leaseName } from '../../../helpers/runs/heartbeat.ts';

function leaseKube(options: { failRenewals?: number } = {}) {
  const writes: { verb: string; lease: LeaseInfo }[] = [];
  let failures = options.failRenewals ?? 0;
  const kube = {
    createLease: async (_ns: string, lease: LeaseInfo) => void writes.push({ verb: 'create', lease }),
    renewLease: async (_ns: string, lease: LeaseInfo) => {
      if (failures-- > 0) throw new Error('the API server did not answer');
      writes.push({ verb: 'renew', lease });
    },
  };
  return { kube: kube as unknown as Kube, writes };
}

afterEach(() => vi.useRealTimers());

describe('heartbeat', () => {
  test('created held, renewed every RENEW_EVERY_MS, released at the end of a --keep run', async () => {
    vi.useFakeTimers();
    const { kube, writes } = leaseKube();
    const beat = await Heartbeat.start(kube, { namespace: 'netconform-abc123', runId: 'abc123' });
    expect(writes[0]).toMatchObject({ verb: 'create', lease: { name: leaseName('abc123'), durationS: LEASE_DURATION_S, labels: { 'netconform.io/run-id': 'abc123' } } });
    expect(writes[0]!.lease.holder).toMatch(/^kube-netconform run abc123 on .+ pid \d+$/);
    await vi.advanceTimersByTimeAsync(RENEW_EVERY_MS * 2);
    expect(writes.filter((w) => w.verb === 'renew' && w.lease.holder)).toHaveLength(2);
    await beat.stop({ release: true });
    expect(writes.at(-1)).toMatchObject({ verb: 'renew', lease: { holder: undefined } });
    await vi.advanceTimersByTimeAsync(RENEW_EVERY_MS * 2);
    expect(writes.filter((w) => w.verb === 'renew')).toHaveLength(3);
  });

  test('a failed renewal is said once and retried at the next tick; the run goes on', async () => {
    vi.useFakeTimers();
    const { kube, writes } = leaseKube({ failRenewals: 2 });
    const said: string[] = [];
    const beat = await Heartbeat.start(kube, { namespace: 'ns', runId: 'abc123', onWarning: (m) => said.push(m) });
    await vi.advanceTimersByTimeAsync(RENEW_EVERY_MS * 3);
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/^warning: could not renew the run's heartbeat Lease ns\/netconform-run-abc123 .*did not answer/);
    expect(said[1]).toMatch(/renewed again/);
    expect(writes.filter((w) => w.verb === 'renew')).toHaveLength(1);
    await beat.stop({ release: false });
  });
});
