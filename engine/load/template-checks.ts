import { readFileSync } from 'node:fs';
import { InputError, type SourcePos } from '../errors.ts';
import { FACT_VARIABLE_NAMES } from '../run/facts-script.ts';
import { variableUses } from '../template/free-variables.ts';
import { positionOf } from '../template/document.ts';
import { searchFile } from '../template/globals.ts';
import { checkTemplate } from '../template/static-check.ts';
import { hasTemplate } from '../template/template.ts';
import { MAGIC_VARIABLE_NAMES, VarScope } from '../template/vars.ts';
import { isPlainObject } from '../values.ts';
import { suggestion } from './playbook-schema.ts';
import type { PathSegment, YamlSource } from './yaml-source.ts';

/** Keys whose strings are bare expressions (no `{{ }}` needed). */
const CONDITION_KEYS = new Set(['when', 'until', 'changed_when', 'failed_when']);

/** Set by the runner where it applies: in a rescue, in a loop, in a role's tasks. */
const RUNTIME_VARIABLES = ['ansible_failed_task', 'ansible_failed_result', 'ansible_loop_var', 'role_name', 'role_path'];

interface Use {
  pos: SourcePos;
  name: string;
  /** Loop variables of the task (and of an include it came from). */
  locals: ReadonlySet<string>;
  /** Variables the same task tests with `is defined` or reads through `default`. */
  guarded: ReadonlySet<string>;
  /** Set when the template is the value of a variable: it matters only once that variable is read. */
  owner?: string;
}

export interface ScanOptions {
  /** Top-level keys of the value not to read (task lists inside a play or block). */
  skip?: readonly string[];
  /** Top-level `when`, `until`, `changed_when`, `failed_when` are bare expressions (tasks, blocks). */
  conditions?: boolean;
  /** Conditions inherited from around the unit: their guards count for it. */
  inheritedWhen?: readonly string[];
  locals?: readonly string[];
  /** The uses belong to the value of this variable (vars are templated lazily, when read). */
  owner?: string;
}

/**
 * The template checks of one load: each unit's templates are checked for syntax and for known
 * filters, tests and lookups as it is read; the variables they read are kept until every source
 * of variables (plays, roles, registers, inventory, -e) is known, then those none defines are reported.
 */
export class LoadChecks {
  /** Names some play, vars file, role, block, include, task `vars` or `register` defines. */
  readonly defined = new Set<string>();
  private readonly uses: Use[] = [];

  constructor(private readonly problems: InputError[]) {}

  define(names: Iterable<string>): void {
    for (const n of names) this.defined.add(n);
  }

  /** The keys of a map (vars of any kind) are defined; a non-map defines nothing. */
  defineKeys(value: unknown): void {
    if (isPlainObject(value)) this.define(Object.keys(value));
  }

  /**
   * A map of variables (play or task vars, a vars file): each is defined, and what its value reads
   * counts only if something reads it (as Ansible, which templates a variable when it is used).
   */
  scanVars(src: YamlSource, path: readonly PathSegment[], vars: unknown, opts: ScanOptions = {}): void {
    if (!isPlainObject(vars)) return;
    this.define(Object.keys(vars));
    for (const [name, value] of Object.entries(vars)) this.scan(src, [...path, name], value, { ...opts, owner: name });
  }

  /** One unit: a task, a block's or include's own keys, a play's keys. */
  scan(src: YamlSource, path: readonly PathSegment[], value: unknown, opts: ScanOptions = {}): void {
    const strings: { at: PathSegment[]; text: string; condition: boolean; named: boolean }[] = [];
    const walk = (v: unknown, at: PathSegment[], condition: boolean, named: boolean): void => {
      if (typeof v === 'string') strings.push({ at, text: v, condition, named });
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i], condition, named));
      else if (isPlainObject(v)) {
        for (const [k, x] of Object.entries(v)) {
          const top = at.length === path.length;
          if (top && opts.skip?.includes(k)) continue;
          walk(x, [...at, k], condition || (top && !!opts.conditions && CONDITION_KEYS.has(k)), named || (top && k === 'name'));
        }
      }
    };
    walk(value, [...path], false, false);

    const guarded = new Set<string>();
    for (const c of opts.inheritedWhen ?? []) variableUses(c, true).guarded.forEach((g) => guarded.add(g));
    const found: { pos: SourcePos; names: string[] }[] = [];
    for (const s of strings) {
      const pos = src.posOf(s.at);
      for (const message of checkTemplate(s.text, s.condition)) this.problems.push(new InputError(pos, message));
      const uses = variableUses(s.text, s.condition);
      uses.guarded.forEach((g) => guarded.add(g));
      // Ansible renders a task's name leniently: an undefined variable there is shown, not an error.
      if (!s.named) found.push({ pos, names: [...uses.free.keys()] });
    }
    const locals = new Set(opts.locals ?? []);
    for (const f of found) for (const name of f.names) this.uses.push({ pos: f.pos, name, locals, guarded, ...(opts.owner ? { owner: opts.owner } : {}) });
  }

  /**
   * A template file on the controller (a `template` task's `src`), found as the run will find it:
   * templates/ of the role, then of the playbook. Problems are reported inside the file, by line.
   */
  scanTemplateFile(src: YamlSource, at: readonly PathSegment[], name: string, dirs: { rolePath?: string; playbookDir: string }, opts: ScanOptions): void {
    if (hasTemplate(name)) return;
    const scope = VarScope.fromLayers([{ vars: { playbook_dir: dirs.playbookDir, ...(dirs.rolePath ? { role_path: dirs.rolePath } : {}) } }]);
    const file = searchFile(name, 'templates', scope);
    if (!file) {
      this.problems.push(src.error(at, `template '${name}' not found in templates/ of the role or the playbook`));
      return;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      this.problems.push(src.error(at, `template ${file}: ${(error as Error).message}`));
      return;
    }
    for (const message of checkTemplate(text)) {
      const at = positionOf(message);
      this.problems.push(new InputError({ file, line: at?.line ?? 1, col: at?.col ?? 1 }, at?.detail ?? message));
    }
    const guarded = new Set<string>();
    for (const c of opts.inheritedWhen ?? []) variableUses(c, true).guarded.forEach((g) => guarded.add(g));
    const uses = variableUses(text);
    uses.guarded.forEach((g) => guarded.add(g));
    const locals = new Set(opts.locals ?? []);
    for (const [name, line] of uses.free) this.uses.push({ pos: { file, line, col: 1 }, name, locals, guarded });
  }

  /** Names read by tasks, plays and templates, and by the values of variables so read, transitively. */
  private variablesRead(): Set<string> {
    const read = new Set(this.uses.filter((u) => u.owner === undefined).map((u) => u.name));
    const byOwner = new Map<string, string[]>();
    for (const u of this.uses) if (u.owner !== undefined) byOwner.set(u.owner, [...(byOwner.get(u.owner) ?? []), u.name]);
    const queue = [...read];
    while (queue.length > 0) {
      for (const next of byOwner.get(queue.pop()!) ?? []) {
        if (!read.has(next)) {
          read.add(next);
          queue.push(next);
        }
      }
    }
    return read;
  }

  /** Reports every variable read that no source defines, given what the inventory and -e define. */
  reportUndefined(alsoDefined: Iterable<string>, gathersFacts: boolean): void {
    const known = new Set([...this.defined, ...alsoDefined, ...MAGIC_VARIABLE_NAMES, ...RUNTIME_VARIABLES, ...(gathersFacts ? FACT_VARIABLE_NAMES : [])]);
    const read = this.variablesRead();
    // Suggestions are edit distances to every candidate: a huge inventory's names are left out of them.
    const candidates = known.size <= 5000 ? [...known] : [...this.defined, ...MAGIC_VARIABLE_NAMES, ...RUNTIME_VARIABLES, ...(gathersFacts ? FACT_VARIABLE_NAMES : [])];
    for (const u of this.uses) {
      if ((u.owner !== undefined && !read.has(u.owner)) || known.has(u.name) || u.locals.has(u.name) || u.guarded.has(u.name)) continue;
      const hint = !gathersFacts && FACT_VARIABLE_NAMES.includes(u.name) ? ' (a fact, but every play has gather_facts: false)' : suggestion(u.name, [...candidates, ...u.locals]);
      this.problems.push(
        new InputError(u.pos, `variable '${u.name}' is not defined: no inventory, play, role, vars file, register, loop, fact or -e defines it${hint}`),
      );
    }
  }
}
