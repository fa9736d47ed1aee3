/**
 * Quay 3.7's config.yaml as Quay reads it at boot: its own JSON schema (types, enums, required
 * keys), then the checks its config validator adds on top (integer Redis ports, a postgresql
 * DB_URI, scanner settings that fit together).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';

/** Quay's schema file, put into the bundle by bundle.ts. */
declare const TACKLE_QUAY_CONFIG_SCHEMA: string;

export interface RedisSettings {
  host: string;
  port?: number;
  password?: string;
}

export interface LocalStorage {
  id: string;
  path: string;
}

export interface QuayConfig {
  SERVER_HOSTNAME: string;
  DB_URI: string;
  BUILDLOGS_REDIS: RedisSettings;
  USER_EVENTS_REDIS: RedisSettings;
  DISTRIBUTED_STORAGE_CONFIG: Record<string, [string, Record<string, unknown>]>;
  FEATURE_SECURITY_SCANNER?: boolean;
  SECURITY_SCANNER_V4_ENDPOINT?: string;
  SECURITY_SCANNER_V4_PSK?: string;
  FEATURE_MAILING?: boolean;
  FEATURE_USER_INITIALIZE?: boolean;
  FEATURE_ANONYMOUS_ACCESS?: boolean;
  REPO_MIRROR_TLS_VERIFY?: boolean;
  [key: string]: unknown;
}

export function quaySchema(): object {
  if (typeof TACKLE_QUAY_CONFIG_SCHEMA !== 'string') throw new Error('Quay config schema missing: run the bundle built by lab/standins/bundle.ts');
  return parseQuaySchema(TACKLE_QUAY_CONFIG_SCHEMA);
}

/** The text of Quay's schema file (quay-3.7.0-config-schema.json) as a JSON Schema. */
export function parseQuaySchema(text: string): object {
  return withJsonSchemaTypes((JSON.parse(text) as { schema: object }).schema) as object;
}

/** Quay's schema spells one type "int" (DEFAULT_SYSTEM_REJECT_QUOTA_BYTES); JSON Schema calls it "integer". */
function withJsonSchemaTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withJsonSchemaTypes);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'type' && v === 'int' ? 'integer' : withJsonSchemaTypes(v);
  return out;
}

/** The config, or every reason Quay would refuse it. */
export function loadQuayConfig(file: string, schema: object = quaySchema()): { config: QuayConfig } | { errors: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { errors: [`cannot read ${file}: ${(error as Error).message}`] };
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    return { errors: [`${file} is not valid YAML: ${(error as Error).message}`] };
  }
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
  const validate = ajv.compile(schema);
  if (!validate(data)) return { errors: (validate.errors ?? []).map(describe) };
  const config = data as QuayConfig;
  const errors = extraChecks(config);
  return errors.length ? { errors } : { config };
}

function describe(e: ErrorObject): string {
  const where = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'config.yaml';
  if (e.keyword === 'required') return `${where === 'config.yaml' ? '' : `${where}: `}required key ${String((e.params as { missingProperty: string }).missingProperty)} is missing`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

function extraChecks(c: QuayConfig): string[] {
  const errors: string[] = [];
  for (const key of ['BUILDLOGS_REDIS', 'USER_EVENTS_REDIS'] as const) {
    const port = c[key].port;
    if (port !== undefined && !Number.isInteger(port)) errors.push(`${key}.port must be of type int`);
  }
  if (!/^postgresql(\+[a-z0-9]+)?:\/\/[^/]+\/[^/]+$/.test(c.DB_URI)) errors.push('DB_URI must be a postgresql:// URL with a database name');
  if (localStorages(c).length === 0) errors.push('DISTRIBUTED_STORAGE_CONFIG has no LocalStorage with a storage_path');
  if (c.FEATURE_SECURITY_SCANNER) {
    if (!c.SECURITY_SCANNER_V4_ENDPOINT || !/^https?:\/\//.test(c.SECURITY_SCANNER_V4_ENDPOINT)) errors.push('SECURITY_SCANNER_V4_ENDPOINT must be an http(s) URL when FEATURE_SECURITY_SCANNER is on');
    if (!c.SECURITY_SCANNER_V4_PSK || Buffer.from(c.SECURITY_SCANNER_V4_PSK, 'base64').length === 0) errors.push('SECURITY_SCANNER_V4_PSK must be a base64 key when FEATURE_SECURITY_SCANNER is on');
  }
  return errors;
}

export function localStorages(c: QuayConfig): LocalStorage[] {
  const found: LocalStorage[] = [];
  for (const [id, entry] of Object.entries(c.DISTRIBUTED_STORAGE_CONFIG)) {
    if (!Array.isArray(entry) || entry[0] !== 'LocalStorage') continue;
    const path = entry[1]?.storage_path;
    if (typeof path === 'string' && path) found.push({ id, path });
  }
  return found;
}
