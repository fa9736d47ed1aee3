/** Line-based unified diff (Myers' algorithm), for --diff output of any task that rewrites a file. */

type Op = { kind: ' ' | '-' | '+'; line: string };

const CONTEXT = 3;
const NO_EOL = '\\ No newline at end of file';

/**
 * A unified diff of two texts with 3 lines of context, headed by PATH; '' when they are equal.
 * A last line without a newline differs from the same line with one, as in `diff -u`.
 */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const ops = diffOps(splitLines(before), splitLines(after));
  const out = [`--- ${path} (current)`, `+++ ${path} (desired)`];
  for (const hunk of hunks(ops)) out.push(...hunk);
  return out.join('\n') + '\n';
}

/** Lines with their terminator, so "x" and "x\n" compare unequal. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.split(/(?<=\n)/);
}

function diffOps(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middle = myers(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  return [
    ...a.slice(0, head).map((line): Op => ({ kind: ' ', line })),
    ...middle,
    ...a.slice(a.length - tail).map((line): Op => ({ kind: ' ', line })),
  ];
}

/** Shortest edit script: forward pass records each round's frontier, then walks it back. */
function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!);
      let x = down ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!);
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[--x]! });
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[--y]! });
      else ops.push({ kind: '-', line: a[--x]! });
    }
  }
  return ops.reverse();
}

function hunks(ops: Op[]): string[][] {
  const changed = ops.flatMap((op, i) => (op.kind === ' ' ? [] : [i]));
  const result: string[][] = [];
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i]! - CONTEXT);
    let end = changed[i]! + CONTEXT;
    while (i + 1 < changed.length && changed[i + 1]! - CONTEXT <= end + 1) end = changed[++i]! + CONTEXT;
    i++;
    result.push(renderHunk(ops, start, Math.min(ops.length - 1, end)));
  }
  return result;
}

function renderHunk(ops: Op[], start: number, end: number): string[] {
  let aLine = 1;
  let bLine = 1;
  for (const op of ops.slice(0, start)) {
    if (op.kind !== '+') aLine++;
    if (op.kind !== '-') bLine++;
  }
  const body: string[] = [];
  let aCount = 0;
  let bCount = 0;
  for (const op of ops.slice(start, end + 1)) {
    if (op.kind !== '+') aCount++;
    if (op.kind !== '-') bCount++;
    const text = op.line.endsWith('\n') ? op.line.slice(0, -1) : op.line;
    body.push(op.kind + text);
    if (!op.line.endsWith('\n')) body.push(NO_EOL);
  }
  const range = (first: number, count: number) => `${count === 0 ? first - 1 : first}${count === 1 ? '' : `,${count}`}`;
  return [`@@ -${range(aLine, aCount)} +${range(bLine, bCount)} @@`, ...body];
}
