// Everything `tackle run` and `tackle validate` need beyond parsing their options. main.ts loads this
// module only once --help is ruled out, so `tackle --help` does not pay for the loader, the task
// schemas, ssh2 and listr2.
export { openConnection } from '../engine/connections/index.ts';
export { selectHosts } from '../engine/load/host-pattern.ts';
export { loadAll, playsMatchingNoHost } from '../engine/load/loader.ts';
export { ParamValidator } from '../engine/run/param-validator.ts';
export { buildJsonReport, writeJsonReport } from '../engine/report/json-report.ts';
export { PlainReporter } from '../engine/report/plain.ts';
export { ProgressReporter } from '../engine/report/progress.ts';
export { renderRecap } from '../engine/report/recap.ts';
export { runPlaybook } from '../engine/run/runner.ts';
export { maskByKey, SecretMasker } from '../engine/secrets.ts';
export { readVaultSecrets } from './vault.ts';
export { taskRegistry } from './task-registry.ts';
export { installInterruptHandler } from './interrupt.ts';
