import { TackleError } from '../../errors.ts';

/** More hosts than this from one range line is a typo, not an inventory. */
export const MAX_RANGE_HOSTS = 100_000;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A host entry as Ansible reads it: an optional ":PORT" suffix ("web1:2222", "[::1]:2222") and
 * ranges ("web[01:20].example.com", "db-[a:f]", "h[0:10:2]", several per name) expanded in order.
 */
export function expandHostEntry(entry: string): { hosts: string[]; port?: number } {
  const { host, port } = splitPort(entry);
  const hosts = host.includes('[') ? expandRanges(host) : [host];
  return port === undefined ? { hosts } : { hosts, port };
}

function splitPort(entry: string): { host: string; port?: number } {
  const bracketed = /^\[(.+)\]:([0-9]+)$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2]) };
  // Host part: no ':' outside a complete [...] range, then ":PORT".
  const hostPort = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/.exec(entry);
  if (hostPort && hostPort[1]) return { host: hostPort[1], port: Number(hostPort[2]) };
  return { host: entry };
}

function expandRanges(name: string, budget = { left: MAX_RANGE_HOSTS }): string[] {
  const open = name.indexOf('[');
  const close = name.indexOf(']', open);
  if (open < 0) return [name];
  if (close < 0) throw new TackleError(`host range in '${name}' has no closing ']'`);
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new TackleError(`host range '[${bounds.join(':')}]' must be [begin:end] or [begin:end:step]`);
  const [rawBegin, end, rawStep] = bounds as [string, string, string?];
  const begin = rawBegin || '0';
  if (!end) throw new TackleError(`host range '[${bounds.join(':')}]' has no end value`);
  const step = rawStep === undefined ? 1 : Number(rawStep);
  if (!Number.isInteger(step) || step < 1) throw new TackleError(`host range step must be a whole number >= 1, got '${rawStep}'`);

  let items: string[];
  const alphaBegin = LETTERS.indexOf(begin);
  const alphaEnd = LETTERS.indexOf(end);
  if (begin.length === 1 && end.length === 1 && alphaBegin >= 0 && alphaEnd >= 0) {
    if (alphaBegin > alphaEnd) throw new TackleError(`host range '[${bounds.join(':')}]' must have begin <= end`);
    items = [];
    for (let i = alphaBegin; i <= alphaEnd; i += step) items.push(LETTERS[i]!);
  } else {
    if (!/^\d+$/.test(begin) || !/^\d+$/.test(end)) throw new TackleError(`host range '[${bounds.join(':')}]' must be numbers or single letters`);
    // A leading zero ("01") asks for fixed-width numbers, so begin and end must be as wide.
    const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
    if (width && end.length !== width) throw new TackleError(`host range '[${bounds.join(':')}]' must have begin and end of the same width`);
    items = [];
    for (let i = Number(begin); i <= Number(end); i += step) {
      if (items.length >= budget.left) throw new TackleError(`host range in '${name}' yields more than ${MAX_RANGE_HOSTS} hosts`);
      items.push(width ? String(i).padStart(width, '0') : String(i));
    }
  }
  const out: string[] = [];
  for (const item of items) {
    for (const host of expandRanges(head + item + tail, budget)) {
      if (budget.left-- <= 0) throw new TackleError(`host range in '${name}' yields more than ${MAX_RANGE_HOSTS} hosts`);
      out.push(host);
    }
  }
  return out;
}
