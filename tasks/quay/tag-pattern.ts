/**
 * Quay's mirroring tag patterns: fnmatch-style globs (`*`, `?`, `[seq]`, `[!seq]`), matched
 * against the whole tag and case-sensitively, as Quay's mirror worker does.
 */

const PATTERN_CHARS = /[*?[]/;

/** True when the entry is a literal tag (no pattern characters). */
export function isExplicitTag(entry: string): boolean {
  return !PATTERN_CHARS.test(entry);
}

/**
 * Null when the list satisfies Quay's rule, else the reason. Quay lists the remote tags
 * through an explicit tag (or the remote's "latest"), so a list of patterns only may sync
 * nothing; tackle cannot see the remote, so it demands an explicit tag.
 */
export function explainTagRule(patterns: readonly string[]): string | null {
  if (patterns.length === 0) return 'the tag list is empty: list at least one tag';
  const empty = patterns.find((p) => p.trim() === '');
  if (empty !== undefined) return 'the tag list contains an empty entry';
  if (!patterns.some(isExplicitTag)) {
    return (
      `no explicit tag in [${patterns.join(', ')}]: Quay needs at least one tag without pattern ` +
      'characters (*, ?, [) in the list, such as "latest", to read the remote repository\'s tag list'
    );
  }
  return null;
}

/** The tags (in their given order) that at least one pattern matches. */
export function matchTags(patterns: readonly string[], tags: readonly string[]): string[] {
  const compiled = patterns.map(compilePattern);
  return tags.filter((tag) => compiled.some((re) => re.test(tag)));
}

/** Human-readable report: what each pattern matches, what would be mirrored, and the rule check. */
export function formatTagsReport(patterns: readonly string[], tags: readonly string[]): string {
  const width = Math.max(0, ...patterns.map((p) => p.length));
  const lines = patterns.map((p) => {
    const hits = matchTags([p], tags);
    return `  ${p.padEnd(width)}  ${hits.length ? hits.join(', ') : '(no match)'}`;
  });
  const mirrored = matchTags(patterns, tags);
  const skipped = tags.filter((t) => !mirrored.includes(t));
  const rule = explainTagRule(patterns);
  return [
    'pattern matches:',
    ...lines,
    `would mirror: ${mirrored.length ? mirrored.join(', ') : '(nothing)'}`,
    `not mirrored: ${skipped.length ? skipped.join(', ') : '(nothing)'}`,
    rule === null ? 'tag rule: ok' : `tag rule: FAILS: ${rule}`,
  ].join('\n');
}

/** Translates one glob into an anchored RegExp, following Python's fnmatch rules. */
export function compilePattern(pattern: string): RegExp {
  let source = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '*') {
      source += '.*';
      i += 1;
    } else if (c === '?') {
      source += '.';
      i += 1;
    } else if (c === '[') {
      const set = parseBracket(pattern, i);
      if (set) {
        source += set.source;
        i = set.end;
      } else {
        source += '\\[';
        i += 1;
      }
    } else {
      source += escapeRegExp(c);
      i += 1;
    }
  }
  return new RegExp(`^(?:${source})$`, 's');
}

/** `[...]` starting at `start`; null when unterminated (then `[` is literal, as in fnmatch). */
function parseBracket(pattern: string, start: number): { source: string; end: number } | null {
  let j = start + 1;
  const negate = pattern[j] === '!';
  if (negate) j += 1;
  const bodyStart = j;
  // A `]` right after `[` or `[!` is a member, not the end.
  if (pattern[j] === ']') j += 1;
  while (j < pattern.length && pattern[j] !== ']') j += 1;
  if (j >= pattern.length) return null;
  const body = pattern.slice(bodyStart, j);

  const parts: string[] = [];
  for (let k = 0; k < body.length; k += 1) {
    const lo = body[k]!;
    if (body[k + 1] === '-' && k + 2 < body.length) {
      const hi = body[k + 2]!;
      // A reversed range matches nothing (Python drops it) rather than being an error.
      if (lo <= hi) parts.push(`${escapeClassChar(lo)}-${escapeClassChar(hi)}`);
      k += 2;
    } else {
      parts.push(escapeClassChar(lo));
    }
  }
  const members = parts.join('');
  let source: string;
  if (members === '') source = negate ? '.' : '(?!)';
  else source = `[${negate ? '^' : ''}${members}]`;
  return { source, end: j + 1 };
}

function escapeClassChar(c: string): string {
  return /[\\\]^[-]/.test(c) ? `\\${c}` : c;
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
