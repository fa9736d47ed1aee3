/** The one layer Quay serves for its scanner check; Clair must fetch it over Quay's HTTPS. */
import { createHash } from 'node:crypto';

export const PROBE_LAYER = Buffer.from('tackle quay stand-in probe layer\n');
export const PROBE_LAYER_DIGEST = `sha256:${createHash('sha256').update(PROBE_LAYER).digest('hex')}`;
export const PROBE_MANIFEST_DIGEST = `sha256:${createHash('sha256').update(`manifest ${PROBE_LAYER_DIGEST}`).digest('hex')}`;
export const PROBE_LAYER_PATH = `/v2/tackle-standin/probe/blobs/${PROBE_LAYER_DIGEST}`;
