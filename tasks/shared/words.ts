import { TaskError } from '../../engine/errors.ts';

/**
 * Splits a command string into arguments the way a POSIX shell quotes them ('single',
 * "double" with \-escapes, \x outside quotes), without expanding anything.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new TaskError(`unterminated ${quote} quote in "${text}"`);
  if (inWord) words.push(word);
  return words;
}

/** A `command`/`entrypoint` parameter: a list as is, a string split into words. */
export function argList(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? splitWords(value) : [...value];
}

/** Schema of a program and its arguments given as a list (no shell), as the command-running tasks take it. */
export function argvSchema(description: string) {
  return { type: 'array', minItems: 1, items: { type: 'string' }, description } as const;
}
