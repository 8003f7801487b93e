// The app secret: revealed on request (audited), and rotated after a confirmation that says what
// stops working and what restarts; the new secret is shown once, with the restarts it started.
import type { AppSecretRotateResponse, Deploy } from '@berth/sdk';
import { Alert, Button, Card, Flex, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { SecretButtons } from '../../../components/SecretButtons.tsx';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { settingsMessages } from './settings-messages.ts';

export function AppSecretCard({
  code,
  allowed,
  openDeploy,
}: {
  code: string;
  /** Whether the user's role may read the secret at all. */
  allowed: boolean;
  openDeploy(deploy: Deploy): void;
}) {
  const api = useApi();
  const t = useMessages(settingsMessages);
  const envNames = useMessages(envMessages);
  const confirm = useConfirm();
  const feedback = useFeedback();
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [rotated, setRotated] = useState<AppSecretRotateResponse | undefined>(undefined);
  const [busy, setBusy] = useState<'reveal' | 'rotate' | undefined>(undefined);

  const reveal = async () => {
    setBusy('reveal');
    try {
      setSecret((await api.getAppSecret(code)).secret);
      setRotated(undefined);
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(undefined);
    }
  };

  const rotate = async () => {
    const ok = await confirm({
      title: t('rotateTitle', { app: code }),
      content: t('rotateText', { app: code }),
      okText: t('rotateOk'),
      danger: true,
    });
    if (!ok) return;
    setBusy('rotate');
    try {
      const result = await api.rotateAppSecret(code);
      setSecret(undefined);
      setRotated(result);
      feedback.success(t('rotated', { app: code }));
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(undefined);
    }
  };

  const shownSecret = (value: string) => (
    <Typography.Text
      code
      copyable={{ text: value }}
      aria-label={t('secretLabel', { app: code })}
      style={{ wordBreak: 'break-all' }}
      data-testid="secret-value"
    >
      {value}
    </Typography.Text>
  );

  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
          {t('secretTitle')}
        </Typography.Title>
      }
    >
      <Flex vertical gap={12}>
        <Typography.Paragraph style={{ margin: 0 }}>{t('secretText')}</Typography.Paragraph>
        {allowed ? (
          <SecretButtons
            shown={secret !== undefined}
            busy={busy}
            labels={{ reveal: t('secretReveal'), hide: t('secretHide'), rotate: t('secretRotate') }}
            testIdPrefix="secret"
            onReveal={() => void reveal()}
            onHide={() => setSecret(undefined)}
            onRotate={() => void rotate()}
          />
        ) : (
          <Typography.Text type="secondary">{t('noSecretAccess')}</Typography.Text>
        )}
        {secret !== undefined ? <div>{shownSecret(secret)}</div> : null}
        {rotated ? (
          <Alert
            type="warning"
            showIcon
            title={t('newSecret', { app: code })}
            description={
              <Flex vertical gap={8} style={{ marginTop: 8 }}>
                <div>{shownSecret(rotated.secret)}</div>
                {rotated.deploys.length > 0 ? (
                  <>
                    <Typography.Text>{t('restarts')}</Typography.Text>
                    <Flex vertical gap={4} data-testid="secret-restarts">
                      {rotated.deploys.map((d) => (
                        <Flex key={d.id} gap={8} wrap align="center">
                          <Typography.Text>
                            {t('restartOf', { env: envNames(`${d.env}Short`) })}
                          </Typography.Text>
                          <Button size="small" type="link" onClick={() => openDeploy(d)}>
                            {t('showDeploy')}
                          </Button>
                        </Flex>
                      ))}
                    </Flex>
                  </>
                ) : (
                  <Typography.Text>{t('noRestarts')}</Typography.Text>
                )}
              </Flex>
            }
          />
        ) : null}
      </Flex>
    </Card>
  );
}
