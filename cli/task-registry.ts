import type { AnyTaskDefinition } from '../engine/task.ts';
import directory from '../tasks/files/directory.ts';
import secret from '../tasks/files/secret.ts';
import template from '../tasks/files/template.ts';
import writeConfig from '../tasks/files/writeConfig.ts';
import command from '../tasks/host/command.ts';
import waitFor from '../tasks/host/waitFor.ts';
import podmanExec from '../tasks/podman/podmanExec.ts';
import podmanImage from '../tasks/podman/podmanImage.ts';
import podmanRun from '../tasks/podman/podmanRun.ts';
import quayMessage from '../tasks/quay/quayMessage.ts';
import quayMirror from '../tasks/quay/quayMirror.ts';
import quayUser from '../tasks/quay/quayUser.ts';
import systemdEnable from '../tasks/systemd/systemdEnable.ts';
import trustCA from '../tasks/trust/trustCA.ts';
import genCA from '../tasks/x509/genCA.ts';
import signCert from '../tasks/x509/signCert.ts';

/** Every typed task, keyed by its YAML name. The engine is handed this map; it imports no task. */
const ALL: readonly AnyTaskDefinition[] = [
  command, directory, genCA, podmanExec, podmanImage, podmanRun, quayMessage, quayMirror, quayUser,
  secret, signCert, systemdEnable, template, trustCA, waitFor, writeConfig,
];

let registry: Map<string, AnyTaskDefinition> | undefined;

export function taskRegistry(): Map<string, AnyTaskDefinition> {
  registry ??= new Map(ALL.map((def) => [def.name, def]));
  return registry;
}
