// Registries for cluster runtimes: the one berthd runs itself and pushes to either.
export {
  type BuiltinRegistry,
  type BuiltinRegistryOptions,
  DOCKER_CERTS_DIR,
  REGISTRY_BINARY,
  type RegistryAccess,
  startBuiltinRegistry,
  stopBuiltinRegistry,
} from './builtin-registry.ts';
export {
  deleteManifest,
  engineAuth,
  pushImage,
  pushRefusedForAMoment,
  registryName,
} from './registry-images.ts';
