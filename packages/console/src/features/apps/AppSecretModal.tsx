// The app secret, once, right after the app is created: with a copy button and the warning that
// this page will not show it again (members can reveal it later on the app's Settings tab).
import { CopyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Flex, Input, Modal } from 'antd';
import { common } from '../../components/messages.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { appsMessages } from './apps-messages.ts';

export function AppSecretModal({ code, secret, onClose }: { code: string; secret: string; onClose(): void }) {
  const t = useMessages(appsMessages);
  const c = useMessages(common);
  const { message } = App.useApp();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      message.success(c('copied'));
    } catch {
      message.error(t('copyFailed'));
    }
  };
  return (
    <Modal
      open
      title={t('secretTitle', { code })}
      closable={false}
      maskClosable={false}
      keyboard={false}
      footer={
        <Button type="primary" onClick={onClose} data-testid="app-secret-close">
          {t('secretDone')}
        </Button>
      }
    >
      <Alert type="warning" showIcon title={t('secretText')} style={{ marginBottom: 12 }} />
      <Flex gap={8}>
        <Input
          readOnly
          value={secret}
          aria-label={t('secretLabel')}
          data-testid="app-secret-value"
          onFocus={(e) => e.target.select()}
          style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' }}
        />
        <Button icon={<CopyOutlined />} onClick={() => void copy()} data-testid="app-secret-copy">
          {c('copy')}
        </Button>
      </Flex>
    </Modal>
  );
}
