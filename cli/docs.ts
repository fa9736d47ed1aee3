import { taskRegistry } from './task-registry.ts';
import { renderTaskReference, updateReadme } from './task-docs.ts';

// `npm run docs`: regenerates the README's task reference from the task schemas.
const changed = await updateReadme('README.md', renderTaskReference(taskRegistry()));
process.stdout.write(changed ? 'README.md task reference updated\n' : 'README.md task reference already current\n');
