import { main } from './main.ts';

// The program: bin/tackle.js runs the compiled copy of this file, tests run it from source through tsx.
process.exitCode = await main(process.argv.slice(2));
