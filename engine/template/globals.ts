import { isPlainObject } from '../values.ts';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { TemplateError, TemplateSyntaxError, Undefined } from './expression.ts';
import type { Scope } from './evaluate.ts';
import { asList, force, mapOf, number, toText } from './values.ts';
import { noteInputFile } from '../input-files.ts';

/**
 * Functions callable by name in templates: `range`, `dict`, and `lookup`/`query` with the
 * controller-side lookups Ansible users reach for. Lookups run on the machine running tackle,
 * as in Ansible; relative files are searched in the role's, then the playbook's folder.
 */

/** Lookup names with one line each, for the README. */
export const LOOKUPS: Readonly<Record<string, string>> = {
  env: "lookup('env', 'NAME'): an environment variable of the controller ('' when unset)",
  file: "lookup('file', 'path'): a file's content, trailing newline stripped; searched in files/ of the role and the playbook",
  template: "lookup('template', 'name.j2'): a file from templates/ rendered with the current variables",
  pipe: "lookup('pipe', 'command'): a command's output on the controller, trailing newline stripped",
  vars: "lookup('vars', 'name'): the variable of that name (names can be built: 'port_' ~ env)",
  first_found: "lookup('first_found', ['a.yml', 'b.yml']): the path of the first file that exists",
};

export const GLOBAL_FUNCTIONS = ['range', 'dict', 'lookup', 'query', 'q'] as const;

/** Set by template.ts: renders a template file's text (for the `template` lookup). */
let renderText: (text: string, scope: Scope) => string = () => {
  throw new TemplateError('template rendering is not available');
};
export function setTextRenderer(fn: (text: string, scope: Scope) => string): void {
  renderText = fn;
}

function baseDirs(scope: Scope): string[] {
  const dirs: string[] = [];
  for (const name of ['role_path', 'playbook_dir']) {
    const v = scope.lookup(name);
    if (typeof v === 'string' && v !== '') dirs.push(v);
  }
  return dirs;
}

/** Where Ansible's file-ish lookups look: DIR/SUBDIR/x, then DIR/x, for the role then the playbook. */
export function searchFile(term: string, subdir: 'files' | 'templates', scope: Scope): string | undefined {
  if (isAbsolute(term)) return existsSync(term) ? term : undefined;
  for (const dir of baseDirs(scope)) {
    for (const candidate of [join(dir, subdir, term), join(dir, term)]) if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function mustFind(term: string, subdir: 'files' | 'templates', lookup: string, scope: Scope): string {
  const found = searchFile(term, subdir, scope);
  if (!found) throw new TemplateError(`lookup('${lookup}'): could not find '${term}' (searched ${baseDirs(scope).map((d) => `${d}/${subdir}`).join(', ') || 'nowhere: no playbook_dir'})`);
  return found;
}

function readInput(file: string): string {
  const text = readFileSync(file, 'utf8');
  noteInputFile(file, text);
  return text;
}

function runLookup(name: string, terms: unknown[], kw: Record<string, unknown>, scope: Scope): unknown[] {
  switch (name) {
    case 'env':
      return terms.map((t) => process.env[toText(t)] ?? (kw['default'] === undefined ? '' : kw['default']));
    case 'file':
      return terms.map((t) => {
        const text = readInput(mustFind(toText(t), 'files', name, scope));
        return kw['rstrip'] === false ? text : text.replace(/\s+$/, '');
      });
    case 'template':
      return terms.map((t) => renderText(readInput(mustFind(toText(t), 'templates', name, scope)), scope));
    case 'pipe':
      return terms.map((t) => {
        try {
          return execFileSync('/bin/sh', ['-c', toText(t)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\s+$/, '');
        } catch (error) {
          throw new TemplateError(`lookup('pipe'): '${toText(t)}' failed: ${(error as Error).message.split('\n')[0]}`);
        }
      });
    case 'vars':
      return terms.map((t) => {
        const v = scope.lookup(toText(t));
        if (v instanceof Undefined && kw['default'] !== undefined) return kw['default'];
        return force(v);
      });
    case 'first_found': {
      const files = terms.flatMap((t) => (isPlainObject(t) ? asList(t['files'], 'first_found files') : Array.isArray(t) ? t : [t])).map(toText);
      const paths = terms.flatMap((t) => (isPlainObject(t) && t['paths'] !== undefined ? asList(t['paths'], 'first_found paths') : [])).map(toText);
      for (const f of files) {
        const found = paths.length > 0 ? paths.map((p) => join(p, f)).find((p) => existsSync(p)) : searchFile(f, 'files', scope);
        if (found) return [found];
      }
      if (kw['skip'] === true) return [];
      throw new TemplateError(`lookup('first_found'): none of ${JSON.stringify(files)} exists`);
    }
  }
  throw new TemplateSyntaxError(`unknown lookup '${name}' (known: ${Object.keys(LOOKUPS).join(', ')})`);
}

export function isKnownLookup(name: string): boolean {
  return Object.hasOwn(LOOKUPS, name.replace(/^ansible\.builtin\./, ''));
}

function range(args: unknown[]): number[] {
  const [a, b, c] = args.map((x) => number(x, 'range'));
  const [start, stop, step] = b === undefined ? [0, a!, 1] : [a!, b, c ?? 1];
  if (step === 0) throw new TemplateError('range: step cannot be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > 100_000) throw new TemplateError('range: more than 100000 items');
  }
  return out;
}

export function callGlobal(name: string, args: unknown[], kw: Record<string, unknown>, scope: Scope): unknown {
  switch (name) {
    case 'range':
      return range(args);
    case 'dict': {
      const pairs = args.length > 0 ? asList(args[0], 'dict').map((p) => asList(p, 'dict') as [unknown, unknown]) : [];
      return mapOf([...pairs.map(([k, v]) => [toText(k), v] as const), ...Object.entries(kw)]);
    }
    case 'lookup':
    case 'query':
    case 'q': {
      const [plugin, ...terms] = args;
      const lookup = toText(plugin).replace(/^ansible\.builtin\./, '');
      const results = runLookup(lookup, terms, kw, scope);
      if (name !== 'lookup' || kw['wantlist'] === true) return results;
      return results.length === 1 ? results[0] : results.map(toText).join(',');
    }
  }
  throw new TemplateError(`unknown function '${name}()' (known: ${GLOBAL_FUNCTIONS.join(', ')}, and methods of strings, lists and maps)`);
}
