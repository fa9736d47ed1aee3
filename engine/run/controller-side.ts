import type { Connection } from '../connection.ts';
import { TaskError } from '../errors.ts';

/**
 * What a controller-side task gets for `conn`: no connection to the host is opened, and any use
 * says that the task declared itself controller-side (a wrong declaration shows at once).
 */
export function controllerSide(host: string, task: string): Connection {
  const refuse = (what: string): Promise<never> =>
    Promise.reject(new TaskError(`${task} runs on the controller and has no connection to ${host} (it tried ${what})`));
  return {
    hostName: host,
    exec: (argv) => refuse(`to run ${argv[0] ?? 'a command'}`),
    readFile: (path) => refuse(`to read ${path}`),
    writeFile: (path) => refuse(`to write ${path}`),
    stat: (path) => refuse(`to stat ${path}`),
    mkdir: (path) => refuse(`to create ${path}`),
    remove: (path) => refuse(`to remove ${path}`),
    hold: (argv) => refuse(`to run ${argv[0] ?? 'a command'}`),
    close: () => Promise.resolve(),
  };
}
