import { TaskError } from '../../engine/errors.ts';
import { defineTask } from '../../engine/task.ts';
import { QuayClient, quayEndpointProperties, seg, type QuayEndpoint } from './client.ts';
import { isPlainObject } from '../../engine/values.ts';
import { valueDigest } from '../shared/fingerprint.ts';

type Severity = 'normal' | 'info' | 'warning' | 'error';
type MediaType = 'text/markdown' | 'text/plain';

interface QuayMessageParams extends QuayEndpoint {
  token: string;
  content: string;
  severity: Severity;
  mediaType: MediaType;
  state: 'present' | 'absent';
}

interface GlobalMessage {
  uuid: string;
  content: string;
  severity: string;
  media_type: string;
}

interface MessagePlan {
  /** Messages with this content to delete (duplicates, other severity, or state absent). */
  remove: GlobalMessage[];
  create: boolean;
}

/** The superuser panel calls the lowest severity "Normal"; Quay's API calls it "info". */
function apiSeverity(severity: Severity): string {
  return severity === 'normal' ? 'info' : severity;
}

export default defineTask<QuayMessageParams, MessagePlan>({
  name: 'quayMessage',
  summary: "Ensures a globally visible user message (superuser panel) exists, or is gone, through Quay's API.",
  runsOn: () => 'controller',
  secretParams: ['token'],
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'token', 'content'],
    properties: {
      ...quayEndpointProperties,
      token: {
        type: 'string',
        minLength: 1,
        description: "OAuth access token of a superuser (scope super:user), e.g. quayUser's registered token. Secret.",
      },
      content: {
        type: 'string',
        minLength: 1,
        description: 'The message text. It identifies the message: one with the same content is the same message.',
      },
      severity: {
        enum: ['normal', 'info', 'warning', 'error'],
        default: 'normal',
        description: 'Normal (Quay\'s API calls it "info"), warning or error. A message with the same content but another severity is replaced.',
      },
      mediaType: {
        enum: ['text/markdown', 'text/plain'],
        default: 'text/markdown',
        description: 'How Quay renders the content. A different media type also replaces the message.',
      },
      state: {
        enum: ['present', 'absent'],
        default: 'present',
        description: 'present: exactly one message with this content, severity and media type; absent: no message with this content.',
      },
    },
  },

  async check(ctx) {
    const p = ctx.params;
    const client = await QuayClient.create(p, p.token);
    const res = await client.expect({ method: 'GET', path: '/api/v1/messages' }, [200]);
    const all = parseMessages(res.body, client.baseUrl);
    const same = all.filter((m) => m.content === p.content);
    // The messages with this content, by id: a replaced one is another message than the plan would delete.
    const fingerprint = { 'messages with this content': valueDigest(same) };
    const severity = apiSeverity(p.severity);
    const mediaType = p.mediaType;

    if (p.state === 'absent') {
      const plan: MessagePlan = { remove: same, create: false };
      return { changed: same.length > 0, reasons: same.length ? ['message present: delete'] : [], state: plan, fingerprint };
    }
    const [keep, ...duplicates] = same.filter((m) => m.severity === severity && m.media_type === mediaType);
    const stale = same.filter((m) => m !== keep && !duplicates.includes(m));
    const reasons = [
      ...(keep ? [] : [stale.length ? `message has ${describe(stale[0]!)}, want severity ${severity}, ${mediaType}: replace` : 'message missing: create']),
      ...(duplicates.length ? [`${duplicates.length} duplicate(s): delete`] : []),
    ];
    const plan: MessagePlan = { remove: [...stale, ...duplicates], create: !keep };
    return { changed: reasons.length > 0, reasons, state: plan, fingerprint };
  },

  async change(ctx, result) {
    const p = ctx.params;
    const plan = result.state;
    const client = await QuayClient.create(p, p.token);
    // Create first, so a failure never leaves the registry without the message it had.
    if (plan.create) {
      const message = { content: p.content, media_type: p.mediaType, severity: apiSeverity(p.severity) };
      await client.expect({ method: 'POST', path: '/api/v1/messages', body: { message } }, [200, 201]);
    }
    for (const m of plan.remove) {
      await client.expect({ method: 'DELETE', path: `/api/v1/message/${seg(m.uuid)}` }, [200, 204]);
    }
    const done = [plan.create ? 'created' : '', plan.remove.length ? `deleted ${plan.remove.length}` : ''];
    return { message: `message ${done.filter(Boolean).join(', ')}` };
  },
});

function describe(m: GlobalMessage): string {
  return `severity ${m.severity}, ${m.media_type}`;
}

function parseMessages(body: unknown, url: string): GlobalMessage[] {
  const list = isPlainObject(body) ? body.messages : undefined;
  if (!Array.isArray(list)) throw new TaskError(`Quay GET ${url}/api/v1/messages: answer has no "messages" list`);
  return list.filter(isPlainObject).map((m) => ({
    uuid: String(m.uuid ?? ''),
    content: String(m.content ?? ''),
    severity: String(m.severity ?? ''),
    media_type: String(m.media_type ?? ''),
  }));
}
