import { Select } from 'antd';
import { useLocale, useMessages } from '../i18n/I18nProvider.tsx';
import { LOCALES, type Locale } from '../i18n/locale.ts';
import { shell } from './messages.ts';

/** Each language names itself, so that a visitor who cannot read the current one finds theirs. */
const NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

export function LanguageSwitch() {
  const { locale, setLocale } = useLocale();
  const t = useMessages(shell);
  return (
    <Select<Locale>
      aria-label={t('language')}
      value={locale}
      onChange={setLocale}
      options={LOCALES.map((l) => ({ value: l, label: NAMES[l], lang: l }))}
      style={{ width: 120 }}
      data-testid="language-switch"
    />
  );
}
