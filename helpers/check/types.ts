// The one check contract: what every network path's checks and results are made
// of. A check names its two peers, protocol, port, IP family and a named expectation with its
// reason, and how it is driven; a result is either a network result (a verdict on the data
// path) or a static result (skipped, not run, setup failure, a fact computed from the cluster)
// that carries no invented network facts. Types only: imports nothing.

/** A network path, named as its suite module and file are (suites/<name>.ts). */
export type SuiteName = string;
export type Protocol = 'tcp' | 'udp';
export type IpFamily = 'ipv4' | 'ipv6';

/** One end of a check. `node` is a Kubernetes node name ('' for the runner and Service VIPs). */
export interface Peer {
  kind: 'pod' | 'host' | 'service' | 'nodeport' | 'runner';
  node: string;
  /** The probe pod at this end (absent for the runner, Services and NodePorts). */
  pod?: string;
  ip: string;
  family: IpFamily;
  /** Service name, for service and nodeport peers. */
  service?: string;
}

/**
 * What a check expects (named, each with its meaning):
 * - REACHABLE: connected, and the answer came from the intended endpoint.
 * - CLOSED: must not connect; refused or filtered both pass.
 * - DELIVERED: packets arrive at the host: connected or refused both pass (a port nothing
 *   listens on, where no temporary listener could be placed).
 */
export type Expectation = 'REACHABLE' | 'CLOSED' | 'DELIVERED';

/** An expectation with the reason it holds, written once next to the rows that use it. */
export interface Expect {
  expect: Expectation;
  reason: string;
}

/**
 * What a check observed on the wire, after the one classifier (check/classify.ts):
 * - REACHABLE: connected and the answer is the intended one (or a bare connect succeeded).
 * - WRONG_ANSWER: connected, but the answer came from someone else, was cut short or mangled.
 * - REFUSED: the host answered "nothing here" (TCP RST to the SYN, ICMP port unreachable).
 * - FILTERED: no answer within the timeout, or rejected on the way (ICMP unreachable/prohibited).
 * - INCONCLUSIVE: an empty or unparsable answer: no network verdict (retried, then an error).
 * - CONTROL_ERROR: the runner could not command the probe (API server → kubelet exec failed):
 *   says nothing about the data path, never a network verdict.
 */
export type Observation = 'REACHABLE' | 'WRONG_ANSWER' | 'REFUSED' | 'FILTERED' | 'INCONCLUSIVE' | 'CONTROL_ERROR';

/** How a row ended: passed, failed (network verdict ≠ expectation), error (could not be checked), skipped. */
export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

/** One event a driver saw on the wire for one try; the classifier turns events into observations. */
export type WireEvent =
  /** An application answer came back (hostname, echo, client address). */
  | { kind: 'answer'; text: string }
  /** The TCP handshake completed (or a UDP answer arrived) and nothing more was asked. */
  | { kind: 'connected'; text?: string }
  /** Connected, then the connection was reset or closed before an answer (something else spoke). */
  | { kind: 'reset'; text: string }
  /** TCP RST to the SYN, ICMP port unreachable. */
  | { kind: 'refused'; text: string }
  /** ICMP host/net unreachable, administratively prohibited, a local firewall's EPERM. */
  | { kind: 'unreachable'; text: string }
  /** Nothing came back in time. */
  | { kind: 'timeout'; text: string }
  /** An empty or unparsable answer. */
  | { kind: 'empty'; text: string }
  /** The control path failed: no event on the data path was seen. */
  | { kind: 'control'; text: string }
  /**
   * Resolving the target's name failed, before any connection: the cluster DNS's verdict, as
   * the pod's resolver saw it. NXDOMAIN "no such host" (the name does not exist), SERVFAIL
   * "server misbehaving" (SERVFAIL, REFUSED or another error code), TIMEOUT (no DNS answer),
   * REFUSED (the DNS server's port refused the query: ICMP port unreachable / TCP RST),
   * UNREACHABLE (rejected on the way: ICMP unreachable/prohibited, a local firewall's EPERM), OTHER.
   */
  | { kind: 'dns'; rcode: DnsResult; name: string; server?: string; text: string };

/** What a name lookup ended in (see the `dns` wire event); NOERROR when it resolved. */
export type DnsResult = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'TIMEOUT' | 'REFUSED' | 'UNREACHABLE' | 'OTHER';

/** What an answer must prove besides "something answered". */
export type AnswerCheck =
  /**
   * Each answer is a hostname from `expected`; with minDistinct, at least that many different
   * ones; with maxDistinct, at most that many (1: every request of one client on one backend).
   */
  | { kind: 'hostname'; expected: string[]; minDistinct?: number; maxDistinct?: number }
  /** The echoed payload of `bytes` came back intact (full-size rows). */
  | { kind: 'echo'; bytes: number }
  /**
   * The answer is the client address the far end saw; it must be `expected` (no SNAT). `client`
   * names who that is; `otherwise` says what another address means (default: the client address
   * was rewritten, SNAT) — for egress, where the node's address is expected, it is the opposite.
   */
  | { kind: 'clientip'; expected: string; client: string; otherwise?: string }
  /** A connection was made; the content does not matter. */
  | { kind: 'connect' }
  /** The target is a name that must not exist: the cluster DNS answers NXDOMAIN (not a timeout, not SERVFAIL). */
  | { kind: 'nxdomain' };

/** How a check is driven: which driver, with its own parameters (check/drivers/*). */
export type Drive =
  /**
   * The source probe makes the request itself with the image's client tools (curl, socat, dig),
   * commanded through its exec stream (API server → kubelet; probes/stream.ts). `tries` requests
   * per attempt. `anySource`: a host-network target's UDP answer is taken from any address (its
   * route picks the source); `resolveOver`: a name target is looked up over UDP (default) or TCP;
   * `path`: the HTTP path (the runner's own server answers by path); `concurrent`: the tries of
   * one command at once ('all': a Service's spread) or the first alone and then the rest at once
   * ('after-first': session affinity), so a path that drops traffic costs one timeout, not six.
   */
  | {
      via: 'probe';
      control: { pod: string };
      target: { host: string; port: number };
      tries: number;
      anySource?: boolean;
      resolveOver?: Protocol;
      path?: string;
      concurrent?: 'all' | 'after-first';
    }
  /**
   * The runner itself dials a node address or a LoadBalancer address on the node network (an
   * outside client); `tries` requests per attempt (default 1, or --samples when larger).
   */
  | {
      via: 'outside';
      target: { host: string; port: number };
      timeoutMs: number;
      tries?: number;
      /** A `clientip` row: the backend container whose log names the client address of each request it answered. */
      clientSeenIn?: { pod: string; container: string };
    }
  /** A host-network probe opens a bare connection (bash's handshake on /dev/tcp, or a datagram on /dev/udp and any answer) through its exec stream. */
  | { via: 'connect'; control: { pod: string }; target: { host: string; port: number } }
  /** Pod round trips between node pairs, attributed to one direction (kernel-owned ports). */
  | { via: 'round-trip'; fromNode: string; toNode: string };

/** A check of the data path: a row of data. */
export interface NetworkCheck {
  kind: 'network';
  suite: SuiteName;
  /** Stable, human title; the same in `list` and in a run (no value only a deployment knows). */
  title: string;
  from: Peer;
  to: Peer;
  protocol: Protocol;
  port: number;
  family: IpFamily;
  expect: Expectation;
  expectReason: string;
  /** Payload size class: 'full' is larger than one MTU. */
  payload?: 'small' | 'full';
  answer: AnswerCheck;
  drive: Drive;
  /** Typed facts for diagnosis and reports (e.g. service, externalTrafficPolicy, rule). */
  properties?: Record<string, string>;
}

/**
 * A row with no data-path verdict: `skipped` (cannot apply here, with the reason), `not-run`
 * (could not be checked: a probe never ready, setup of the path failed), or a `fact` computed
 * from the cluster's configuration (e.g. the Service CIDR overlap check) that passes or fails.
 */
export interface StaticCheck {
  kind: 'static';
  suite: SuiteName;
  title: string;
  status: 'skipped' | 'not-run' | 'fact';
  /** For a fact: whether it holds. */
  holds?: boolean;
  /** The node the row is about, if any. */
  node?: string;
  reason: string;
  properties?: Record<string, string>;
}

export type Check = NetworkCheck | StaticCheck;

interface ResultBase {
  suite: SuiteName;
  name: string;
  outcome: Outcome;
  /** Human detail: expected vs observed, answering hostname, error text. */
  detail: string;
  /** Why a row was skipped or errored. */
  reason?: string;
  properties?: Record<string, string>;
  /** Probable cause, filled in by diagnosis after all results are in. */
  diagnosis?: string[];
}

export interface NetworkResult extends ResultBase {
  kind: 'network';
  from: Peer;
  to: Peer;
  port: number;
  protocol: Protocol;
  family: IpFamily;
  payload?: 'small' | 'full';
  expect: Expectation;
  observed: Observation;
  attempts: number;
  latencyMs: number;
  /** Loss and latency over every sample (try) the row sent (--samples), when measured. */
  samples?: SampleStats;
  /** For a row that did not pass: the command a person runs to see the same thing by hand. */
  reproduce?: string;
}

/**
 * What a row's samples measured: each try on the wire is one sample. `lost` counts tries that
 * got no answer (timeout, unreachable); latency is over the tries that answered, as the runner
 * sees them (see README "Loss and latency" for what is and is not inside the figure).
 */
export interface SampleStats {
  sent: number;
  lost: number;
  /** lost / sent, in percent, one decimal. */
  lossPct: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface StaticResult extends ResultBase {
  kind: 'static';
  status: StaticCheck['status'];
  node?: string;
}

export type CheckResult = NetworkResult | StaticResult;

export function isNetwork(r: CheckResult): r is NetworkResult {
  return r.kind === 'network';
}

/** A whole run: what every report renders. */
export interface RunResults {
  runId: string;
  cluster: { server: string; context?: string; kubernetesVersion?: string; cni?: string[] };
  startedAt: string;
  finishedAt: string;
  /** The paths of this run in report order, with their MUST statements (from the suite modules). */
  suites: { name: SuiteName; must: string }[];
  /** Phase name → milliseconds (deploy, wait-ready, each suite, cleanup). */
  phases: Record<string, number>;
  results: CheckResult[];
  /** Diagnosis over the whole run: probable causes, most specific first. */
  diagnosis: string[];
  /** Counters that are not durations, e.g. {'apiRequests.setup': 31, 'apiRequests.checks': 236}. */
  counters?: Record<string, number>;
}
