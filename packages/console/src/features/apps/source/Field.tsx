// A labelled control of the source tab's forms: a visible label tied to its input (for screen
// readers and the accessibility check) and a line of help under it; the cards' heading; and a value
// to copy (a remote, a URL, a secret).
import { Typography } from 'antd';
import type { ReactNode } from 'react';

export function Field({
  id,
  label,
  help,
  children,
}: {
  id: string;
  label: string;
  help?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div>
      <label htmlFor={id} style={{ display: 'block', fontWeight: 500, marginBottom: 4 }}>
        {label}
      </label>
      {children}
      {help ? (
        <Typography.Text type="secondary" style={{ display: 'block', fontSize: 13, marginTop: 2 }}>
          {help}
        </Typography.Text>
      ) : null}
    </div>
  );
}

export function CardTitle({ children }: { children: ReactNode }) {
  return (
    <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
      {children}
    </Typography.Title>
  );
}

export function CopyableCode({ text, testId }: { text: string; testId: string }) {
  return (
    <Typography.Text code copyable={{ text }} style={{ wordBreak: 'break-all' }} data-testid={testId}>
      {text}
    </Typography.Text>
  );
}
