// Placeholder until the tab is built.
import type { AppTabProps } from './tab-props.ts';

export default function OverviewTab(_props: AppTabProps) {
  return null;
}
