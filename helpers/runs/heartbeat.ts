// A run's heartbeat: a coordination.k8s.io Lease in its namespace, named after the run and
// carrying its labels, renewed while the run goes. `cleanup` reads it to tell a live run from a
// dead one's leftovers (helpers/runs/leftovers.ts): a run is live while its Lease is held and
// renewed within its duration; released (the run ended, e.g. with --keep) or expired (the
// process was killed) it is not. The renewals never stop the run: a failed one is retried at
// the next tick, and said once.
import os from 'node:os';
import { messageOf } from '../errors.ts';
import type { Kube, LeaseInfo } from '../kube/index.ts';
import { runLabels } from '../probes/manifests.ts';

/** How long a Lease holds without a renewal: three renewals may fail before a run looks dead. */
export const LEASE_DURATION_S = 30;
/** How often the run renews its Lease. */
export const RENEW_EVERY_MS = 10_000;

export const leaseName = (runId: string): string => `netconform-run-${runId}`;

/** Who holds a run's Lease: the run id, and the host and process it runs in (so `cleanup` can name it). */
export function holderOf(runId: string): string {
  return `kube-netconform run ${runId} on ${os.hostname()} pid ${process.pid}`;
}

export class Heartbeat {
  private timer?: NodeJS.Timeout;
  private failing = false;
  private readonly lease: LeaseInfo;

  private constructor(
    private readonly kube: Kube,
    readonly namespace: string,
    runId: string,
    private readonly onWarning: (m: string) => void,
  ) {
    this.lease = { name: leaseName(runId), labels: runLabels(runId), holder: holderOf(runId), durationS: LEASE_DURATION_S };
  }

  /** Create the run's Lease (a failure is the caller's: the run must not go on unseen by cleanup) and renew it every RENEW_EVERY_MS. */
  static async start(kube: Kube, options: { namespace: string; runId: string; onWarning?: (m: string) => void }): Promise<Heartbeat> {
    const beat = new Heartbeat(kube, options.namespace, options.runId, options.onWarning ?? (() => undefined));
    await kube.createLease(options.namespace, { ...beat.lease, renewTime: new Date() });
    beat.timer = setInterval(() => void beat.renew(), RENEW_EVERY_MS);
    beat.timer.unref();
    return beat;
  }

  private async renew(): Promise<void> {
    try {
      await this.kube.renewLease(this.namespace, { ...this.lease, renewTime: new Date() });
      if (this.failing) this.onWarning(`heartbeat: Lease ${this.namespace}/${this.lease.name} renewed again`);
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.onWarning(`warning: could not renew the run's heartbeat Lease ${this.namespace}/${this.lease.name} (retrying every ${RENEW_EVERY_MS / 1000} s): ${messageOf(err)}`);
      this.failing = true;
    }
  }

  /** Stop renewing. `release`: mark the Lease released (no holder), so `cleanup` may remove what the run kept (--keep) at once. */
  async stop(options: { release: boolean }): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (options.release) await this.kube.renewLease(this.namespace, { ...this.lease, holder: undefined, renewTime: new Date() });
  }
}
