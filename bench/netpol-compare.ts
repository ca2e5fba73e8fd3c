// Upstream's NetworkPolicy specs and our network-policy cases, verdict by verdict, where they test
// the same thing (the map in netpol-spec-map.ts): per spec, upstream's verdict from its JUnit, our
// mapped cases' verdicts from results.json, and whether the two agree. Pure; rendered as a Markdown
// table with a one-line summary. As a command it renders saved files without a cluster:
//   npx tsx bench/netpol-compare.ts --upstream reports/upstream-e2e-netpol/junit.xml --ours reports/<run>/results.json
// (either may be left out: that side is then "not run").
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Outcome, RunResults } from '../helpers/check/types.ts';
import { parseUpstreamJunit, type UpstreamResult } from '../lab/upstream-junit.ts';
import { COMMON_DIFFERENCES, SPEC_MAP, UNCOVERED, UPSTREAM_NETPOL_VERSION, type Closeness, type SpecMapping } from './netpol-spec-map.ts';

/** Where upstream's spec texts start: the context both selected Describes share. */
const CONTEXT = 'NetworkPolicy between server and client ';

export type UpstreamVerdict = 'passed' | 'failed' | 'skipped' | 'not run';
/** A case's row outcome, or "not run" when results.json has no row of it. */
export type CaseVerdict = Outcome | 'not run';
/**
 * both pass / both fail; disagree: upstream passed and one of ours failed, or upstream failed and
 * none of ours did; no counterpart: no case of ours; not compared: a side has no verdict (upstream
 * skipped or not run, or none of our cases passed or failed).
 */
export type Agreement = 'both pass' | 'both fail' | 'disagree' | 'no counterpart' | 'not compared';

export interface SpecComparison {
  spec: string;
  closeness: Closeness;
  note?: string;
  upstream: UpstreamVerdict;
  /** One entry per mapped case id and, for ipBlock ids, per family row found. */
  ours: { id: string; verdict: CaseVerdict }[];
  agree: Agreement;
}

export interface NetpolComparison {
  specs: SpecComparison[];
  summary: string;
}

/**
 * A JUnit spec name ("[sig-network] Netpol [LinuxOnly] NetworkPolicy between server and client using
 * UDP should … [Feature:NetworkPolicy] [sig-network, Feature:NetworkPolicy]") as the map names it
 * ("using UDP should …"): after the context, without the trailing tags. Text without the context is
 * only stripped of its tags.
 */
export function specKey(name: string): string {
  const at = name.indexOf(CONTEXT);
  const rest = at >= 0 ? name.slice(at + CONTEXT.length) : name;
  return rest.replace(/(\s+\[[^\]]*\])+\s*$/, '').trim();
}

/** Upstream's verdict per spec key, from its parsed JUnit (specs the focus left out: not run). */
export function upstreamVerdicts(upstream: UpstreamResult | undefined): Map<string, UpstreamVerdict> {
  const out = new Map<string, UpstreamVerdict>();
  for (const c of upstream?.cases ?? []) {
    if (!c.spec || !c.name.includes(CONTEXT)) continue;
    out.set(specKey(c.name), c.status === 'not-selected' ? 'not run' : c.status);
  }
  return out;
}

/** The rows of a mapped id: the id itself, or its family rows ("…/ipv4", "…/ipv6") for an ipBlock case. */
function rowsOf(id: string, rows: ReadonlyMap<string, Outcome>): { id: string; verdict: CaseVerdict }[] {
  const exact = rows.get(id);
  if (exact) return [{ id, verdict: exact }];
  const families = ['ipv4', 'ipv6'].map((f) => `${id}/${f}`).filter((r) => rows.has(r));
  return families.length ? families.map((r) => ({ id: r, verdict: rows.get(r)! })) : [{ id, verdict: 'not run' }];
}

export function agreement(closeness: Closeness, upstream: UpstreamVerdict, ours: readonly CaseVerdict[]): Agreement {
  if (closeness === 'none' || ours.length === 0) return 'no counterpart';
  const decided = ours.filter((v) => v === 'passed' || v === 'failed');
  if ((upstream !== 'passed' && upstream !== 'failed') || decided.length === 0) return 'not compared';
  const anyFailed = decided.includes('failed');
  if (upstream === 'passed') return anyFailed ? 'disagree' : 'both pass';
  return anyFailed ? 'both fail' : 'disagree';
}

/** Every mapped spec with both sides' verdicts and whether they agree. */
export function compareNetpol(upstream: UpstreamResult | undefined, ours: RunResults | undefined, map: readonly SpecMapping[] = SPEC_MAP): NetpolComparison {
  const up = upstreamVerdicts(upstream);
  const rows = new Map<string, Outcome>((ours?.results ?? []).filter((r) => r.suite === 'network-policy').map((r) => [r.name, r.outcome]));
  const specs = map.map((m): SpecComparison => {
    const oursRows = m.closeness === 'none' ? [] : m.ours.flatMap((id) => rowsOf(id, rows));
    const verdict = up.get(m.spec) ?? 'not run';
    return {
      spec: m.spec,
      closeness: m.closeness,
      ...(m.note ? { note: m.note } : {}),
      upstream: verdict,
      ours: oursRows,
      agree: agreement(
        m.closeness,
        verdict,
        oursRows.map((o) => o.verdict),
      ),
    };
  });
  return { specs, summary: summaryOf(specs) };
}

export function summaryOf(specs: readonly SpecComparison[]): string {
  const n = (f: (s: SpecComparison) => boolean) => specs.filter(f).length;
  const closeness = (['same', 'partly', 'none'] as const).map((c) => `${n((s) => s.closeness === c)} ${c}`).join(', ');
  const agreements = (['both pass', 'both fail', 'disagree', 'no counterpart', 'not compared'] as const)
    .map((a) => [a, n((s) => s.agree === a)] as const)
    .filter(([, k]) => k > 0)
    .map(([a, k]) => `${k} ${a}`)
    .join(', ');
  return `${specs.length} upstream NetworkPolicy specs (${UPSTREAM_NETPOL_VERSION}): ${closeness}; ${agreements || 'nothing compared'}`;
}

/** Text in a Markdown table cell: a `|` would end the cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

function closenessCell(s: SpecComparison): string {
  return s.note ? `${s.closeness}: ${cell(s.note)}` : s.closeness;
}

/**
 * The summary line, then the table: spec | our case(s) | closeness | upstream | ours | agree; then
 * what differs on every row, and our cases no spec covers (by group, with why).
 */
export function renderComparison(c: NetpolComparison): string {
  const lines = [
    c.summary,
    '',
    '| upstream spec | our case(s) | closeness | upstream | ours | agree |',
    '|---|---|---|---|---|---|',
    ...c.specs.map((s) => {
      const ids = s.ours.map((o) => `\`${o.id}\``).join(', ') || '—';
      const ours = s.ours.map((o) => o.verdict).join(', ') || '—';
      return `| ${cell(s.spec)} | ${ids} | ${closenessCell(s)} | ${s.upstream} | ${ours} | ${s.agree} |`;
    }),
    '',
    `Every row also differs so: ${COMMON_DIFFERENCES.join('; ')}.`,
    '',
    `Our cases no upstream spec covers (${UNCOVERED.reduce((n, g) => n + g.cases.length, 0)}; ipBlock ones per family):`,
    ...UNCOVERED.map((g) => `- ${g.what} (${g.cases.length}): ${g.why}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { upstream: { type: 'string' }, ours: { type: 'string' } } });
  if (!values.upstream && !values.ours) {
    console.error('usage: npx tsx bench/netpol-compare.ts [--upstream <junit.xml>] [--ours <results.json>]');
    process.exit(2);
  }
  try {
    const upstream = values.upstream ? parseUpstreamJunit(fs.readFileSync(values.upstream, 'utf8')) : undefined;
    const ours = values.ours ? (JSON.parse(fs.readFileSync(values.ours, 'utf8')) as RunResults) : undefined;
    console.log(renderComparison(compareNetpol(upstream, ours)));
  } catch (e) {
    console.error(`cannot render the comparison: ${(e as Error).message}`);
    process.exit(2);
  }
}
