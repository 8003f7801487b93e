// Markdown docs (of a system or a component) as React elements, from markdown.ts's plain data: text
// is always text (React escapes it), never HTML, whoever wrote the docs.
import { Typography } from 'antd';
import { useMemo } from 'react';
import { MONO_BLOCK } from '../../components/mono.ts';
import { type Block, type Inline, parseMarkdown } from './markdown.ts';

// Keys below are positions: a document's parts are fixed and in order (it is parsed again whole).

function InlineView({ inline }: { inline: Inline }) {
  switch (inline.kind) {
    case 'code':
      return <Typography.Text code>{inline.text}</Typography.Text>;
    case 'strong':
      return <strong>{inline.text}</strong>;
    case 'em':
      return <em>{inline.text}</em>;
    case 'link':
      return (
        <a href={inline.href} target="_blank" rel="noopener noreferrer nofollow">
          {inline.text}
        </a>
      );
    default:
      return inline.text;
  }
}

function Inlines({ inlines }: { inlines: Inline[] }) {
  return inlines.map((inline, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: parts of one fixed text, in order
    <InlineView key={i} inline={inline} />
  ));
}

const HEADINGS = ['h3', 'h4', 'h5', 'h6'] as const;

function BlockView({ block, top }: { block: Block; top: number }) {
  switch (block.kind) {
    case 'heading': {
      // Under the page's own headings (h1 the page, h2 its cards): a document's highest heading is
      // an h3, and the others follow from it.
      const Tag = HEADINGS[block.level - top] ?? 'h6';
      return (
        <Tag style={{ margin: '12px 0 6px', fontSize: 17 - (block.level - top) }}>
          <Inlines inlines={block.inlines} />
        </Tag>
      );
    }
    case 'list': {
      const List = block.ordered ? 'ol' : 'ul';
      return (
        <List style={{ margin: '4px 0 8px', paddingInlineStart: 24 }}>
          {block.items.map((item, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: items of one fixed list, in order
            <li key={i}>
              <Inlines inlines={item} />
            </li>
          ))}
        </List>
      );
    }
    case 'code':
      return <pre style={{ ...MONO_BLOCK, margin: '4px 0 8px' }}>{block.text}</pre>;
    default:
      return (
        <p style={{ margin: '4px 0 8px' }}>
          <Inlines inlines={block.inlines} />
        </p>
      );
  }
}

export function MarkdownText({ source, testId }: { source: string; testId?: string }) {
  const blocks = useMemo(() => parseMarkdown(source), [source]);
  const top = Math.min(...blocks.map((b) => (b.kind === 'heading' ? b.level : 4)));
  return (
    // The docs are their author's words in their author's language, not the console's.
    <div translate="no" {...(testId ? { 'data-testid': testId } : {})}>
      {blocks.map((block, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: blocks of one fixed document, in order
        <BlockView key={i} block={block} top={top} />
      ))}
    </div>
  );
}
