/**
 * Whether a task with these tags (its own, its blocks' and roles', its play's) runs under
 * --tags / --skip-tags, as Ansible decides it: without --tags, Ansible asks for `all`, which
 * leaves out tasks tagged `never`; `always` runs unless skipped by name; `tagged` and `untagged`
 * select by whether a task has any tag.
 */
export function selectedByTags(taskTags: Iterable<string>, onlyTags: readonly string[], skipTags: readonly string[]): boolean {
  const given = new Set(taskTags);
  const tags = given.size === 0 ? new Set(['untagged']) : given;
  const untagged = given.size === 0;
  const only = onlyTags.length === 0 ? ['all'] : onlyTags;
  const runs =
    tags.has('always') ||
    (only.includes('all') && !tags.has('never')) ||
    only.some((t) => tags.has(t)) ||
    (only.includes('tagged') && !untagged && !tags.has('never'));
  if (!runs) return false;
  if (skipTags.includes('all')) return tags.has('always') && !skipTags.includes('always');
  if (skipTags.some((t) => tags.has(t))) return false;
  return !(skipTags.includes('tagged') && !untagged);
}
