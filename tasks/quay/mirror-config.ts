/**
 * Quay's repository mirror configuration (GET/POST/PUT /api/v1/repository/NS/REPO/mirror):
 * the desired body from task parameters, and the partial PUT body for what differs.
 */
import { isPlainObject } from '../../engine/values.ts';

export interface MirrorSettings {
  enabled: boolean;
  externalReference: string;
  username?: string;
  password?: string;
  /** Send the password even when nothing else about the credentials changed. */
  updatePassword: boolean;
  syncInterval: number;
  syncStartDate: string;
  robotUsername: string;
  tags: string[];
  verifyTls: boolean;
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

export type MirrorBody = Record<string, unknown>;

const PROXY_KEYS = [
  ['http_proxy', 'httpProxy'],
  ['https_proxy', 'httpsProxy'],
  ['no_proxy', 'noProxy'],
] as const;

/** The full body for POST (create). */
export function createBody(s: MirrorSettings): MirrorBody {
  return {
    is_enabled: s.enabled,
    external_reference: s.externalReference,
    external_registry_username: s.username ?? null,
    external_registry_password: s.username ? (s.password ?? null) : null,
    sync_interval: s.syncInterval,
    sync_start_date: s.syncStartDate,
    robot_username: s.robotUsername,
    root_rule: { rule_kind: 'tag_glob_csv', rule_value: s.tags },
    external_registry_config: {
      verify_tls: s.verifyTls,
      proxy: Object.fromEntries(PROXY_KEYS.map(([api, param]) => [api, s[param] ?? null])),
    },
  };
}

/** The fields of Quay's mirror config that diffMirror compares (what a check's fingerprint covers). */
export const MANAGED_MIRROR_FIELDS = ['is_enabled', 'external_reference', 'robot_username', 'sync_interval', 'root_rule', 'external_registry_username', 'external_registry_config'] as const;

export interface MirrorDiff {
  /** Only the keys that differ; empty when in sync. */
  body: MirrorBody;
  reasons: string[];
}

/**
 * Compares Quay's current config with the settings. sync_start_date is not compared: Quay's
 * worker moves it forward after every sync. The password cannot be compared (Quay never
 * returns it), so it is sent with a username change or when updatePassword is set.
 */
export function diffMirror(current: MirrorBody, s: MirrorSettings): MirrorDiff {
  const body: MirrorBody = {};
  const reasons: string[] = [];
  const scalar = (key: string, want: unknown) => {
    if (current[key] !== want) {
      body[key] = want;
      reasons.push(`${key} ${show(current[key])} -> ${show(want)}`);
    }
  };
  scalar('is_enabled', s.enabled);
  scalar('external_reference', s.externalReference);
  scalar('robot_username', s.robotUsername);
  scalar('sync_interval', s.syncInterval);

  const rule = isPlainObject(current.root_rule) ? current.root_rule : {};
  const currentTags = Array.isArray(rule.rule_value) ? rule.rule_value : [];
  if (rule.rule_kind !== 'tag_glob_csv' || !sameList(currentTags, s.tags)) {
    body.root_rule = { rule_kind: 'tag_glob_csv', rule_value: s.tags };
    reasons.push(`tags [${currentTags.join(', ')}] -> [${s.tags.join(', ')}]`);
  }

  const currentUser = blankToNull(current.external_registry_username);
  const wantUser = s.username ?? null;
  if (currentUser !== wantUser || (s.updatePassword && wantUser !== null && s.password !== undefined)) {
    body.external_registry_username = wantUser;
    if (wantUser === null || s.password !== undefined) body.external_registry_password = wantUser ? s.password : null;
    reasons.push(currentUser !== wantUser ? `external_registry_username ${show(currentUser)} -> ${show(wantUser)}` : 'password resent (updatePassword)');
  }

  const config = isPlainObject(current.external_registry_config) ? current.external_registry_config : {};
  const configBody: MirrorBody = {};
  // Quay's worker treats a missing verify_tls as true.
  const currentVerify = config.verify_tls ?? true;
  if (currentVerify !== s.verifyTls) {
    configBody.verify_tls = s.verifyTls;
    reasons.push(`verify_tls ${show(currentVerify)} -> ${show(s.verifyTls)}`);
  }
  const proxy = isPlainObject(config.proxy) ? config.proxy : {};
  const proxyBody: MirrorBody = {};
  for (const [api, param] of PROXY_KEYS) {
    const want = s[param] ?? null;
    const have = blankToNull(proxy[api]);
    if (have !== want) {
      proxyBody[api] = want;
      reasons.push(`${api} ${show(have)} -> ${show(want)}`);
    }
  }
  if (Object.keys(proxyBody).length) configBody.proxy = proxyBody;
  if (Object.keys(configBody).length) body.external_registry_config = configBody;
  return { body, reasons };
}

function blankToNull(v: unknown): unknown {
  return v === undefined || v === '' ? null : v;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function show(v: unknown): string {
  return v === null || v === undefined ? '(none)' : JSON.stringify(v);
}
