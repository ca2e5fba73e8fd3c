// Port profiles: which ports must be open (or closed) between which node roles. Profiles are
// YAML files users read, copy and extend (profiles/kubeadm.yaml, profiles/seed-2017.yaml).
// A mistake in one must point at the line: "my.yaml:14:12: rules[3].expect must be …",
// so we keep the `yaml` package's source ranges and validate the document node by node.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node as YamlNode, YAMLMap } from 'yaml';
import { packageFile } from '../package-root.ts';
import type { Protocol } from '../check/types.ts';
import { yaml } from '../lazy-deps.ts';

/** Node roles a rule can name. `master` is accepted as the seed's word for control-plane. */
export type Role = 'control-plane' | 'worker' | 'etcd' | 'any';
const ROLE_WORDS: Record<string, Role> = { 'control-plane': 'control-plane', master: 'control-plane', worker: 'worker', etcd: 'etcd', any: 'any' };

/** What must hold: `open` = connects; `closed` = must NOT be reachable (refused or filtered). */
export type PortExpectation = 'open' | 'closed';

/**
 * A rule's ports: one port, a range, or a placeholder resolved at run time —
 * `apiserver` (the port of the `kubernetes` endpoints) or `cni` (the detected CNI's ports).
 */
export type PortSpec = { kind: 'port'; port: number } | { kind: 'range'; low: number; high: number } | { kind: 'apiserver' } | { kind: 'cni' };

export interface ProfileRule {
  from: Role;
  to: Role;
  ports: PortSpec;
  /** As written, for titles and errors ("30000-32767"). */
  portsText: string;
  /** Absent only for `ports: cni` (each CNI port brings its own). */
  protocol?: Protocol;
  expect: PortExpectation;
  /** Applies only if one of these CNIs is detected ("flannel", or "flannel/vxlan" for a backend). */
  when?: string[];
  /** Applies only if none of these is detected. */
  unless?: string[];
  /** Applies to this IP family only (`family: ipv4|ipv6`, or 4|6); absent: to every family the cluster has. */
  family?: 'ipv4' | 'ipv6';
  why: string;
  /** Where the rule is written, for messages: "profiles/kubeadm.yaml:23". */
  source: string;
}

export interface Profile {
  name: string;
  description: string;
  rules: ProfileRule[];
  /** As shown in messages: the path given, or profiles/<name>.yaml for a built-in. */
  file: string;
}

export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}:${column}: ${problem}`);
    this.name = 'ProfileError';
  }
}

/** The profiles/ folder shipped with the tool. */
export const BUILTIN_PROFILES_DIR = packageFile('profiles');

/**
 * Load a profile by built-in name ("kubeadm", "seed-2017") or by path to a YAML file.
 * Anything with a slash or a .yaml/.yml suffix is a path.
 */
export async function loadProfile(nameOrPath: string, opts: { profilesDir?: string } = {}): Promise<Profile> {
  const isPath = /[\\/]/.test(nameOrPath) || /\.ya?ml$/.test(nameOrPath);
  const file = isPath ? nameOrPath : join(opts.profilesDir ?? BUILTIN_PROFILES_DIR, `${nameOrPath}.yaml`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = isPath ? '' : ` (built-in profiles: kubeadm, seed-2017; or pass a path to your own YAML file)`;
    throw new ProfileError(file, 0, 0, `cannot read profile: ${code ?? String(err)}${hint}`);
  }
  // Built-ins are named as a user finds them in the repository, not by our install path.
  return parseProfile(text, { file: isPath ? nameOrPath : `profiles/${nameOrPath}.yaml` });
}

const RULE_KEYS = ['from', 'to', 'ports', 'protocol', 'expect', 'when', 'unless', 'family', 'why'] as const;
const TOP_KEYS = ['name', 'description', 'rules'] as const;

/** Parse and validate profile text; `file` is only used in messages. */
export function parseProfile(text: string, opts: { file: string }): Profile {
  const { file } = opts;
  const lineCounter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter, prettyErrors: false });
  const fail = (node: YamlNode | undefined | null, problem: string): never => {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    throw new ProfileError(file, line, col, problem);
  };
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    throw new ProfileError(file, line, col, `not valid YAML: ${syntax.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!yaml().isMap(root)) return fail(root, 'a profile is a mapping with name, description and rules');
  checkKeys(root, TOP_KEYS, 'the profile', fail);

  const name = requiredString(root, 'name', 'the profile', fail);
  const description = requiredString(root, 'description', 'the profile', fail);
  const rulesNode = root.get('rules', true) as YamlNode | undefined;
  if (!yaml().isSeq(rulesNode) || rulesNode.items.length === 0) return fail(rulesNode ?? root, '`rules` must be a non-empty list');

  const rules = rulesNode.items.map((item, i) => {
    const where = `rules[${i}]`;
    if (!yaml().isMap(item)) return fail(item as YamlNode, `${where} must be a mapping with from, to, ports, protocol, expect, why`);
    checkKeys(item, RULE_KEYS, where, fail);
    const role = (key: 'from' | 'to'): Role => {
      const node = item.get(key, true) as YamlNode | undefined;
      const word = requiredString(item, key, where, fail);
      return ROLE_WORDS[word] ?? fail(node, `${where}.${key} must be one of control-plane, worker, etcd, any (or master), got "${word}"`);
    };
    const portsNode = item.get('ports', true) as YamlNode | undefined;
    if (!yaml().isScalar(portsNode) || (typeof portsNode.value !== 'string' && typeof portsNode.value !== 'number')) {
      return fail(portsNode ?? item, `${where}.ports is required: a port ("10250"), a range ("30000-32767"), apiserver or cni`);
    }
    const portsText = String(portsNode.value).trim();
    const ports = parsePortSpec(portsText) ?? fail(portsNode, `${where}.ports must be a port 1-65535, a range low-high, apiserver or cni; got "${portsText}"`);

    const protocolNode = item.get('protocol', true) as YamlNode | undefined;
    let protocol: Protocol | undefined;
    if (protocolNode !== undefined) {
      const p = String((protocolNode as { value?: unknown }).value ?? '').toLowerCase();
      if (p !== 'tcp' && p !== 'udp') return fail(protocolNode, `${where}.protocol must be tcp or udp, got "${p}"`);
      protocol = p;
    } else if (ports.kind !== 'cni') {
      return fail(item, `${where}.protocol is required (tcp or udp)`);
    }

    const expectNode = item.get('expect', true) as YamlNode | undefined;
    const expect = requiredString(item, 'expect', where, fail);
    if (expect !== 'open' && expect !== 'closed') return fail(expectNode, `${where}.expect must be "open" or "closed", got "${expect}"`);

    const rule: ProfileRule = {
      from: role('from'),
      to: role('to'),
      ports,
      portsText,
      ...(protocol ? { protocol } : {}),
      expect,
      why: requiredString(item, 'why', where, fail),
      source: `${file}:${lineCounter.linePos(item.range?.[0] ?? 0).line}`,
    };
    const when = stringList(item, 'when', where, fail);
    const unless = stringList(item, 'unless', where, fail);
    if (when) rule.when = when;
    if (unless) rule.unless = unless;
    const familyNode = item.get('family', true) as YamlNode | undefined;
    if (familyNode !== undefined) {
      const f = String((familyNode as { value?: unknown }).value ?? '').toLowerCase();
      const family = ({ '4': 'ipv4', '6': 'ipv6', ipv4: 'ipv4', ipv6: 'ipv6' } as const)[f as '4'];
      if (!family) return fail(familyNode, `${where}.family must be ipv4 or ipv6 (or 4, 6), got "${f}"`);
      rule.family = family;
    }
    return rule;
  });
  return { name, description, rules, file };
}

/** "10250" | "30000-32767" | "apiserver" | "cni" → PortSpec, or undefined if none of those. */
export function parsePortSpec(text: string): PortSpec | undefined {
  if (text === 'apiserver' || text === 'cni') return { kind: text };
  const single = /^(\d+)$/.exec(text);
  if (single) {
    const port = Number(single[1]);
    return port >= 1 && port <= 65535 ? { kind: 'port', port } : undefined;
  }
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
  if (range) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    return low >= 1 && high <= 65535 && low < high ? { kind: 'range', low, high } : undefined;
  }
  return undefined;
}

type Fail = (node: YamlNode | undefined | null, problem: string) => never;

function checkKeys(map: YAMLMap, allowed: readonly string[], where: string, fail: Fail): void {
  for (const pair of map.items) {
    const key = yaml().isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!allowed.includes(key)) fail(pair.key as YamlNode, `unknown key "${key}" in ${where} (allowed: ${allowed.join(', ')})`);
  }
}

function requiredString(map: YAMLMap, key: string, where: string, fail: Fail): string {
  const node = map.get(key, true) as YamlNode | undefined;
  if (!yaml().isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
    return fail(node ?? map, `${where}.${key} is required and must be text`);
  }
  return node.value.trim();
}

/** `when: flannel` or `when: [flannel, calico]` → lowercased list. */
function stringList(map: YAMLMap, key: string, where: string, fail: Fail): string[] | undefined {
  const node = map.get(key, true) as YamlNode | undefined;
  if (node === undefined) return undefined;
  if (yaml().isScalar(node) && typeof node.value === 'string') return [node.value.trim().toLowerCase()];
  if (yaml().isSeq(node) && node.items.every((i) => yaml().isScalar(i) && typeof i.value === 'string')) {
    return node.items.map((i) =>
      String((i as { value: string }).value)
        .trim()
        .toLowerCase(),
    );
  }
  return fail(node, `${where}.${key} must be a CNI name or a list of them (e.g. flannel, flannel/vxlan, calico)`);
}
