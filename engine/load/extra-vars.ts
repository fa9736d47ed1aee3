import { resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { readVarsMap } from './inventory.ts';
import { YamlSource, type ReadOptions } from './yaml-source.ts';

/**
 * -e values: "k=v k2='a b'" (values stay strings, as in Ansible), "@file.yml" (YAML or JSON map),
 * or an inline YAML/JSON map "{k: 1}". Later -e values win.
 */
export function parseExtraVars(
  values: readonly string[],
  problems: InputError[],
  baseDir = process.cwd(),
  opts: ReadOptions = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  values.forEach((raw, i) => {
    const label = `-e #${i + 1}`;
    const text = raw.trim();
    if (text.startsWith('@')) {
      const file = resolve(baseDir, text.slice(1));
      Object.assign(out, readVarsMap(file, problems, text.slice(1), opts));
    } else if (text.startsWith('{')) {
      const src = YamlSource.parse(text, label, undefined, opts);
      problems.push(...src.problems);
      if (src.ok && (typeof src.value !== 'object' || src.value === null || Array.isArray(src.value))) {
        problems.push(src.error([], 'an inline -e value must be a map'));
      } else if (src.ok) Object.assign(out, src.value);
    } else {
      Object.assign(out, parseKeyValues(raw, label, problems));
    }
  });
  return out;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits on unquoted whitespace; quotes group and are removed, backslash escapes one character. */
function parseKeyValues(raw: string, label: string, problems: InputError[]): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < raw.length) {
    while (i < raw.length && /\s/.test(raw[i]!)) i++;
    if (i >= raw.length) break;
    const start = i;
    let word = '';
    let quote = '';
    for (; i < raw.length && (quote || !/\s/.test(raw[i]!)); i++) {
      const c = raw[i]!;
      if (c === '\\' && i + 1 < raw.length && quote !== "'") word += raw[++i];
      else if (quote && c === quote) quote = '';
      else if (!quote && (c === '"' || c === "'")) quote = c;
      else word += c;
    }
    const pos = { file: label, line: 1, col: start + 1 };
    if (quote) problems.push(new InputError(pos, `unterminated ${quote} quote`));
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(0, eq) : '';
    if (!NAME.test(name)) {
      problems.push(new InputError(pos, `'${word}' is not NAME=VALUE (or @file, or a {map})`));
      continue;
    }
    out[name] = word.slice(eq + 1);
  }
  return out;
}
