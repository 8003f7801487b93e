// The docs' Markdown subset: what is read as structure, and that nothing of a stranger's docs
// becomes HTML or a script link (it stays text).
import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from '../src/features/apigw/markdown.ts';

describe('Markdown docs', () => {
  it('reads headings, paragraphs, lists and code blocks', () => {
    const blocks = parseMarkdown(
      [
        '# Templates',
        '',
        'Lists the templates',
        'of a business.',
        '',
        '- one',
        '- two',
        '  continued',
        '1. first',
        '',
        '```json',
        '{"a": 1}',
        '```',
      ].join('\n'),
    );
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, inlines: [{ kind: 'text', text: 'Templates' }] },
      { kind: 'paragraph', inlines: [{ kind: 'text', text: 'Lists the templates of a business.' }] },
      {
        kind: 'list',
        ordered: false,
        items: [[{ kind: 'text', text: 'one' }], [{ kind: 'text', text: 'two continued' }]],
      },
      { kind: 'list', ordered: true, items: [[{ kind: 'text', text: 'first' }]] },
      { kind: 'code', text: '{"a": 1}' },
    ]);
  });

  it('reads code, strong, emphasis and http(s) links inline', () => {
    expect(parseInline('Call `get` with **care**, *now*: [docs](https://example.com/x)')).toEqual([
      { kind: 'text', text: 'Call ' },
      { kind: 'code', text: 'get' },
      { kind: 'text', text: ' with ' },
      { kind: 'strong', text: 'care' },
      { kind: 'text', text: ', ' },
      { kind: 'em', text: 'now' },
      { kind: 'text', text: ': ' },
      { kind: 'link', text: 'docs', href: 'https://example.com/x' },
    ]);
  });

  it('keeps HTML as text', () => {
    const html = '<script>alert(1)</script><img src=x onerror="alert(2)">';
    expect(parseMarkdown(html)).toEqual([{ kind: 'paragraph', inlines: [{ kind: 'text', text: html }] }]);
  });

  it('links nowhere but http(s): a javascript: or data: link stays text', () => {
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,<b>x</b>')).toBeUndefined();
    expect(safeHref('/relative')).toBeUndefined();
    expect(safeHref('http://example.com')).toBe('http://example.com/');
    expect(parseInline('[x](javascript:alert(1))')).toEqual([
      { kind: 'text', text: '[x](javascript:alert(1))' },
    ]);
  });

  it('cuts an unclosed code block at the end, and reads CRLF', () => {
    expect(parseMarkdown('```\r\nno end\r\n')).toEqual([{ kind: 'code', text: 'no end\n' }]);
  });
});
