import { InputError, TackleError, type SourcePos } from '../../errors.ts';
import type { InventoryData } from './data.ts';
import { expandHostEntry } from './host-range.ts';
import { iniValue } from './python-literal.ts';
import { shellWords } from './shell-words.ts';

/**
 * Ansible's INI inventory dialect: `[group]` host lines (`host key=value ...`), `[group:vars]`
 * (`key=value`), `[group:children]` (group names); `#` and `;` start comment lines. Values are
 * typed as Python literals (`port=22` a number, `x="22"` a string, `flag=True` a boolean).
 */
export function parseIniInventory(text: string, file: string, data: InventoryData, problems: InputError[]): void {
  type Section = 'hosts' | 'vars' | 'children';
  let group = 'ungrouped';
  let section: Section = 'hosts';
  /** Groups used before they are defined: resolved when their own section appears. */
  const pendingVars = new Map<string, SourcePos>();
  const pendingChildren = new Map<string, { pos: SourcePos; parents: string[] }>();

  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((rawLine, index) => {
    const indent = rawLine.length - rawLine.trimStart().length;
    const line = rawLine.trim();
    const pos: SourcePos = { file, line: index + 1, col: indent + 1 };
    const fail = (message: string, col = pos.col): void => void problems.push(new InputError({ ...pos, col }, message));
    if (!line || line.startsWith('#') || line.startsWith(';')) return;

    const header = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/.exec(line);
    if (header) {
      const [, name, kind = 'hosts'] = header as unknown as [string, string, string?];
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
        fail(`section [${name}:${kind}] has an unknown type '${kind}': use [${name}], [${name}:vars] or [${name}:children]`);
        group = name;
        section = 'hosts';
        return;
      }
      group = name;
      section = kind;
      if (!data.groups.has(name)) {
        if (kind === 'vars' && !pendingVars.has(name)) pendingVars.set(name, pos);
        data.addGroup(name);
      }
      if (kind !== 'vars') {
        pendingVars.delete(name);
        const waiting = pendingChildren.get(name);
        if (waiting) {
          pendingChildren.delete(name);
          for (const parent of waiting.parents) addChild(parent, name, waiting.pos);
        }
      }
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(`invalid section header '${line}': a section is [GROUP], [GROUP:vars] or [GROUP:children], with no spaces`);
      return;
    }

    if (section === 'hosts') hostLine(line, pos, fail);
    else if (section === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) return fail(`expected key=value in [${group}:vars], got '${line}'`);
      const key = line.slice(0, eq).trim();
      try {
        data.setGroupVar(group, key, iniValue(line.slice(eq + 1).trim()));
      } catch (error) {
        fail((error as Error).message);
      }
    } else {
      const child = /^([^:\]\s]+)\s*(?:#.*)?$/.exec(line)?.[1];
      if (!child) return fail(`expected a group name in [${group}:children], got '${line}'`);
      if (data.groups.has(child)) addChild(group, child, pos);
      else {
        const waiting = pendingChildren.get(child);
        if (waiting) waiting.parents.push(group);
        else pendingChildren.set(child, { pos, parents: [group] });
      }
    }
  });

  for (const [name, pos] of pendingVars) problems.push(new InputError(pos, `section [${name}:vars] is for group '${name}', which no [${name}] or [${name}:children] section defines`));
  for (const [name, { pos, parents }] of pendingChildren) {
    problems.push(new InputError(pos, `[${parents.at(-1)}:children] names group '${name}', which no [${name}] or [${name}:children] section defines`));
  }

  function addChild(parent: string, child: string, pos: SourcePos): void {
    try {
      data.addChild(parent, child);
    } catch (error) {
      problems.push(new InputError(pos, (error as Error).message));
    }
  }

  function hostLine(line: string, pos: SourcePos, fail: (message: string, col?: number) => void): void {
    let words: string[];
    try {
      words = shellWords(line);
    } catch (error) {
      return fail(`cannot read host line: ${(error as Error).message}`);
    }
    if (words.length === 0) return;
    const [entry, ...assignments] = words as [string, ...string[]];
    if (entry === '---') return fail(`'---' is not a host name: this looks like a YAML file; name it .yml so it is read as YAML`);
    if (entry.endsWith(':')) return fail(`host '${entry}' ends in ':' (reserved for a port, as in host:2222)`);
    const vars: Record<string, unknown> = {};
    for (const a of assignments) {
      const eq = a.indexOf('=');
      if (eq < 0) return fail(`expected key=value after host '${entry}', got '${a}'`, pos.col + Math.max(0, line.indexOf(a)));
      vars[a.slice(0, eq)] = iniValue(a.slice(eq + 1));
    }
    let expanded: ReturnType<typeof expandHostEntry>;
    try {
      expanded = expandHostEntry(entry);
    } catch (error) {
      return fail(error instanceof TackleError ? error.message : String(error));
    }
    for (const host of expanded.hosts) {
      let h: ReturnType<typeof data.addHost>;
      try {
        h = data.addHost(host, group, expanded.port, file);
      } catch (error) {
        return fail(error instanceof TackleError ? error.message : String(error));
      }
      Object.assign(h.vars, vars);
    }
  }
}
