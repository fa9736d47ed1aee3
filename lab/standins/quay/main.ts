/**
 * A stand-in for the quay image (v3.7) holding its contract: run as uid 1001 with the config in
 * $QUAYCONF/stack (default /conf/stack); the first argument picks the entry mode.
 */
import { join } from 'node:path';
import { errorText, log, refuse } from '../shared/log.ts';
import { loadQuayConfig } from './config.ts';
import { runConfigTool } from './config-tool.ts';
import { runRegistry } from './registry.ts';
import { runRepoMirror } from './repomirror.ts';

const MODES = ['registry', 'repomirror', 'config'] as const;

function main(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
  const mode = process.argv[2] ?? 'registry';
  if (!(MODES as readonly string[]).includes(mode)) refuse('quay', `unknown mode ${mode}: one of ${MODES.join(', ')}`);
  const stackDir = join(process.env.QUAYCONF ?? '/conf', 'stack');
  const file = join(stackDir, 'config.yaml');
  const ports = { http: Number(process.env.TACKLE_STANDIN_HTTP_PORT ?? 8080), https: Number(process.env.TACKLE_STANDIN_HTTPS_PORT ?? 8443) };
  log('quay', `mode ${mode}, uid ${process.getuid?.() ?? '?'}, config ${file}`);
  if (mode === 'config') {
    runConfigTool(file, ports.http).catch((error) => refuse('config', errorText(error)));
    return;
  }
  const loaded = loadQuayConfig(file);
  if ('errors' in loaded) refuse(mode, `invalid ${file}:\n  ${loaded.errors.join('\n  ')}`);
  const run = mode === 'registry' ? runRegistry(loaded.config, stackDir, ports) : runRepoMirror(loaded.config, stackDir);
  run.catch((error) => refuse(mode, errorText(error)));
}

main();
