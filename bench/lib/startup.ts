import { medianWallTime } from './wall-time.ts';
import type { StartupCost } from './report.ts';

const REPEATS = 5;

const median = (argv: string[]): Promise<number> => medianWallTime(argv, REPEATS);

/** What starting the tool costs before it touches a host; part of every run's wall time. */
export async function measureStartup(tackleBin: string, withAnsible: boolean): Promise<StartupCost> {
  return {
    nodeSeconds: await median([process.execPath, '-e', '0']),
    tackleHelpSeconds: await median([process.execPath, tackleBin, 'run', '--help']),
    tackleMainHelpSeconds: await median([process.execPath, tackleBin, '--help']),
    ansibleVersionSeconds: withAnsible ? await median(['ansible-playbook', '--version']) : null,
  };
}
