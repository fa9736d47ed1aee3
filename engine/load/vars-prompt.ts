import type { InputError } from '../errors.ts';
import { isPlainObject } from '../values.ts';
import { readTerminalLine } from './terminal-line.ts';
import type { PathSegment, YamlSource } from './yaml-source.ts';

/**
 * vars_prompt: asks on the terminal for each variable not given with -e (as Ansible skips those).
 * A run without a terminal cannot answer, so it is refused before any host is contacted.
 */
export function promptVars(src: YamlSource, path: PathSegment[], spec: unknown, extraVars: Record<string, unknown>, problems: InputError[]): Record<string, unknown> {
  if (!Array.isArray(spec)) return {};
  const values: Record<string, unknown> = {};
  spec.forEach((entry, i) => {
    if (!isPlainObject(entry) || typeof entry.name !== 'string') return;
    const name = entry.name;
    if (name in extraVars) return;
    if (!process.stdin.isTTY) {
      problems.push(src.error([...path, 'vars_prompt', i], `vars_prompt '${name}' needs an interactive terminal, and this run has none: pass it with -e ${name}=VALUE`));
      return;
    }
    const question = typeof entry.prompt === 'string' ? entry.prompt : name;
    const fallback = entry.default === undefined ? undefined : String(entry.default);
    process.stderr.write(`${question}${fallback === undefined ? '' : ` [${fallback}]`}: `);
    const answer = readTerminalLine(entry.private !== false, `the vars_prompt '${name}'`);
    values[name] = answer === '' && fallback !== undefined ? fallback : answer;
  });
  return values;
}
