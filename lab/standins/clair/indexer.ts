/**
 * The indexer API Quay calls: POST a manifest, Clair fetches every layer from the URI Quay gave
 * (over HTTPS, trusting the system store only) and checks its digest. The report says
 * IndexFinished, or IndexError with the fetch error.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { errorText } from '../shared/log.ts';
import { systemTrustStore } from '../shared/trust-store.ts';

export interface Layer {
  hash: string;
  uri: string;
  headers?: Record<string, string[]>;
}

export interface IndexReport {
  manifest_hash: string;
  state: 'IndexFinished' | 'IndexError';
  packages: Record<string, never>;
  distributions: Record<string, never>;
  repository: Record<string, never>;
  environments: Record<string, never>;
  success: boolean;
  err: string;
}

export async function indexManifest(manifest: { hash: string; layers: Layer[] }): Promise<IndexReport> {
  const report: IndexReport = { manifest_hash: manifest.hash, state: 'IndexFinished', packages: {}, distributions: {}, repository: {}, environments: {}, success: true, err: '' };
  for (const layer of manifest.layers) {
    const problem = await fetchLayer(layer);
    if (problem) return { ...report, state: 'IndexError', success: false, err: `fetcher: layer ${layer.hash} from ${layer.uri}: ${problem}` };
  }
  return report;
}

function fetchLayer(layer: Layer): Promise<string | null> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(layer.uri);
    } catch {
      return resolve('invalid URI');
    }
    const headers: Record<string, string> = {};
    for (const [name, values] of Object.entries(layer.headers ?? {})) headers[name] = values.join(', ');
    const options = { headers, timeout: 10_000 };
    const onResponse = (res: http.IncomingMessage) => {
      const hash = createHash('sha256');
      res.on('data', (c: Buffer) => hash.update(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(`unexpected status ${res.statusCode}`);
        const digest = `sha256:${hash.digest('hex')}`;
        resolve(digest === layer.hash ? null : `digest mismatch: got ${digest}`);
      });
      res.on('error', (error) => resolve(errorText(error)));
    };
    const req = url.protocol === 'https:' ? https.get(url, { ...options, ca: systemTrustStore() }, onResponse) : http.get(url, options, onResponse);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(errorText(error)));
  });
}
