import { InputError, ValidationFailed } from '../engine/errors.ts';
import { parseSlice } from '../engine/load/slice.ts';
import type { PlanOptions } from '../engine/plan/plan-file.ts';
import { SecretMasker } from '../engine/secrets.ts';
import type { CliIo } from './main.ts';
import type { Session } from './plan-options.ts';
import type { PlannedRun } from './plan-run.ts';
import { sliceLimit } from './run-options.ts';

export interface PlanLoadOptions {
  playbook: string;
  inventory: string[];
  extraVars: string[];
  options: PlanOptions;
  session: Session;
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
    vaultSecrets: await readVaultSecrets(o.session.vault),
  });
  if (o.inventory.length > 0 && !o.allowNoHosts) {
    const { playsMatchingNoHost } = await import('../engine/load/loader.ts');
    const empty = playsMatchingNoHost(loaded);
    if (empty.length > 0) throw new ValidationFailed(empty);
  }
  const startAtTask = o.options.startAtTask;
  if (startAtTask !== undefined && (await import('../engine/run/start-at-task.ts')).playStartingAt(loaded.playbook.plays, startAtTask) < 0) {
    throw new ValidationFailed([new InputError({ file: '--start-at-task', line: 1, col: 1 }, `no task of ${o.playbook} is named '${startAtTask}'`)]);
  }
  const masker = new SecretMasker([...loaded.secretValues, ...(o.session.becomePassword ? [o.session.becomePassword] : [])]);
  const slice = o.options.slice === undefined ? undefined : parseSlice(o.options.slice);
  return {
    loaded,
    limit: sliceLimit(loaded, slice, await resolveLimit(loaded, o.options.limit)),
    options: o.options,
    connectionDefaults: o.session.connectionDefaults,
    masker,
    out: (line) => void io.out.write(masker.mask(line) + '\n'),
  };
}
