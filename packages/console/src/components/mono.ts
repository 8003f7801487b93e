// The look of secrets, commands and JSON (account and administration pages; inline, so the
// shared stylesheet stays as it is).
import type { CSSProperties } from 'react';

export const MONO_BLOCK: CSSProperties = {
  fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  fontSize: 13,
  background: '#f5f5f5',
  border: '1px solid #e5e5e5',
  borderRadius: 6,
  padding: '8px 12px',
  margin: 0,
  whiteSpace: 'pre-wrap',
  wordBreak: 'break-all',
};
