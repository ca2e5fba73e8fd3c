// Detection: compare one run under an injected fault with what that fault MUST do.
// Every row a case names in mustFail has to fail with a network verdict (an error row — a check
// that could not be made — is never "detected"), in the way the rule says where it says one;
// every row it names in mustError has to be such an error, every row it does not name in
// mustFail, mustError or mayFail has to pass, and the run's diagnosis has to name the cause.
// Pure; unit-tested.
import type { CheckResult, Expectation, IpFamily, Peer, Protocol, SuiteName } from '../../helpers/check/types.ts';

export type LabNetwork = 'routed' | 'vxlan' | 'flannel-vxlan' | 'flannel-host-gw' | 'bgp';
export const LAB_NETWORKS: readonly LabNetwork[] = ['routed', 'vxlan', 'flannel-vxlan', 'flannel-host-gw', 'bgp'];
export type ProxyMode = 'iptables' | 'nftables';
/** The lab's IP families (`lab up --ip-family`; LAB_IP_FAMILY for the tests). */
export type LabIpFamily = 'ipv4' | 'ipv6' | 'dual';
export const LAB_IP_FAMILIES: readonly LabIpFamily[] = ['ipv4', 'ipv6', 'dual'];
/** The lab's NetworkPolicy implementation (`lab up --netpol`; LAB_NETPOL for the tests), or none. */
export type LabNetpol = 'none' | 'kube-router';
export const LAB_NETPOLS: readonly LabNetpol[] = ['none', 'kube-router'];

/**
 * Does a case run on a lab of this IP family and NetworkPolicy implementation? Cases that say
 * nothing are the IPv4 lab's without an enforcer; a case that names an enforcer runs only there
 * (its faults break the enforcer, and its run is the network-policy suite's).
 */
export function caseRunsOn(c: Pick<FaultCase, 'ipFamilies' | 'netpol' | 'proxyModes'>, lab: { ipFamily: LabIpFamily; netpol?: LabNetpol; proxyMode?: ProxyMode }): boolean {
  const proxyOk = !c.proxyModes || !lab.proxyMode || c.proxyModes.includes(lab.proxyMode);
  return (c.ipFamilies ?? ['ipv4']).includes(lab.ipFamily) && (c.netpol ?? 'none') === (lab.netpol ?? 'none') && proxyOk;
}

/** Which rows a rule is about. Every given field must match; arrays mean "any of". */
export interface RowMatch {
  suite?: SuiteName | SuiteName[];
  from?: { node?: string | string[]; kind?: Peer['kind'] | Peer['kind'][] };
  to?: { node?: string | string[]; kind?: Peer['kind'] | Peer['kind'][] };
  port?: number;
  /** Inclusive port range, e.g. the NodePort range [30000, 32767]. */
  portRange?: [number, number];
  protocol?: Protocol;
  payload?: 'small' | 'full';
  expect?: Expectation;
  /** Rows whose from and to nodes differ. */
  crossNode?: boolean;
  /**
   * Rows carrying these properties (e.g. {'dns.transport': 'udp'}). The one field besides the suite
   * that also picks static rows: a network-policy case's row carries its case id ({case: '…'}).
   */
  properties?: Record<string, string>;
  /** Rows of this IP family (a static row's `ipFamily` property; a family-neutral static row never matches). */
  family?: IpFamily;
}

export interface RowRule {
  rows: RowMatch;
  /** Why these rows must (or may) fail: shown in the diff and in docs/detection.md. */
  why: string;
  /**
   * In mustFail and mustFailSome: a row counts as detected only when it failed carrying these
   * properties too — how the fault makes it fail, as the row's own facts say (a network-policy
   * case whose every wrong cell is a denied connection that went through, each denied only by
   * policies of one node's pods: {'evidence.unenforced.on': node}).
   */
  failsWith?: Record<string, string>;
}

export interface FaultCase {
  id: string;
  /** Arguments to `npm run lab -- fault …`. */
  fault: string[];
  networks: LabNetwork[];
  /** The kube-proxy modes the case runs with (default: both); a fault written for one mode's rules. */
  proxyModes?: ProxyMode[];
  /** The lab IP families the case runs on (default: the IPv4 lab only). */
  ipFamilies?: LabIpFamily[];
  /** The NetworkPolicy implementation the case needs (`lab up --netpol`); default none, and it runs only on such a lab. */
  netpol?: LabNetpol;
  /** Arguments the case's run adds to `kube-netconform run` (e.g. the network-policy suite's); default none: the full suite. */
  runArgs?: string[];
  /**
   * The fault heals itself before or while the suite runs (a route the CNI re-adds): the run
   * MUST pass — nothing may fail, and the CLI exits 0.
   */
  selfHealing?: boolean;
  mustFail: RowRule[];
  /**
   * For faults that hit rows by chance (packet loss): at least one row matching each rule must
   * fail; the others matching it may pass.
   */
  mustFailSome?: RowRule[];
  /** Collateral a fault legitimately causes beyond its own path (stated, never silent). */
  mayFail: RowRule[];
  /**
   * Rows the fault makes impossible to check (the control path to their probe is what it breaks):
   * each must be an error row (could not be checked), never a network verdict nor a pass.
   */
  mustError?: RowRule[];
  /**
   * Rows whose control path the fault may or may not break, by timing: each passes or is an error
   * (could not be checked), never a network failure.
   */
  mayError?: RowRule[];
  /** The run-level diagnosis must contain a line matching each of these. */
  diagnosis: RegExp[];
  /**
   * Further causes the fault rightly produces besides the expected ones (a collateral reading
   * that names the same fault); any other cause is a wrong extra cause in the score.
   */
  diagnosisMayAlso?: RegExp[];
  /** Where this fault comes from (catalogue cases: the public source it was chosen from), for docs/detection.md. */
  source?: string;
}

const oneOf = <T>(want: T | T[] | undefined, got: T): boolean => want === undefined || (Array.isArray(want) ? want.includes(got) : want === got);

export function matches(row: CheckResult, m: RowMatch): boolean {
  // A static row (skip, setup failure, fact) has no peers or port: only a rule naming nothing but the
  // suite, the family and properties the row carries covers it.
  if (row.kind === 'static')
    return (
      oneOf(m.suite, row.suite) &&
      !m.from &&
      !m.to &&
      m.port === undefined &&
      !m.portRange &&
      !m.protocol &&
      !m.payload &&
      !m.expect &&
      m.crossNode === undefined &&
      carries(row, m.properties) &&
      (m.family === undefined || row.properties?.['ipFamily'] === m.family)
    );
  return (
    oneOf(m.suite, row.suite) &&
    oneOf(m.family, row.family) &&
    oneOf(m.from?.node, row.from.node) &&
    oneOf(m.from?.kind, row.from.kind) &&
    oneOf(m.to?.node, row.to.node) &&
    oneOf(m.to?.kind, row.to.kind) &&
    oneOf(m.port, row.port) &&
    oneOf(m.protocol, row.protocol) &&
    (m.portRange === undefined || (row.port >= m.portRange[0] && row.port <= m.portRange[1])) &&
    oneOf(m.payload, row.payload ?? 'small') &&
    oneOf(m.expect, row.expect) &&
    (m.crossNode === undefined || m.crossNode === (row.from.node !== '' && row.to.node !== '' && row.from.node !== row.to.node)) &&
    carries(row, m.properties)
  );
}

const carries = (row: CheckResult, properties: Record<string, string> | undefined): boolean => Object.entries(properties ?? {}).every(([k, v]) => row.properties?.[k] === v);
const failing = (r: CheckResult) => r.outcome === 'failed' || r.outcome === 'error';
/** A verdict that the expectation does not hold (and, where the rule says how, failing that way): what detection means. */
const detected = (r: CheckResult, rule: RowRule) => r.outcome === 'failed' && carries(r, rule.failsWith);
/** How a row the rule needed failed short of it: an error, or a failure without the rule's properties. */
function shortOf(r: CheckResult, rule: RowRule): string {
  if (r.outcome === 'error') return ' (an error, not a network verdict)';
  if (r.outcome !== 'failed') return '';
  const lacking = Object.entries(rule.failsWith ?? {}).filter(([k, v]) => r.properties?.[k] !== v);
  return ` (failed, but not as the fault makes it: ${lacking.map(([k, v]) => `${k}=${r.properties?.[k] ?? '(none)'}, not ${v}`).join('; ')})`;
}

export interface DetectionVerdict {
  id: string;
  ok: boolean;
  /** Rows that had to fail but passed, or came back as an error instead of a verdict. */
  missed: { row: string; why: string }[];
  /** Rows that failed though the fault should not touch them. */
  falseFailures: { row: string; observed: string }[];
  /** mustFail rules that matched no row at all (the suite has no check for that path). */
  uncovered: string[];
  /** Expected diagnosis patterns missing from the run's diagnosis. */
  missingDiagnosis: string[];
  failedRows: number;
  diagnosis: string[];
}

export function judgeDetection(c: FaultCase, run: { results: CheckResult[]; diagnosis: string[] }): DetectionVerdict {
  const missed: DetectionVerdict['missed'] = [];
  const falseFailures: DetectionVerdict['falseFailures'] = [];
  const uncovered = c.mustFail.filter((rule) => !run.results.some((r) => matches(r, rule.rows))).map((rule) => rule.why);
  for (const r of run.results) {
    const must = c.mustFail.find((rule) => matches(r, rule.rows));
    if (must) {
      if (!detected(r, must)) missed.push({ row: `${r.suite}: ${r.name}${shortOf(r, must)}`, why: must.why });
      continue;
    }
    const mustError = (c.mustError ?? []).find((rule) => matches(r, rule.rows));
    if (mustError) {
      if (r.outcome !== 'error') missed.push({ row: `${r.suite}: ${r.name} (${r.outcome}; must be an error)`, why: mustError.why });
      continue;
    }
    if ((c.mayError ?? []).some((rule) => matches(r, rule.rows))) {
      if (r.outcome === 'failed') falseFailures.push({ row: `${r.suite}: ${r.name}`, observed: `${r.kind === 'network' ? r.observed : r.status} (a network failure; may only pass or be an error)` });
      continue;
    }
    if (c.mayFail.some((rule) => matches(r, rule.rows)) || (c.mustFailSome ?? []).some((rule) => matches(r, rule.rows))) continue;
    if (failing(r)) falseFailures.push({ row: `${r.suite}: ${r.name}`, observed: `${r.kind === 'network' ? r.observed : r.status} (${r.outcome})` });
  }
  for (const rule of c.mustFailSome ?? []) {
    const rows = run.results.filter((r) => matches(r, rule.rows));
    if (rows.length === 0) uncovered.push(rule.why);
    else if (!rows.some((r) => detected(r, rule))) missed.push({ row: `none of ${rows.length} rows (${rows[0]!.suite}: ${rows[0]!.name}, …)`, why: rule.why });
  }
  const missingDiagnosis = c.diagnosis.filter((re) => !run.diagnosis.some((d) => re.test(d))).map(String);
  return {
    id: c.id,
    ok: missed.length === 0 && falseFailures.length === 0 && uncovered.length === 0 && missingDiagnosis.length === 0,
    missed,
    falseFailures,
    uncovered,
    missingDiagnosis,
    failedRows: run.results.filter(failing).length,
    diagnosis: run.diagnosis,
  };
}

/**
 * How a run's causes compare with the case's (the diagnosis score of \`npm run detect\`):
 * - exact: every expected cause named, and nothing else (but causes the case allows, and lines that
 *   only defer to another cause: DEFERS);
 * - extra: every expected cause named, plus a cause the case neither expects nor allows;
 * - wrong: an expected cause is missing while other causes were named;
 * - none: no cause at all where one was expected.
 * A self-healing case expects no cause: exact with none, extra with any.
 */
export type DiagnosisScore = 'exact' | 'extra' | 'wrong' | 'none';

/**
 * A cause line that names no cause of its own but points at another one the run named ("…the
 * pod-network cause explains it", "consistent with the pod-network cause", "not a DNS problem"):
 * collateral, never counted as a wrong extra cause. ("N failing checks match no known pattern" does
 * count: rows left unexplained keep a case from being named exactly.)
 */
export const DEFERS = /(the [a-z-]+ cause (above|explains it)|cause explains it|consistent with the [a-z-]+ cause|not a DNS problem)/;

export function scoreDiagnosis(c: Pick<FaultCase, 'diagnosis' | 'diagnosisMayAlso' | 'selfHealing'>, diagnosis: readonly string[]): DiagnosisScore {
  const known = [...c.diagnosis, ...(c.diagnosisMayAlso ?? [])];
  const strangers = diagnosis.filter((d) => !known.some((re) => re.test(d)) && !DEFERS.test(d));
  if (c.selfHealing || c.diagnosis.length === 0) return diagnosis.length === 0 ? 'exact' : 'extra';
  if (diagnosis.length === 0) return 'none';
  if (!c.diagnosis.every((re) => diagnosis.some((d) => re.test(d)))) return 'wrong';
  return strangers.length === 0 ? 'exact' : 'extra';
}

/** The score over many runs: how many of each, and which cases fell short. */
export function tallyScores(runs: readonly { id: string; score: DiagnosisScore }[]): { total: number; exact: number; extra: number; wrong: number; none: number; short: string[] } {
  const n = (s: DiagnosisScore) => runs.filter((r) => r.score === s).length;
  return { total: runs.length, exact: n('exact'), extra: n('extra'), wrong: n('wrong'), none: n('none'), short: runs.filter((r) => r.score !== 'exact').map((r) => `${r.id} (${r.score})`) };
}

/** One line for the terminal and the README: "13 cases: 11 named exactly, 1 with a wrong extra cause, 1 with only a wrong cause, 0 with none". */
export function describeScore(t: ReturnType<typeof tallyScores>): string {
  return (
    `${t.total} cases: ${t.exact} named exactly, ${t.extra} with a wrong extra cause, ${t.wrong} with only a wrong cause, ${t.none} with no cause` + (t.short.length ? ` (${t.short.join(', ')})` : '')
  );
}

/** A readable diff for a test failure message. */
export function describeVerdict(v: DetectionVerdict): string {
  if (v.ok) return `${v.id}: detected (${v.failedRows} rows failed, diagnosis matched)`;
  const lines = [`${v.id}: detection differs from the expectation`];
  for (const m of v.uncovered) lines.push(`  no row checks: ${m}`);
  for (const m of v.missed) lines.push(`  MISSED (passed but must fail): ${m.row} — ${m.why}`);
  for (const f of v.falseFailures) lines.push(`  FALSE FAILURE (must pass): ${f.row} — ${f.observed}`);
  for (const d of v.missingDiagnosis) lines.push(`  diagnosis lacks ${d}; it said: ${v.diagnosis.join(' | ') || '(nothing)'}`);
  return lines.join('\n');
}
