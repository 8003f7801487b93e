// The login page: a session cookie from POST /api/v1/auth/login, then on to where the visitor was
// going (a console page, or back through app-login to the app that sent them here).
import { Button, Card, Form, Input, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { LanguageSwitch } from '../../app/LanguageSwitch.tsx';
import { useSession } from '../../app/session.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { loginMessages } from './messages.ts';
import { nextTarget } from './next-url.ts';

interface LoginForm {
  username: string;
  password: string;
}

export default function LoginPage() {
  const api = useApi();
  const { state, setUser } = useSession();
  const t = useMessages(loginMessages);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const target = nextTarget(params.get('next'));
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (state.status === 'user' && target.kind === 'document') window.location.assign(target.path);
  }, [state.status, target.kind, target.path]);

  if (state.status === 'user') {
    if (target.kind === 'document') return null;
    return <Navigate to={state.user.passwordChangeRequired ? '/account/password' : target.path} replace />;
  }

  const onFinish = async (values: LoginForm) => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.login({ username: values.username.trim(), password: values.password });
      if (result.passwordChangeRequired) {
        setUser(result.user);
        navigate('/account/password', { replace: true });
      } else if (target.kind === 'document') {
        window.location.assign(target.path);
      } else {
        setUser(result.user);
        navigate(target.path, { replace: true });
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="berth-login">
      <div className="berth-login-language">
        <LanguageSwitch />
      </div>
      <Card className="berth-login-card">
        <Typography.Title level={1} className="berth-login-title">
          {t('title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          {target.kind === 'document' ? t('forApp') : t('subtitle')}
        </Typography.Paragraph>
        {error ? (
          <div style={{ marginBottom: 16 }}>
            <ErrorAlert error={error} />
          </div>
        ) : null}
        <Form<LoginForm> layout="vertical" onFinish={onFinish} requiredMark={false} disabled={busy}>
          <Form.Item
            label={t('username')}
            name="username"
            rules={[{ required: true, whitespace: true, message: t('usernameRequired') }]}
          >
            <Input autoComplete="username" autoFocus data-testid="login-username" />
          </Form.Item>
          <Form.Item
            label={t('password')}
            name="password"
            rules={[{ required: true, message: t('passwordRequired') }]}
          >
            <Input.Password autoComplete="current-password" data-testid="login-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
            {t('submit')}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 13 }}>
          {t('firstTime')}
        </Typography.Paragraph>
      </Card>
    </main>
  );
}
