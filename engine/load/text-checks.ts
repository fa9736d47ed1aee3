/**
 * Checks on the raw text of an input file, before the YAML parser sees it: the parser would
 * silently replace invalid UTF-8, keep NUL bytes, and spend seconds recovering from a stack
 * overflow on absurdly deep nesting.
 */

/** Deeper YAML is refused; real playbooks stay far below, the parser overflows its stack near 800. */
export const MAX_NESTING = 256;

export interface TextProblem {
  problem: string;
  line: number;
  col: number;
}

/** The text of a UTF-8 file, or where its first invalid byte is. */
export function decodeUtf8(bytes: Buffer): { text: string } | TextProblem {
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return { text: bytes.toString('utf8') };
  const before = bytes.subarray(0, bad);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  return {
    problem: `invalid UTF-8 (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}): input files must be UTF-8 text`,
    line: countByte(before, 0x0a) + 1,
    col: Buffer.from(before.subarray(lineStart)).toString('utf8').length + 1,
  };
}

/** NUL characters, and nesting deeper than MAX_NESTING (counted on the text, so without parsing). */
export function textProblem(text: string): TextProblem | undefined {
  const nul = text.indexOf('\0');
  if (nul >= 0) return { problem: 'NUL byte in the file: input files must be text', ...lineCol(text, nul) };
  const deep = tooDeepAt(text);
  if (deep >= 0) {
    return { problem: `values nested more than ${MAX_NESTING} levels deep (brackets and indentation); refusing the document`, ...lineCol(text, deep) };
  }
  return undefined;
}

/**
 * An upper estimate of nesting: open flow brackets plus, per line, the indentation and twice the
 * "- " entries at its start (each may open a list and a map). Offset where it first exceeds the limit, or -1.
 */
function tooDeepAt(text: string): number {
  let flow = 0;
  let lineStart = true;
  let block = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      lineStart = true;
      block = 0;
      continue;
    }
    if (lineStart) {
      if (c === 0x20) block++;
      else if (c === 0x2d && (text.charCodeAt(i + 1) === 0x20 || text.charCodeAt(i + 1) === 0x0a)) block += 2;
      else lineStart = false;
    }
    if (c === 0x5b || c === 0x7b) flow++;
    else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
    if (flow + block > MAX_NESTING) return i;
  }
  return -1;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

function countByte(bytes: Uint8Array, byte: number): number {
  let n = 0;
  for (const b of bytes) if (b === byte) n++;
  return n;
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}
