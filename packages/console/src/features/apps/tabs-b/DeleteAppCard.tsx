// Deleting the app, confirmed by typing its code (a click alone is too easy for what it removes);
// then on to the apps list.
import { Button, Card, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { common } from '../../../components/messages.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { settingsMessages } from './settings-messages.ts';

export function DeleteAppCard({ code }: { code: string }) {
  const api = useApi();
  const t = useMessages(settingsMessages);
  const tc = useMessages(common);
  const feedback = useFeedback();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const close = () => {
    setOpen(false);
    setTyped('');
    setError(undefined);
  };

  const remove = async () => {
    if (typed !== code) return;
    setDeleting(true);
    setError(undefined);
    try {
      await api.deleteApp(code);
      feedback.success(t('deleted', { app: code }));
      navigate('/apps', { replace: true });
    } catch (err) {
      setError(err);
      setDeleting(false);
    }
  };

  return (
    <Card
      style={{ borderColor: 'var(--ant-color-error-border, #ffccc7)' }}
      title={
        <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
          {t('dangerTitle')}
        </Typography.Title>
      }
    >
      <Typography.Paragraph>{t('dangerText', { app: code })}</Typography.Paragraph>
      <Button danger type="primary" onClick={() => setOpen(true)} data-testid="app-delete">
        {t('delete', { app: code })}
      </Button>
      <Modal
        open={open}
        title={t('deleteTitle', { app: code })}
        onCancel={close}
        onOk={remove}
        okText={t('deleteOk')}
        cancelText={tc('cancel')}
        confirmLoading={deleting}
        okButtonProps={{
          danger: true,
          disabled: typed !== code,
          ...({ 'data-testid': 'confirm-ok' } as object),
        }}
        cancelButtonProps={{ ...({ 'data-testid': 'confirm-cancel' } as object) }}
        destroyOnHidden
      >
        <Typography.Paragraph>{t('deleteText', { app: code })}</Typography.Paragraph>
        {error ? (
          <div style={{ marginBottom: 12 }}>
            <ErrorAlert error={error} />
          </div>
        ) : null}
        <Form layout="vertical" onFinish={remove}>
          <Form.Item label={t('deleteCodeLabel')} htmlFor="berth-delete-app-code">
            <Input
              id="berth-delete-app-code"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder={code}
              autoComplete="off"
              spellCheck={false}
              autoFocus
              data-testid="app-delete-code"
            />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
