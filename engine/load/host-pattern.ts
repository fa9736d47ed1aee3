import { TackleError } from '../errors.ts';
import type { Inventory } from '../model.ts';
import { globToRegExp } from '../glob.ts';

/**
 * Ansible host patterns: names, groups, globs (* ?), "a:b" (or "a,b") union, "a:&b" intersection,
 * "a:!b" exclusion, "all" / "*". Result in inventory order; an unmatched term selects nothing.
 */
export function selectHosts(inventory: Inventory, pattern: string): string[] {
  const terms = pattern
    .split(/[:,]/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (terms.length === 0) return [];
  // A pattern that starts by narrowing ("!web", "&db") narrows everything.
  if (terms[0]!.startsWith('!') || terms[0]!.startsWith('&')) terms.unshift('all');

  const selected = new Set<string>();
  const intersections: Set<string>[] = [];
  const exclusions: Set<string>[] = [];
  for (const term of terms) {
    if (term.startsWith('&')) intersections.push(matchTerm(inventory, term.slice(1).trim()));
    else if (term.startsWith('!')) exclusions.push(matchTerm(inventory, term.slice(1).trim()));
    else for (const h of matchTerm(inventory, term)) selected.add(h);
  }
  return allHosts(inventory).filter(
    (h) => selected.has(h) && intersections.every((s) => s.has(h)) && !exclusions.some((s) => s.has(h)),
  );
}

/** What is wrong with a host pattern's syntax, or undefined when it is well-formed. */
export function hostPatternProblem(pattern: string): string | undefined {
  const terms = pattern.split(/[:,]/).map((t) => t.trim());
  if (terms.every((t) => !t)) return `host pattern '${pattern}' names no host or group`;
  for (const term of terms) {
    const name = term.replace(/^[!&]\s*/, '');
    if (term && !name) return `host pattern '${pattern}': '${term}' must be followed by a host or group name`;
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

function allHosts(inventory: Inventory): string[] {
  return [...inventory.hosts.keys()];
}

function matchTerm(inventory: Inventory, term: string): Set<string> {
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
