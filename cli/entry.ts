import { quickAnswer } from './quick-answers.ts';

// A reader that goes away (`tackle validate | head`) ends the output, not the process with a stack trace;
// a run also stops starting tasks (main.ts).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

// The program: bin/tackle.js runs the compiled copy of this file, tests run it from source through tsx.
// --help and --version are answered without loading the rest of the CLI.
const argv = process.argv.slice(2);
const quick = quickAnswer(argv);
if (quick) {
  process.stdout.write(quick.out);
  process.exitCode = quick.code;
} else {
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
}
