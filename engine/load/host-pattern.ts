import { TackleError } from '../errors.ts';
import type { Inventory } from '../model.ts';
import { globToRegExp } from '../glob.ts';
import { isIPv6 } from 'node:net';

/** A --limit term: a host pattern, or one host named exactly (a line of a retry file). */
export type LimitTerm = string | { readonly host: string };

/**
 * Ansible host patterns: names, groups, globs (* ?), "~regex" (matched from the start of a host or
 * group name), subscripts of a group's hosts ("web[0]", "web[-1]", "web[1:3]" with the end included,
 * "web[2:]"), "a:b" (or "a,b") union, "a:&b" intersection, "a:!b" exclusion, "all" / "*".
 * An IPv6 address is one term, colons and all. Result in inventory order; an unmatched term selects
 * nothing. `{ host }` terms (given as a list) add that one host, even where a group has its name.
 */
export function selectHosts(inventory: Inventory, pattern: string | readonly LimitTerm[]): string[] {
  const terms = (typeof pattern === 'string' ? [pattern] : pattern)
    .flatMap((t): LimitTerm[] => (typeof t === 'string' ? splitPattern(t).map((p) => p.trim()) : [t]))
    .filter((t) => t !== '');
  if (terms.length === 0) return [];
  // A pattern that starts by narrowing ("!web", "&db") narrows everything.
  const first = terms[0]!;
  if (typeof first === 'string' && (first.startsWith('!') || first.startsWith('&'))) terms.unshift('all');

  const selected = new Set<string>();
  const intersections: Set<string>[] = [];
  const exclusions: Set<string>[] = [];
  for (const term of terms) {
    if (typeof term !== 'string') {
      if (inventory.hosts.has(term.host)) selected.add(term.host);
    } else if (term.startsWith('&')) intersections.push(matchTerm(inventory, term.slice(1).trim()));
    else if (term.startsWith('!')) exclusions.push(matchTerm(inventory, term.slice(1).trim()));
    else for (const h of matchTerm(inventory, term)) selected.add(h);
  }
  return [...inventory.hosts.keys()].filter(
    (h) => selected.has(h) && intersections.every((s) => s.has(h)) && !exclusions.some((s) => s.has(h)),
  );
}

/** What is wrong with a host pattern's syntax, or undefined when it is well-formed. */
export function hostPatternProblem(pattern: string): string | undefined {
  const terms = splitPattern(pattern).map((t) => t.trim());
  if (terms.every((t) => !t)) return `host pattern '${pattern}' names no host or group`;
  for (const term of terms) {
    const name = term.replace(/^[!&]\s*/, '');
    if (term && !name) return `host pattern '${pattern}': '${term}' must be followed by a host or group name`;
    if (name.startsWith('~')) {
      try {
        new RegExp(name.slice(1));
      } catch (error) {
        return `host pattern '${pattern}': '${name}' is not a valid regular expression: ${(error as Error).message}`;
      }
      continue;
    }
    if (SUBSCRIPT.test(name)) continue;
    if (/[*?[]/.test(name)) {
      try {
        hostGlob(name);
      } catch (error) {
        return (error as Error).message;
      }
    }
  }
  return undefined;
}

/** "group[0]", "group[-1]", "group[1:3]", "group[:2]", "group[2:]". */
const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(-?\d*):(-?\d*))\]$/;

/** The inventory's hosts; an implicit localhost (not in the inventory) is not among them, as in Ansible. */
function allHosts(inventory: Inventory): string[] {
  return inventory.groups.get('all') ?? [...inventory.hosts.keys()];
}

function matchTerm(inventory: Inventory, term: string): Set<string> {
  if (term.startsWith('~')) {
    const re = new RegExp(term.slice(1));
    const out = new Set<string>();
    for (const [g, hosts] of inventory.groups) if (re.exec(g)?.index === 0) for (const h of hosts) out.add(h);
    for (const h of inventory.hosts.keys()) if (re.exec(h)?.index === 0) out.add(h);
    return out;
  }
  const sub = SUBSCRIPT.exec(term);
  if (sub) {
    const hosts = [...matchTerm(inventory, sub[1]!)];
    const at = (i: number): number => (i < 0 ? hosts.length + i : i);
    if (sub[2] !== undefined) {
      const h = hosts[at(Number(sub[2]))];
      return new Set(h === undefined ? [] : [h]);
    }
    const start = sub[3] ? at(Number(sub[3])) : 0;
    const end = sub[4] ? at(Number(sub[4])) : hosts.length - 1;
    return new Set(hosts.slice(start, end + 1));
  }
  if (term === 'all' || term === '*') return new Set(allHosts(inventory));
  const group = inventory.groups.get(term);
  if (group) return new Set(group);
  if (inventory.hosts.has(term)) return new Set([term]);
  if (!/[*?[]/.test(term)) return new Set();
  const re = hostGlob(term);
  const out = new Set<string>();
  for (const h of inventory.hosts.keys()) if (re.test(h)) out.add(h);
  for (const [g, hosts] of inventory.groups) if (re.test(g)) for (const h of hosts) out.add(h);
  return out;
}

function hostGlob(glob: string): RegExp {
  try {
    return globToRegExp(glob, { classes: true });
  } catch {
    throw new TackleError(`host pattern '${glob}' has an invalid [...] character class`);
  }
}

/**
 * Terms of a pattern: split on commas and on colons outside [...] (so "web[1:3]" is one term); a
 * part that is an IPv6 address ("2001:db8::1", "!fe80::1") stays whole, as in Ansible.
 */
function splitPattern(pattern: string): string[] {
  return pattern.split(',').flatMap((part) => (isIPv6(part.trim().replace(/^[!&]\s*/, '')) ? [part] : splitOnColons(part)));
}

function splitOnColons(pattern: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let term = '';
  for (const c of pattern) {
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    if (c === ':' && depth === 0) {
      terms.push(term);
      term = '';
    } else term += c;
  }
  terms.push(term);
  return terms;
}
