import { explainTagRule, formatTagsReport } from '../tasks/quay/tag-pattern.ts';

/** `tackle tags PATTERN... -- TAG...`: which tags a mirror pattern list would mirror. */
export async function tagsCommand(args: string[]): Promise<number> {
  const sep = args.indexOf('--');
  if (args.includes('--help') || args.includes('-h') || sep < 1) {
    process.stdout.write(
      'Usage: tackle tags PATTERN... -- TAG...\n\n' +
        "Shows which of the TAGs a Quay mirror's tag list (patterns with * ? [seq] [!seq]) would mirror.\n" +
        'The list needs at least one explicit tag or "latest" so Quay can list the remote tags.\n',
    );
    return sep < 1 && !args.includes('--help') && !args.includes('-h') ? 5 : 0;
  }
  const patterns = args.slice(0, sep);
  const tags = args.slice(sep + 1);
  const problem = explainTagRule(patterns);
  process.stdout.write(formatTagsReport(patterns, tags) + '\n');
  if (problem) {
    process.stderr.write(`tackle tags: ${problem}\n`);
    return 5;
  }
  return 0;
}
