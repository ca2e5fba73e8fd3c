// metav1.LabelSelector matching, as the API machinery defines it: matchLabels and every
// matchExpressions requirement are ANDed; an empty selector matches everything. NotIn and
// DoesNotExist match an object that lacks the key (a pod without `pod` is "not in [a]").
import type { LabelSelector, LabelSelectorRequirement } from './types.ts';

export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((r) => matchesRequirement(r, labels));
}

function matchesRequirement(r: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(labels[r.key]!);
    case 'NotIn':
      return !has || !values.includes(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** What the API server would refuse in a selector (an invalid one never reaches an enforcer). */
export function selectorProblems(selector: LabelSelector, where: string): string[] {
  const problems: string[] = [];
  for (const [i, r] of (selector.matchExpressions ?? []).entries()) {
    const at = `${where}.matchExpressions[${i}]`;
    const values = r.values ?? [];
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(r.operator)) problems.push(`${at}: unknown operator ${String(r.operator)}`);
    if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) problems.push(`${at}: ${r.operator} needs at least one value`);
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length > 0) problems.push(`${at}: ${r.operator} takes no values`);
  }
  return problems;
}

/** A selector in words, for reasons and reports: "pod=a, tier In (x,y)", or "all" for {}. */
export function describeSelector(selector: LabelSelector): string {
  const parts = [
    ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map((r) => (r.values?.length ? `${r.key} ${r.operator} (${r.values.join(',')})` : `${r.operator === 'Exists' ? '' : '!'}${r.key}`)),
  ];
  return parts.length ? parts.join(', ') : 'all';
}
