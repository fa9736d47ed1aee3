import { main } from './main.ts';

// A reader that goes away (`tackle validate | head`) ends the output, not the process with a stack trace;
// a run also stops starting tasks (main.ts).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

// The program: bin/tackle.js runs the compiled copy of this file, tests run it from source through tsx.
process.exitCode = await main(process.argv.slice(2));
