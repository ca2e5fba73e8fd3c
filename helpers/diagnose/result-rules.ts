// An adapter for rules that still read results instead of typed facts (the issue-12 path rules,
// written before the diagnosis split): they see the network results behind the facts view and
// their findings are mapped back. New rules read Facts (rule.ts); this file goes when the last
// of these is ported.
import type { NetworkResult } from '../check/types.ts';
import { resultOf, type DiagnoseContext, type Facts } from './facts.ts';
import type { DiagnosisRule, RuleFinding } from './rule.ts';

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
