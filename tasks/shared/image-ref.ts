/**
 * An image reference as podman takes it ([registry[:port]/]name[:tag][@digest], or an image ID).
 * It must start with a letter or digit: podman reads a word that starts with `-` as one of its
 * own options (`--privileged`), so such a value is refused at load (or, templated, at run).
 */
export const IMAGE_REF_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$';

export function imageRefSchema(description: string) {
  return { type: 'string', pattern: IMAGE_REF_PATTERN, description } as const;
}
