// The pinned manifest form's logic: the draft an operator edits (the manifest text and, optionally,
// the fields to pin), and the body it sends. No field ticked means the API's default: every field
// the manifest sets.
import type { ManifestPinBody, PinnableField, SourceSettings } from '@berth/sdk';
import { PINNABLE_FIELD_LIST } from './source-lists.ts';

export interface PinDraft {
  manifest: string;
  fields: PinnableField[];
}

export type PinFormResult = { ok: true; body: ManifestPinBody } | { ok: false; problem: 'manifestRequired' };

export function pinDraftOf(pin: SourceSettings['pin']): PinDraft {
  return pin ? { manifest: pin.manifest, fields: [...pin.fields] } : { manifest: '', fields: [] };
}

export function pinBodyOf(draft: PinDraft): PinFormResult {
  if (!draft.manifest.trim()) return { ok: false, problem: 'manifestRequired' };
  // In the API's order, whatever order they were ticked in.
  const fields = PINNABLE_FIELD_LIST.filter((f) => draft.fields.includes(f));
  return {
    ok: true,
    body: fields.length > 0 ? { manifest: draft.manifest, fields } : { manifest: draft.manifest },
  };
}
