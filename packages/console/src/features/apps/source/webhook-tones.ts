// The colour of each webhook delivery outcome (a ToneTag's tone).
import type { WebhookOutcome } from '@berth/sdk';
import type { Tone } from '../../../components/ToneTag.tsx';

export const OUTCOME_TONES: Record<WebhookOutcome, Tone> = {
  received: 'blue',
  started: 'green',
  ignored: 'gray',
  refused: 'red',
  failed: 'amber',
};
