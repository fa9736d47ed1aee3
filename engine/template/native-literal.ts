import { parsePythonLiteral } from '../load/inventory/python-literal.ts';
import type { Expr } from './expression.ts';

/** Filters whose text stays text, as Ansible's native mode keeps their results (NativeJinjaText). */
const TEXT_FILTERS = new Set(['string', 'to_json', 'to_nice_json', 'to_yaml', 'to_nice_yaml']);

/**
 * The value a whole `{{ expr }}` yields when it renders as text: the Python literal the text
 * spells, as Ansible's jinja2_native mode reads it (ast.literal_eval), so `-e port=6380` gives
 * the number 6380 where `{{ port }}` is the whole value. Unlike Ansible, a number is taken only
 * when it prints back as the same text, so nothing is lost: "3.10", "1e3", "0x10" and "0640"
 * stay text. `| string` (and the to_json/to_yaml filters) keep text, as in Ansible.
 */
export function nativeValue(text: string, expr: Expr): unknown {
  if (expr.k === 'filter' && TEXT_FILTERS.has(expr.name)) return text;
  if (text === 'True') return true;
  if (text === 'False') return false;
  if (text === 'None') return null;
  const first = text[0];
  if (first !== '[' && first !== '{' && first !== '-' && !(first !== undefined && first >= '0' && first <= '9')) return text;
  let parsed: ReturnType<typeof parsePythonLiteral>;
  try {
    parsed = parsePythonLiteral(text);
  } catch {
    return text; // nested deeper than the stack allows: not a value anyone wrote by hand
  }
  if (!parsed.ok) return text;
  if (typeof parsed.value === 'number') return String(parsed.value) === text ? parsed.value : text;
  if (first === '[' || first === '{') return typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : text;
  return text;
}
