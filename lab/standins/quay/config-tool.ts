/** The `config` entry mode, minimally: validate config.yaml, report, and serve the report on 8080. */
import http from 'node:http';
import { log } from '../shared/log.ts';
import { loadQuayConfig } from './config.ts';

export async function runConfigTool(file: string, port: number): Promise<void> {
  const loaded = loadQuayConfig(file);
  const report = 'errors' in loaded ? { valid: false, errors: loaded.errors } : { valid: true, errors: [] };
  log('config', report.valid ? `${file} is valid` : `${file} is invalid:\n  ${report.errors.join('\n  ')}`);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(report));
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
}
