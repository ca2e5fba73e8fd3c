// A network path is one suite module: suites/<path>.ts exports a SuiteModule and
// suites/<path>.test.ts hands it to the vitest glue. The lifecycle loops over the modules it
// finds (check/modules.ts): prepare (read the cluster), deploy (create the path's objects, once),
// settle (after every probe is ready), checks (pure: topology + plan → rows). Reports, `list`,
// filters and diagnosis learn the paths from the modules; there is no central list to edit.
import type { ProbeStreams } from '../probes/stream.ts';
import type { Deployment } from '../probes/deploy.ts';
import type { Kube } from '../kube/index.ts';
import type { NodeInfo, Topology } from '../topology.ts';
import type { Check, SuiteName } from './types.ts';

/** What every module may read: the run's options that are not its own business to parse. */
export interface SuiteOptions {
  runId: string;
  image: string;
  imagePullSecret?: string;
  readyTimeoutMs: number;
  /** --profile, --node-address-type, --cni … as parsed by the CLI; each module reads its own. */
  flags: {
    profile?: string;
    nodeAddressType?: 'InternalIP' | 'ExternalIP';
    cniHints?: string[];
    /** loadbalancer suite: --lb-timeout, how long a LoadBalancer Service may take to get its address (ms from its creation). */
    lbTimeoutMs?: number;
  };
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface PrepareContext {
  kube: Kube;
  nodes: readonly NodeInfo[];
  options: SuiteOptions;
}

export interface DeployContext extends PrepareContext {
  deployment: Deployment;
}

export interface SettleContext extends DeployContext {
  /** The run's topology: nodes and ready probes (probes carry their IPs now). */
  topology: Topology;
  /** Something the module started in this process for the run (a server) is stopped at teardown, even with --keep. */
  onTeardown: (release: () => Promise<void>) => void;
  /** The run's exec streams into its probes (one per probe, opened by the control preflight); absent in tests that give none. */
  streams?: ProbeStreams;
}

/** Only --short reaches the modules; --only/--skip apply to every module's rows alike (check/select.ts). */
export interface RowOptions {
  short?: boolean;
}

export interface SuiteModule<Plan = unknown> {
  name: SuiteName;
  /** Report order: the seed's paths first. */
  order: number;
  /** What MUST hold, one sentence (summary header, JUnit, README). */
  must: string;
  /**
   * Why this path's checks take the longest (must-not-answer timeouts, a NetworkPolicy
   * implementation's cases, filtered rows): its suite file starts before the others' (the suite workers run their files one
   * after another), by `rank` (1 first; helpers/check/file-order.ts's startFirstOrder).
   */
  startsFirst?: { rank: number; why: string };
  /**
   * Why the module's setup commands the host-network probes even when none of its selected rows
   * starts or ends in one (pod-to-external: each node's host network asks the server once). The
   * run then starts the host probes whenever a row of this module is selected (check/needs.ts).
   */
  hostProbesAtSettle?: string;
  /** Read what the path needs, before anything is created. A bad input throws UsageError. Reads only. */
  prepare?(ctx: PrepareContext): Promise<Plan>;
  /**
   * Create the path's objects, record them in ctx.deployment. A failure of the path alone lands in
   * the plan (its rows say it). Called only when at least one of the path's rows is selected
   * (check/needs.ts); so is settle.
   */
  deploy?(ctx: DeployContext, plan: Plan): Promise<Plan>;
  /**
   * After every probe is ready: wait for what the path's checks rely on (endpoints, listeners).
   * The settles run side by side, and a path's checks start as soon as its own settle is done
   * (the others' may still run).
   */
  settle?(ctx: SettleContext, plan: Plan): Promise<Plan>;
  /** Paths whose plans this path's rows read: its checks start only once their settles are done too. */
  after?: readonly SuiteName[];
  /** The path's rows. Pure. `plan` is what prepare/deploy/settle returned (undefined when the path has no hooks). */
  checks(topology: Topology, plan: Plan, options: RowOptions): Check[];
  /** One line for the progress output once the path is set up. */
  describe?(plan: Plan): string;
}

/** A module file's default export, typed. */
export function defineSuite<Plan>(module: SuiteModule<Plan>): SuiteModule<Plan> {
  return module;
}
