// Confirmations of destructive or far-reaching actions. The text must say exactly what will happen
// ("Roll prod of shop back to v3: a new release v7 with v3's code and config; v6 stops serving").
// Resolves true when confirmed. The OK button carries data-testid="confirm-ok" for the E2E tests.
import { App } from 'antd';
import type { ReactNode } from 'react';
import { useCallback } from 'react';
import { useMessages } from '../i18n/I18nProvider.tsx';
import { common } from './messages.ts';

export interface ConfirmOptions {
  title: ReactNode;
  content: ReactNode;
  okText?: string;
  danger?: boolean;
}

export function useConfirm(): (options: ConfirmOptions) => Promise<boolean> {
  const { modal } = App.useApp();
  const t = useMessages(common);
  return useCallback(
    (options) =>
      new Promise<boolean>((resolve) => {
        modal.confirm({
          title: options.title,
          content: options.content,
          okText: options.okText ?? t('confirm'),
          cancelText: t('cancel'),
          okButtonProps: { danger: options.danger ?? false, ...({ 'data-testid': 'confirm-ok' } as object) },
          cancelButtonProps: { ...({ 'data-testid': 'confirm-cancel' } as object) },
          onOk: () => resolve(true),
          onCancel: () => resolve(false),
        });
      }),
    [modal, t],
  );
}
