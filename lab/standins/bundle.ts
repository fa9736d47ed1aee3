/**
 * Bundles the Quay and Clair stand-ins into one self-contained JavaScript file each, for an
 * image that has nothing but Debian's nodejs (bookworm: Node 18). Quay's own config schema is
 * built into the Quay bundle.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');
/** CI lays the shared data beside the clone. */
export const QUAY_SCHEMA_FILE = resolve(REPO_ROOT, '..', 'shared', 'data', 'quay-3.7.0-config-schema.json');

export async function bundleStandins(outDir: string): Promise<{ quay: string; clair: string }> {
  if (!existsSync(QUAY_SCHEMA_FILE)) {
    throw new Error(`Quay's config schema is missing: expected ${QUAY_SCHEMA_FILE} (shared/data/quay-3.7.0-config-schema.json beside the repository)`);
  }
  mkdirSync(outDir, { recursive: true });
  const schema = readFileSync(QUAY_SCHEMA_FILE, 'utf8');
  const out = { quay: join(outDir, 'quay.js'), clair: join(outDir, 'clair.js') };
  const common = {
    bundle: true,
    platform: 'node' as const,
    target: 'node18',
    // CommonJS: the bundled libraries (pg) require() node's built-ins, which an ESM bundle cannot.
    format: 'cjs' as const,
    // pg loads its optional native binding only when asked to; we never ask.
    external: ['pg-native'],
    logLevel: 'warning' as const,
    legalComments: 'none' as const,
  };
  await Promise.all([
    build({ ...common, entryPoints: [join(HERE, 'quay', 'main.ts')], outfile: out.quay, define: { TACKLE_QUAY_CONFIG_SCHEMA: JSON.stringify(schema) } }),
    build({ ...common, entryPoints: [join(HERE, 'clair', 'main.ts')], outfile: out.clair }),
  ]);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? join(REPO_ROOT, 'lab', '.build', 'standins');
  bundleStandins(outDir).then((out) => console.log(`${out.quay}\n${out.clair}`));
}
