// What the app details form changed, as the PATCH body: only changed fields, the name trimmed, and
// an emptied logo address as null (which removes the logo). Undefined when nothing changed.
import type { App, UpdateAppBody } from '@berth/sdk';

export interface AppInfoForm {
  name: string;
  description: string;
  logoUrl: string;
}

export function appInfoChange(
  app: Pick<App, 'name' | 'description' | 'logoUrl'>,
  form: Partial<AppInfoForm>,
): UpdateAppBody | undefined {
  const body: UpdateAppBody = {};
  const name = (form.name ?? '').trim();
  const description = form.description ?? '';
  const logoUrl = (form.logoUrl ?? '').trim();
  if (name !== app.name) body.name = name;
  if (description !== app.description) body.description = description;
  if (logoUrl !== (app.logoUrl ?? '')) body.logoUrl = logoUrl === '' ? null : logoUrl;
  return Object.keys(body).length === 0 ? undefined : body;
}
