// Placeholder until the tab is built.
import type { AppTabProps } from './tab-props.ts';

export default function LogsTab(_props: AppTabProps) {
  return null;
}
