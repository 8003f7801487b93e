// An empty list says what to do next ("No apps yet. Create one to deploy your first package.").
import { Empty } from 'antd';
import type { ReactNode } from 'react';

export function EmptyState({ description, action }: { description: ReactNode; action?: ReactNode }) {
  return (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={description}>
      {action}
    </Empty>
  );
}
