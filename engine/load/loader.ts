import { dirname } from 'node:path';
import { InputError, ValidationFailed } from '../errors.ts';
import { parseExtraVars } from './extra-vars.ts';
import { loadInventory, localInventory } from './inventory.ts';
import { loadPlaybookFile } from './plays.ts';
import type { Inventory, Play, Playbook } from '../model.ts';
import { hasTemplate, renderValue } from '../template/template.ts';
import { VarScope } from '../template/vars.ts';
import { hostPatternProblem, selectHosts } from './host-pattern.ts';
import { SecretMasker } from '../secrets.ts';
import { LoadChecks } from './template-checks.ts';
import type { AnyTaskDefinition } from '../task.ts';
import type { VaultSecret } from './vault.ts';

export interface LoadOptions {
  playbookFile: string;
  /** -i values (files, directories, "h1,h2," lists), merged in order. Absent or empty: just "localhost" (ansible_connection local). */
  inventoryFile?: string | string[];
  /** Raw -e values: "k=v k2=v2", "@file.yml" (YAML or JSON) or an inline "{map}". */
  extraVars: string[];
  registry: Map<string, AnyTaskDefinition>;
  /** Opens Ansible Vault files (whole-file or inline `!vault`) in vars files, inventory and -e @file. */
  vaultSecrets?: readonly VaultSecret[];
}

export interface Loaded {
  playbook: Playbook;
  inventory: Inventory;
  extraVars: Record<string, unknown>;
  /** vars_files of each play, loaded (path relative to the playbook's directory). */
  playVarsFiles: Map<Play, Record<string, unknown>>;
  /**
   * Values marked secret in any input: `!secret` and `!vault` values, and every value of a
   * vault-encrypted vars file or of a vars file named secrets.yml. The output masker learns them first.
   */
  secretValues: string[];
}

/**
 * Reads and validates everything before any host is contacted. Throws ValidationFailed with
 * every problem found in every file, each as FILE:LINE:COL: message.
 */
export async function loadAll(opts: LoadOptions): Promise<Loaded> {
  const problems: InputError[] = [];
  const secrets = new Set<string>();
  const read = { vaultSecrets: opts.vaultSecrets, secrets };
  const extraVars = parseExtraVars(opts.extraVars, problems, process.cwd(), read);
  const checks = new LoadChecks(problems);
  const { plays, varsFiles } = loadPlaybookFile(opts.playbookFile, {
    registry: opts.registry,
    extraVars,
    problems,
    stack: [],
    read,
    checks,
  });
  const sources = typeof opts.inventoryFile === 'string' ? [opts.inventoryFile] : (opts.inventoryFile ?? []);
  const inventory = sources.length > 0 ? loadInventory(sources, problems, { ...read, playbookDir: dirname(opts.playbookFile) }) : localInventory();
  const inventoryNames = new Set(Object.keys(extraVars));
  for (const host of inventory.hosts.values()) for (const name of Object.keys(host.vars)) inventoryNames.add(name);
  checks.reportUndefined(inventoryNames, plays.some((p) => p.gatherFacts !== false));
  if (problems.length === 0) resolvePlayHosts(plays, inventory, extraVars, problems);
  if (problems.length > 0) {
    // A problem may quote a value ("expected a number, got ..."): secrets stay hidden there too.
    const masker = new SecretMasker(secrets);
    throw new ValidationFailed(sortProblems(problems.map((p) => new InputError(p.pos, masker.mask(p.detail)))));
  }
  return { playbook: { file: opts.playbookFile, plays }, inventory, extraVars, playVarsFiles: varsFiles, secretValues: [...secrets] };
}

/**
 * Templated `hosts:` are rendered with the play's vars and -e; `localhost` is there even when the
 * inventory lacks it (over the local connection, outside `all`, as in Ansible).
 */
function resolvePlayHosts(plays: Play[], inventory: Inventory, extraVars: Record<string, unknown>, problems: InputError[]): void {
  for (const play of plays) {
    if (hasTemplate(play.hosts)) {
      try {
        const scope = VarScope.fromLayers([{ vars: play.defaults }, { vars: play.vars }, { vars: extraVars }]);
        play.hosts = toList(renderValue(play.hosts, scope)).join(',');
      } catch (error) {
        problems.push(new InputError(play.pos, `hosts '${play.hosts}': ${(error as Error).message}`));
        continue;
      }
      const bad = hostPatternProblem(play.hosts);
      if (bad) {
        problems.push(new InputError(play.pos, bad));
        continue;
      }
    }
    if (/(^|[:,&!])\s*(localhost|127\.0\.0\.1)\s*($|[:,])/.test(play.hosts)) {
      for (const name of ['localhost', '127.0.0.1']) {
        if (play.hosts.includes(name) && !inventory.hosts.has(name)) inventory.hosts.set(name, { name, vars: { ansible_connection: 'local' }, groups: ['all'] });
      }
    }
  }
}

/** Plays whose pattern matches no host of the inventory: Ansible only warns, tackle refuses unless told (--allow-no-hosts). */
export function playsMatchingNoHost(loaded: Loaded): InputError[] {
  return loaded.playbook.plays
    .filter((play) => selectHosts(loaded.inventory, play.hosts).length === 0)
    .map((play) => new InputError(play.pos, `play '${play.name}': hosts pattern '${play.hosts}' matches no host of the inventory (${loaded.inventory.file}); pass --allow-no-hosts to skip such plays`));
}

function toList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** Files in the order they were first mentioned; within a file, by position. */
export function sortProblems(problems: InputError[]): InputError[] {
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.pos.file)) fileOrder.set(p.pos.file, fileOrder.size);
  const unique = [...new Map(problems.map((p) => [p.message, p])).values()];
  return unique.sort(
    (a, b) => fileOrder.get(a.pos.file)! - fileOrder.get(b.pos.file)! || a.pos.line - b.pos.line || a.pos.col - b.pos.col,
  );
}
