// The app search of the apps list and the workbench: a search box whose text, once typing pauses,
// becomes the server's `q` (one request per pause, not per key; cut to the API's limit).
import { SearchOutlined } from '@ant-design/icons';
import { Input } from 'antd';
import { useState } from 'react';
import { APP_SEARCH_MAX } from './app-summary.ts';
import { useDebounced } from './use-debounced.ts';

const PAUSE_MS = 300;

export interface AppSearch {
  /** What the box shows. */
  text: string;
  setText(text: string): void;
  /** The text once typing paused: what the list asks the server for. */
  search: string;
}

export function useAppSearch(): AppSearch {
  const [text, setText] = useState('');
  const search = useDebounced(text, PAUSE_MS);
  return { text, setText, search };
}

export function AppSearchInput({
  search,
  label,
  testId,
}: {
  search: AppSearch;
  label: string;
  testId: string;
}) {
  return (
    <Input
      type="search"
      prefix={<SearchOutlined aria-hidden />}
      allowClear
      value={search.text}
      maxLength={APP_SEARCH_MAX}
      onChange={(ev) => search.setText(ev.target.value)}
      placeholder={label}
      aria-label={label}
      data-testid={testId}
      style={{ maxWidth: 420, marginBottom: 16 }}
    />
  );
}
