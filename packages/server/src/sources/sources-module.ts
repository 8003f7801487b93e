import fs from 'node:fs';
import path from 'node:path';
import type { AppAction } from '@berth/sdk';
// The sources module put together: the source kinds the engine builds from (packages, git, images on
// the Docker runtime), each app's source settings and pinned manifest, and what pushes and webhook
// deliveries deploy. berthd gives it the git module's functions and, with Docker, the client.
import type Docker from 'dockerode';
import type { AuditRecorder } from '../apps/index.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { ManifestPin } from '../engine/engine-deps.ts';
import {
  archiveCommit,
  checkRefName,
  checkRemoteUrl,
  checkTree,
  displayRemoteUrl,
  fetchRemote,
  gitRemoteUrl,
  mirrorDirFor,
  type RemoteCredentials,
  resolveRef,
} from '../git/index.ts';
import type { RouteModule } from '../http/server.ts';
import type { Actor } from '../identity/actor.ts';
import type { Store } from '../store/store.ts';
import { gitSource } from './git-source.ts';
import { imageSource } from './image-source.ts';
import { packageSource } from './package-source.ts';
import { applyPin, pinDigest } from './pinned-manifest.ts';
import { sourceSettingsRoutes } from './settings-routes.ts';
import { createSourceSettings, type SourceSettingsService } from './settings-service.ts';
import type { Sources } from './source.ts';
import { createSources } from './sources.ts';

export interface SourcesModuleDeps {
  store: Store;
  secretBox: SecretBox;
  audit: AuditRecorder;
  authorize(actor: Actor, action: AppAction, code: string): Promise<unknown>;
  dataDir: string;
  /** The console and API's public URL (the hosted repositories' remotes are under it). */
  publicUrl(): string;
  /** The hosted repository of an app, created if absent (the git hosting). */
  hostedRepo(code: string): Promise<string>;
  settings: { maxRepoBytes: number; gitTimeoutMs: number; imageRegistries: readonly string[] };
  /** With the Docker runtime: prebuilt images can be deployed. */
  docker?: Docker | undefined;
}

export interface SourcesModule {
  sources: Sources;
  settings: SourceSettingsService;
  routes: RouteModule;
  pinnedManifest(app: string): Promise<ManifestPin | undefined>;
  /** The app is gone: its settings and the mirrors of its external repository go. */
  forget(code: string): Promise<void>;
}

export function createSourcesModule(deps: SourcesModuleDeps): SourcesModule {
  const settings = createSourceSettings({
    store: deps.store,
    secretBox: deps.secretBox,
    audit: deps.audit,
    authorize: deps.authorize,
    remoteOf: (code) => gitRemoteUrl(deps.publicUrl(), code),
    checkRemoteUrl,
    checkBranch: checkRefName,
    mirrorDirOf: (code, url) => mirrorDirFor(deps.dataDir, code, url),
  });
  const timeoutMs = deps.settings.gitTimeoutMs;
  const git = gitSource({
    hostedRepo: deps.hostedRepo,
    external: (app) => settings.external(app),
    pinKnownHosts: (app, knownHosts) => settings.pinKnownHosts(app, knownHosts),
    resolveRef: (dir, ref, o) => resolveRef(dir, ref, o),
    fetch: async ({ repository, ref, signal, log }) =>
      fetchRemote({
        mirrorDir: repository.mirrorDir,
        url: repository.url,
        credentials: repository.credentials as RemoteCredentials,
        ref,
        signal,
        timeoutMs,
        maxRepoBytes: deps.settings.maxRepoBytes,
        log,
      }),
    checkTree: (dir, commit, o) => checkTree(dir, commit, o),
    archive: (dir, commit, o) => archiveCommit(dir, commit, { signal: o.signal, timeoutMs }),
    displayUrl: displayRemoteUrl,
    checkRef: checkRefName,
  });
  const sources = createSources({
    package: packageSource(deps.dataDir),
    git,
    image: deps.docker
      ? imageSource({ docker: deps.docker, registries: deps.settings.imageRegistries, timeoutMs })
      : undefined,
  });
  return {
    sources,
    settings,
    routes: sourceSettingsRoutes({ settings }),
    async forget(code) {
      await settings.forget(code);
      await fs.promises.rm(path.dirname(mirrorDirFor(deps.dataDir, code, 'x')), {
        recursive: true,
        force: true,
      });
    },
    async pinnedManifest(app) {
      const pin = await settings.pinned(app);
      if (!pin) return undefined;
      return { digest: pinDigest(pin), check: (root) => applyPin(pin, root) };
    },
  };
}
