/** The Quay and Clair stand-in programs (lab/standins/), bundled into one JS file each. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_DIR } from '../paths.ts';

interface StandinBundler {
  bundleStandins(outDir: string): Promise<{ quay: string; clair: string }>;
}

export async function buildStandins(outDir: string): Promise<{ quay: string; clair: string }> {
  const bundler = join(LAB_DIR, 'standins', 'bundle.ts');
  if (!existsSync(bundler)) throw new Error(`${bundler} is missing: the Quay and Clair stand-ins are not on this branch`);
  mkdirSync(outDir, { recursive: true });
  const mod = (await import(bundler)) as StandinBundler;
  return mod.bundleStandins(outDir);
}
