import { ValidationFailed } from '../engine/errors.ts';
import type { PlanOptions } from '../engine/plan/plan-file.ts';
import { SecretMasker } from '../engine/secrets.ts';
import type { CliIo } from './main.ts';
import type { PlannedRun } from './plan-run.ts';

export interface PlanLoadOptions extends PlanOptions {
  playbook: string;
  inventory: string[];
  extraVars: string[];
  /** --vault-password-file and --vault-id values, as tackle run takes them. */
  vault: { files: string[]; ids: string[] };
  allowNoHosts: boolean;
}

/** Loads and validates as `tackle run` does, before any host is contacted. */
export async function loadForPlan(o: PlanLoadOptions, io: CliIo): Promise<PlannedRun> {
  const { loadAll, readVaultSecrets, taskRegistry } = await import('./run-deps.ts');
  const { resolveLimit } = await import('./main.ts');
  const loaded = await loadAll({
    playbookFile: o.playbook,
    inventoryFile: o.inventory,
    extraVars: o.extraVars,
    registry: taskRegistry(),
    vaultSecrets: await readVaultSecrets(o.vault),
  });
  if (o.inventory.length > 0 && !o.allowNoHosts) {
    const { playsMatchingNoHost } = await import('../engine/load/loader.ts');
    const empty = playsMatchingNoHost(loaded);
    if (empty.length > 0) throw new ValidationFailed(empty);
  }
  const masker = new SecretMasker(loaded.secretValues);
  return {
    loaded,
    limit: await resolveLimit(loaded, o.limit),
    tags: o.tags,
    skipTags: o.skipTags,
    forks: o.forks,
    masker,
    out: (line) => void io.out.write(masker.mask(line) + '\n'),
  };
}
