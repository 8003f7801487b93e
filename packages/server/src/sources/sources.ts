// The sources put together: one per kind, chosen by the spec's (or origin's) type. A kind this berthd
// cannot serve (images on the process runtime) is refused with its own code.
import type { SourceOrigin } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Materialized, SourceSpec, SourceStep, Sources } from './source.ts';

type SpecOf<T extends SourceSpec['type']> = Extract<SourceSpec, { type: T }>;
type OriginOf<T extends SourceOrigin['type']> = Extract<SourceOrigin, { type: T }>;

/** One kind of source: pins its specs and materialises its origins. */
export interface SourceKind<T extends SourceSpec['type'] & SourceOrigin['type']> {
  /** See Sources.check (absent: nothing to check before the job). */
  check?(app: string, spec: SpecOf<T>): Promise<SpecOf<T>>;
  resolve(app: string, spec: SpecOf<T>, step: SourceStep): Promise<OriginOf<T>>;
  materialize(
    app: string,
    spec: SpecOf<T>,
    origin: OriginOf<T>,
    workDir: string,
    step: SourceStep,
  ): Promise<Materialized>;
}

export interface SourceKinds {
  package: SourceKind<'package'>;
  git: SourceKind<'git'>;
  /** Only with a container runtime. */
  image?: SourceKind<'image'> | undefined;
}

export function createSources(kinds: SourceKinds): Sources {
  const imageKind = (): SourceKind<'image'> => {
    if (!kinds.image) throw new BerthError('IMAGE_DEPLOY_UNSUPPORTED');
    return kinds.image;
  };
  return {
    async check(app, spec) {
      switch (spec.type) {
        case 'package':
          return (await kinds.package.check?.(app, spec)) ?? spec;
        case 'git':
          return (await kinds.git.check?.(app, spec)) ?? spec;
        case 'image': {
          const kind = imageKind();
          return (await kind.check?.(app, spec)) ?? spec;
        }
      }
    },
    resolve(app, spec, step) {
      switch (spec.type) {
        case 'package':
          return kinds.package.resolve(app, spec, step);
        case 'git':
          return kinds.git.resolve(app, spec, step);
        case 'image':
          return imageKind().resolve(app, spec, step);
      }
    },
    materialize(app, spec, origin, workDir, step) {
      if (spec.type === 'package' && origin.type === 'package')
        return kinds.package.materialize(app, spec, origin, workDir, step);
      if (spec.type === 'git' && origin.type === 'git')
        return kinds.git.materialize(app, spec, origin, workDir, step);
      if (spec.type === 'image' && origin.type === 'image')
        return imageKind().materialize(app, spec, origin, workDir, step);
      throw new BerthError('INTERNAL', `a ${spec.type} source resolved to a ${origin.type} origin`);
    },
  };
}
