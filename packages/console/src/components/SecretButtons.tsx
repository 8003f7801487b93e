// The buttons of a secret that may be revealed and rotated (the app secret, an app's webhook
// secret): reveal (or hide once shown) and rotate, both disabled while either runs.
import { Button, Flex } from 'antd';

export function SecretButtons({
  shown,
  busy,
  labels,
  testIdPrefix,
  onReveal,
  onHide,
  onRotate,
}: {
  /** Whether the secret is on the page (then the first button hides it). */
  shown: boolean;
  busy: 'reveal' | 'rotate' | undefined;
  labels: { reveal: string; hide: string; rotate: string };
  /** `{prefix}-reveal` and `{prefix}-rotate` for the tests. */
  testIdPrefix: string;
  onReveal(): void;
  onHide(): void;
  onRotate(): void;
}) {
  return (
    <Flex gap={8} wrap>
      {shown ? (
        <Button onClick={onHide}>{labels.hide}</Button>
      ) : (
        <Button
          onClick={onReveal}
          loading={busy === 'reveal'}
          disabled={busy !== undefined}
          data-testid={`${testIdPrefix}-reveal`}
        >
          {labels.reveal}
        </Button>
      )}
      <Button
        danger
        onClick={onRotate}
        loading={busy === 'rotate'}
        disabled={busy !== undefined}
        data-testid={`${testIdPrefix}-rotate`}
      >
        {labels.rotate}
      </Button>
    </Flex>
  );
}
