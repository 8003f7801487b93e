// A tag whose text keeps a contrast of at least 4.5:1 on its background (antd's preset and status
// tag colours fall below that for small text, which the accessibility check reports): states,
// outcomes and roles on the account and administration pages (any page may use it).
import { Tag } from 'antd';
import type { ReactNode } from 'react';

export type Tone = 'green' | 'amber' | 'red' | 'gray' | 'blue' | 'purple';

const TONES: Record<Tone, { color: string; background: string; borderColor: string }> = {
  green: { color: '#135200', background: '#f6ffed', borderColor: '#b7eb8f' },
  amber: { color: '#7c4a03', background: '#fffbe6', borderColor: '#ffe58f' },
  red: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
  gray: { color: 'rgba(0, 0, 0, 0.75)', background: '#fafafa', borderColor: '#d9d9d9' },
  blue: { color: '#003eb3', background: '#e6f4ff', borderColor: '#91caff' },
  purple: { color: '#391085', background: '#f9f0ff', borderColor: '#d3adf7' },
};

export function ToneTag({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <Tag style={TONES[tone]} {...(testId ? { 'data-testid': testId } : {})}>
      {children}
    </Tag>
  );
}
