// Names an app may not set itself: BERTH_* belong to the platform, PORT is chosen per instance.
import { type FieldPath, type ManifestOrigin, manifestInvalid } from './manifest-error.ts';
import { ENV_NAME_PATTERN } from './manifest-schema.ts';

const NAME = new RegExp(ENV_NAME_PATTERN);

export function checkEnvName(origin: ManifestOrigin, path: FieldPath, name: string): void {
  if (!NAME.test(name)) {
    throw manifestInvalid(origin, path, `"${name}" is not a variable name (letters, digits and _)`);
  }
  if (name.startsWith('BERTH_')) {
    throw manifestInvalid(origin, path, 'names starting with BERTH_ are reserved for the platform');
  }
  if (name === 'PORT') throw manifestInvalid(origin, path, 'PORT is set by the platform for each instance');
}
