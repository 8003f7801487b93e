// Names an app may not set itself: BERTH_* belong to the platform, PORT is chosen per instance (the
// same rule as the config API's, from @berth/sdk).
import { reservedConfigName } from '@berth/sdk';
import { type FieldPath, type ManifestOrigin, manifestInvalid } from './manifest-error.ts';
import { ENV_NAME_PATTERN } from './manifest-schema.ts';

const NAME = new RegExp(ENV_NAME_PATTERN);

export function checkEnvName(origin: ManifestOrigin, path: FieldPath, name: string): void {
  if (!NAME.test(name)) {
    throw manifestInvalid(origin, path, `"${name}" is not a variable name (letters, digits and _)`);
  }
  const reserved = reservedConfigName(name);
  if (reserved !== undefined) throw manifestInvalid(origin, path, reserved);
}
