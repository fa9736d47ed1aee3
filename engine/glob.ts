/**
 * Shell-style wildcards as a RegExp anchored at both ends: `*` any run of characters, `?` one
 * character. With `classes`, `[abc]`, `[a-z]` and `[!abc]` as in fnmatch (Ansible host patterns);
 * without, `[` and `]` are literal (OpenSSH known_hosts patterns, where `[host]:port` is a name).
 * Throws a SyntaxError when a character class is not a valid range.
 */
export function globToRegExp(glob: string, opts: { classes?: boolean; ignoreCase?: boolean } = {}): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const end = c === '[' && opts.classes ? glob.indexOf(']', i + 1) : -1;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (end > 0) {
      const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
      re += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, opts.ignoreCase ? 'i' : '');
}
