// An adapter for rules that still read results instead of typed facts (the issue-12 path rules,
// written before the diagnosis split): they see the network results behind the facts view and
// their findings are mapped back. New rules read Facts (rule.ts); this file goes when the last
// of these is ported.
import type { NetworkResult } from '../check/types.ts';
import { resultOf, type DiagnoseContext, type Facts } from './facts.ts';
import { names, type DiagnosisRule, type RuleFinding } from './rule.ts';

export interface ResultFinding {
  rule: string;
  cause: string;
  explains: Array<{ result: NetworkResult; note: string }>;
}

export interface ResultRule {
  id: string;
  pattern: string;
  find(view: { all: readonly NetworkResult[]; open: readonly NetworkResult[]; ctx: DiagnoseContext }): ResultFinding[];
}

export function onFacts(rule: ResultRule): DiagnosisRule {
  return {
    id: rule.id,
    pattern: rule.pattern,
    find({ all, open, ctx }): RuleFinding[] {
      const back = new Map<NetworkResult, Facts>(all.map((f) => [resultOf(f), f]));
      return rule.find({ all: all.map(resultOf), open: open.map(resultOf), ctx }).map((f) => ({
        rule: f.rule,
        cause: f.cause,
        explains: f.explains.flatMap(({ result, note }) => {
          const facts = back.get(result);
          return facts ? [{ facts, note }] : [];
        }),
      }));
    },
  };
}

// The small vocabulary the result-reading rules (path-services.ts, path-dns.ts) share.
export type Rows = readonly NetworkResult[];

export const failed = (r: NetworkResult) => r.outcome === 'failed';
export const passed = (r: NetworkResult) => r.outcome === 'passed';
export const proto = (r: { protocol: string }) => r.protocol.toUpperCase();

export const explainAll = (rows: Rows, note: string): ResultFinding['explains'] => rows.map((result) => ({ result, note }));
export const portsOf = (rows: Rows) => names(rows.map((r) => `${proto(r)} ${r.port}`));

/** Small pod-to-pod traffic between two nodes (either direction, or within one node) fails. */
export function podNetworkBroken(all: Rows, a: string, b: string): boolean {
  return all.some(
    (r) =>
      r.suite === 'pod-to-pod' &&
      failed(r) &&
      (r.payload ?? 'small') === 'small' &&
      r.from.kind === 'pod' &&
      r.to.kind === 'pod' &&
      ((r.from.node === a && r.to.node === b) || (r.from.node === b && r.to.node === a)),
  );
}
