import { dirname } from 'node:path';
import { InputError, ValidationFailed } from '../errors.ts';
import { parseExtraVars } from './extra-vars.ts';
import { loadInventory, localInventory } from './inventory.ts';
import { loadPlaybookFile } from './plays.ts';
import type { Inventory, Play, Playbook } from '../model.ts';
import { SecretMasker } from '../secrets.ts';
import type { AnyTaskDefinition } from '../task.ts';

export interface LoadOptions {
  playbookFile: string;
  /** -i values (files, directories, "h1,h2," lists), merged in order. Absent or empty: just "localhost" (ansible_connection local). */
  inventoryFile?: string | string[];
  /** Raw -e values: "k=v k2=v2", "@file.yml" (YAML or JSON) or an inline "{map}". */
  extraVars: string[];
  registry: Map<string, AnyTaskDefinition>;
  /** Opens Ansible Vault files (whole-file or inline `!vault`) in vars files, inventory and -e @file. */
  vaultPassword?: string;
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
  const read = { vaultPassword: opts.vaultPassword, secrets };
  const extraVars = parseExtraVars(opts.extraVars, problems, process.cwd(), read);
  const { plays, varsFiles } = loadPlaybookFile(opts.playbookFile, {
    registry: opts.registry,
    extraVars,
    problems,
    stack: [],
    read,
  });
  const sources = typeof opts.inventoryFile === 'string' ? [opts.inventoryFile] : (opts.inventoryFile ?? []);
  const inventory = sources.length > 0 ? loadInventory(sources, problems, { ...read, playbookDir: dirname(opts.playbookFile) }) : localInventory();
  if (problems.length > 0) {
    // A problem may quote a value ("expected a number, got ..."): secrets stay hidden there too.
    const masker = new SecretMasker(secrets);
    throw new ValidationFailed(sortProblems(problems.map((p) => new InputError(p.pos, masker.mask(p.detail)))));
  }
  return { playbook: { file: opts.playbookFile, plays }, inventory, extraVars, playVarsFiles: varsFiles, secretValues: [...secrets] };
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
