import { isPlainObject } from '../values.ts';
import { stringify } from 'yaml';
import { force } from './values.ts';

/** Text forms that match Ansible's filters byte for byte where Python and JavaScript agree. */

function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: sortedDeep(v[k]), enumerable: true });
    return out;
  }
  return v;
}

/** Python's json.dumps: `", "` and `": "` separators (to_json), or indent 4 with sorted keys (to_nice_json). */
export function pythonJson(value: unknown, opts: { indent?: number; sortKeys?: boolean } = {}): string {
  const v = opts.sortKeys ? sortedDeep(force(value)) : force(value);
  if (opts.indent !== undefined) return JSON.stringify(v, null, opts.indent) ?? 'null';
  const out = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map(out).join(', ')}]`;
    if (isPlainObject(x)) return `{${Object.entries(x).map(([k, y]) => `${JSON.stringify(k)}: ${out(y)}`).join(', ')}}`;
    return JSON.stringify(x) ?? 'null';
  };
  return out(v);
}

function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  return stringify(v, { singleQuote: true, lineWidth: 0 }).replace(/\n$/, '');
}

function isLeafCollection(v: unknown): boolean {
  if (Array.isArray(v)) return v.every((x) => !Array.isArray(x) && !isPlainObject(x));
  return isPlainObject(v) && Object.values(v).every((x) => !Array.isArray(x) && !isPlainObject(x));
}

function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${yamlScalar(k)}: ${flow(x)}`).join(', ')}}`;
  return yamlScalar(v);
}

/** Lines of a block collection at column `at`; the first line may share a `- ` with its parent. */
function block(v: unknown, at: number, step: number, inlineLeaves: boolean): string[] {
  const pad = ' '.repeat(at);
  const inline = (x: unknown): string | undefined => {
    if (!Array.isArray(x) && !isPlainObject(x)) return yamlScalar(x);
    if ((Array.isArray(x) ? x.length : Object.keys(x).length) === 0) return Array.isArray(x) ? '[]' : '{}';
    return inlineLeaves && isLeafCollection(x) ? flow(x) : undefined;
  };
  const lines: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      const one = inline(item);
      if (one !== undefined) lines.push(`${pad}- ${one}`);
      else {
        const inner = block(item, at + step, step, inlineLeaves);
        lines.push(`${pad}-${' '.repeat(step - 1)}${inner[0]!.trimStart()}`, ...inner.slice(1));
      }
    }
    return lines;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const one = inline(x);
    if (one !== undefined) lines.push(`${pad}${yamlScalar(k)}: ${one}`);
    else lines.push(`${pad}${yamlScalar(k)}:`, ...block(x, Array.isArray(x) ? at : at + step, step, inlineLeaves));
  }
  return lines;
}

/**
 * PyYAML's dump as Ansible calls it: keys sorted, a list under a key not indented, an item's
 * content `indent` columns after its dash; to_yaml writes collections of scalars inline
 * (`k: [1, 2]`), to_nice_yaml (indent 4) never does.
 */
export function pythonYaml(value: unknown, nice: boolean, indent = nice ? 4 : 2): string {
  const v = sortedDeep(force(value));
  if (!Array.isArray(v) && !isPlainObject(v)) return `${yamlScalar(v)}\n...\n`;
  if (!nice && isLeafCollection(v)) return `${flow(v)}\n`;
  const lines = block(v, 0, indent, !nice);
  return lines.length === 0 ? `${Array.isArray(v) ? '[]' : '{}'}\n` : `${lines.join('\n')}\n`;
}

const SHELL_SAFE = /^[\w@%+=:,./-]+$/;

/** Python's shlex.quote. */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (SHELL_SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}
