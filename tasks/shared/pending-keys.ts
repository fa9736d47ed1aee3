/**
 * Keys in the check-mode pending set for things that are not paths: an earlier task would
 * create this container (podmanRun, or a systemd unit started now) or this image.
 */
export const pendingContainerKey = (name: string): string => `podman-container:${name}`;
export const pendingImageKey = (ref: string): string => `podman-image:${ref}`;
