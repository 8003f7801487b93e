// Where a deploy's, release's or build's code came from, in words: the repository, ref and short
// commit of a git source, the short digest of a package, the image and its digest. The full values
// are the title (a hover shows the whole commit or digest).
import { Typography } from 'antd';
import { useCallback } from 'react';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { originMessages } from './origin-messages.ts';
import { type AnyOrigin, originParts, parseTrigger } from './origin-text.ts';

export function SourceOriginText({ origin, testId }: { origin: AnyOrigin; testId?: string }) {
  const t = useMessages(originMessages);
  const parts = originParts(origin);
  let text: string;
  switch (parts.type) {
    case 'package':
      text = t('package', { digest: parts.digest });
      break;
    case 'image':
      text = t('image', { image: parts.image, digest: parts.digest });
      break;
    default: {
      const repository = parts.repository === 'external' ? t('external') : t('hosted');
      if (parts.ref && parts.commit) text = t('gitRef', { repository, ref: parts.ref, commit: parts.commit });
      else if (parts.ref) text = t('gitRefPending', { repository, ref: parts.ref });
      else text = t('gitCommit', { repository, commit: parts.commit ?? '' });
    }
  }
  return (
    <Typography.Text title={parts.full} {...(testId ? { 'data-testid': testId } : {})}>
      {text}
    </Typography.Text>
  );
}

/** What started a deploy (`push:refs/heads/main`, `webhook:refs/tags/v1`), in words. */
export function useTriggerText(): (trigger: string) => string {
  const t = useMessages(originMessages);
  return useCallback(
    (trigger) => {
      const parsed = parseTrigger(trigger);
      if (parsed.kind === 'other') return parsed.text;
      const what =
        parsed.kind === 'push'
          ? t('triggerPush', { ref: parsed.ref })
          : t('triggerWebhook', { ref: parsed.ref });
      return t('trigger', { what });
    },
    [t],
  );
}
