import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AnyTaskDefinition } from '../../engine/task.ts';

/** Writes { 'relative/path': content } under a fresh temp directory; returns the directory. */
export function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tackle-loader-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

function fakeTask(name: string, schema: Record<string, unknown>): AnyTaskDefinition {
  return { name, summary: `fake ${name}`, schema, check: async () => ({ changed: false }), change: async () => {} };
}

/** Two task types with schemas, standing in for tasks/ in loader tests. */
export function fakeRegistry(): Map<string, AnyTaskDefinition> {
  return new Map([
    ['genCA', fakeTask('genCA', {
      type: 'object',
      properties: {
        cn: { type: 'string' },
        path: { type: 'string' },
        days: { type: 'integer', minimum: 1 },
        keyType: { enum: ['rsa', 'ecdsa'] },
        sans: { type: 'array', items: { type: 'string' } },
      },
      required: ['cn', 'path'],
      additionalProperties: false,
    })],
    ['writeFile', fakeTask('writeFile', {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' }, mode: { type: 'string', pattern: '^0[0-7]{3}$' } },
      required: ['path'],
      additionalProperties: false,
    })],
  ]);
}

/** genCA with the shape of the real task (dir + subject.CN), for the shared acceptance fixture. */
export function acceptanceRegistry(): Map<string, AnyTaskDefinition> {
  return new Map([
    ['genCA', fakeTask('genCA', {
      type: 'object',
      properties: {
        dir: { type: 'string', minLength: 1 },
        subject: { type: 'object', properties: { CN: { type: 'string' } }, required: ['CN'], additionalProperties: false },
        days: { type: 'integer', minimum: 1 },
      },
      required: ['dir', 'subject'],
      additionalProperties: false,
    })],
  ]);
}
