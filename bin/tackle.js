#!/usr/bin/env node
// Runs the compiled, bundled CLI in dist/bundle/ (built by `npm run build`, which `npm ci` runs through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/bundle/entry.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'tackle: the compiled program (dist/) is missing. Run `npm ci` (or `npm run build`) in the tackle checkout,\n' +
      'or run from source: node --import tsx cli/entry.ts ...\n',
  );
  process.exit(1);
}
await import(entry.href);
