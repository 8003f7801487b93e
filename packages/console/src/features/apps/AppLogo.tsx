// An app's logo: its logoUrl, else a letter avatar of its name (also when the image fails to load).
import { Avatar } from 'antd';
import { useState } from 'react';

const COLORS = ['#1668dc', '#389e0d', '#d46b08', '#c41d7f', '#08979c', '#531dab', '#d4380d'];

function colorOf(code: string): string {
  let hash = 0;
  for (const ch of code) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return COLORS[hash % COLORS.length] as string;
}

export function AppLogo({
  name,
  code,
  logoUrl,
  size = 40,
}: {
  name: string;
  code: string;
  logoUrl?: string | undefined;
  size?: number;
}) {
  const [failed, setFailed] = useState(false);
  if (logoUrl && !failed) {
    return (
      <Avatar
        shape="square"
        size={size}
        src={logoUrl}
        alt=""
        onError={() => {
          setFailed(true);
          return false;
        }}
      />
    );
  }
  const letter = [...(name.trim() || code)][0]?.toUpperCase() ?? '?';
  return (
    <Avatar shape="square" size={size} style={{ background: colorOf(code), flex: 'none' }} aria-hidden>
      {letter}
    </Avatar>
  );
}
