// The one time a new API token's secret is shown: a warning that it will not be shown again, a copy
// button, and how to use it with the command-line tool.
import { CopyOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Modal, Typography } from 'antd';
import { useState } from 'react';
import { common } from '../../components/messages.ts';
import { MONO_BLOCK } from '../../components/mono.ts';
import { tokenMessages } from '../../components/tokens/token-messages.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function TokenSecretModal({ secret, onClose }: { secret: string | undefined; onClose(): void }) {
  const t = useMessages(tokenMessages);
  const c = useMessages(common);
  const [copied, setCopied] = useState(false);
  const example = `BERTH_URL=${window.location.origin} BERTH_TOKEN=${secret ?? ''} berth whoami`;
  const close = () => {
    setCopied(false);
    onClose();
  };
  return (
    <Modal
      open={secret !== undefined}
      title={t('secretTitle')}
      onCancel={close}
      mask={{ closable: false }}
      footer={
        <Button type="primary" onClick={close} data-testid="token-secret-done">
          {t('secretDone')}
        </Button>
      }
    >
      <Flex vertical gap={12}>
        <Alert type="warning" showIcon title={t('secretWarning')} />
        <pre style={MONO_BLOCK} data-testid="token-secret-value">
          {secret}
        </pre>
        <div>
          <Button
            icon={<CopyOutlined />}
            onClick={async () => setCopied(secret !== undefined && (await copyText(secret)))}
            data-testid="token-secret-copy"
          >
            {copied ? c('copied') : c('copy')}
          </Button>
        </div>
        <Typography.Text>{t('secretUse')}</Typography.Text>
        <pre style={MONO_BLOCK}>{example}</pre>
      </Flex>
    </Modal>
  );
}
