import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { explainTagRule, formatTagsReport, matchTags } from '../../../tasks/quay/tag-pattern.ts';

const DOC_TAGS = ['v32', 'v3.1', 'v3.2', 'v3.2-4beta', 'v3.3'];

describe('Quay tag patterns (document 3.3.5)', () => {
  // The document's example table, row by row.
  const rows: [string, string[]][] = [
    ['v3*', ['v32', 'v3.1', 'v3.2', 'v3.2-4beta', 'v3.3']],
    ['v3.?', ['v3.1', 'v3.2', 'v3.3']],
    ['v3.[12]', ['v3.1', 'v3.2']],
    ['v3.[12]*', ['v3.1', 'v3.2', 'v3.2-4beta']],
    ['v3.[!1]*', ['v3.2', 'v3.2-4beta', 'v3.3']],
  ];
  for (const [pattern, expected] of rows) {
    test(`${pattern} matches exactly the document's tags`, () => {
      assert.deepEqual(matchTags([pattern], DOC_TAGS), expected);
    });
  }

  test('v3.* matches the document\'s v3.1, v3.2, v3.2-4beta, and also v3.3', () => {
    // The document's row lists v3.1, v3.2, v3.2-4beta; by its own syntax ("*" matches all
    // characters) and by Quay's fnmatch, v3.3 matches too: the table row is incomplete.
    assert.deepEqual(matchTags(['v3.*'], DOC_TAGS), ['v3.1', 'v3.2', 'v3.2-4beta', 'v3.3']);
  });

  test('a pattern must match the whole tag, case-sensitively', () => {
    assert.deepEqual(matchTags(['v3'], DOC_TAGS), []);
    assert.deepEqual(matchTags(['V3*'], DOC_TAGS), []);
    assert.deepEqual(matchTags(['3.1'], DOC_TAGS), []);
  });

  test('fnmatch corner cases: literal dot, ] first in a set, unterminated [, reversed range', () => {
    assert.deepEqual(matchTags(['v3?1'], ['v3.1', 'v3x1', 'v31']), ['v3.1', 'v3x1']);
    assert.deepEqual(matchTags(['v3.1'], ['v3.1', 'v3x1']), ['v3.1']);
    assert.deepEqual(matchTags(['a[]]'], ['a]', 'a[']), ['a]']);
    assert.deepEqual(matchTags(['a[!]]'], ['a]', 'ab']), ['ab']);
    assert.deepEqual(matchTags(['a[b'], ['a[b', 'ab']), ['a[b']);
    assert.deepEqual(matchTags(['a[z-a]'], ['aa', 'az']), []);
    assert.deepEqual(matchTags(['v[0-9]*'], ['v1', 'vx', 'v10']), ['v1', 'v10']);
  });

  test('a list matches the union, in the order of the tags given', () => {
    assert.deepEqual(matchTags(['v3.3', 'v3.[12]'], DOC_TAGS), ['v3.1', 'v3.2', 'v3.3']);
  });
});

describe('the explicit-tag rule', () => {
  test('patterns only: rejected with the reason', () => {
    const reason = explainTagRule(['v3*', 'v3.[12]']);
    assert.ok(reason);
    assert.match(reason, /no explicit tag/);
    assert.match(reason, /\*, \?, \[/);
    assert.match(reason, /latest/);
  });

  test('an explicit tag or latest satisfies it', () => {
    assert.equal(explainTagRule(['v3*', 'v3.1']), null);
    assert.equal(explainTagRule(['latest', 'v3.*']), null);
  });

  test('an empty list or an empty entry is rejected', () => {
    assert.match(explainTagRule([]) ?? '', /empty/);
    assert.match(explainTagRule(['latest', ' ']) ?? '', /empty entry/);
  });
});

describe('formatTagsReport', () => {
  test('shows per-pattern matches, the mirrored set, the rest and the rule', () => {
    const report = formatTagsReport(['v3.[12]', 'latest'], [...DOC_TAGS, 'latest']);
    assert.equal(
      report,
      [
        'pattern matches:',
        '  v3.[12]  v3.1, v3.2',
        '  latest   latest',
        'would mirror: v3.1, v3.2, latest',
        'not mirrored: v32, v3.2-4beta, v3.3',
        'tag rule: ok',
      ].join('\n'),
    );
  });

  test('reports a failing rule', () => {
    const report = formatTagsReport(['v9*'], DOC_TAGS);
    assert.match(report, /^ {2}v9\* {2}\(no match\)$/m);
    assert.match(report, /^would mirror: \(nothing\)$/m);
    assert.match(report, /^tag rule: FAILS: no explicit tag/m);
  });
});
