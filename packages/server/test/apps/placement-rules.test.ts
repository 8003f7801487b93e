// The placement grammar the server and the CLI share (the SDK's placement.ts): what is a constraint,
// its normal form, and the limits of a whole placement.
import {
  checkPlacement,
  MAX_PLACEMENT_CONSTRAINTS,
  normalizePlacementConstraint,
  parsePlacementConstraint,
} from '@berth/sdk';
import { describe, expect, it } from 'vitest';

describe('placement constraints', () => {
  it('accepts every key Swarm matches nodes on, with == and !=', () => {
    for (const c of [
      'node.id==xi0lohxg0c9bb1fn58fwnqfmi',
      'node.hostname!=vm-2',
      'node.role==manager',
      'node.role!=worker',
      'node.platform.os==linux',
      'node.platform.arch==x86_64',
      'node.labels.zone==a',
      'node.labels.com.example.tier_1==gold-2',
      'engine.labels.storage==ssd',
      'node.labels.region==eu/west:1',
    ]) {
      expect(normalizePlacementConstraint(c), c).toBe(c);
    }
  });

  it('removes the spaces around the operator and at the ends', () => {
    expect(normalizePlacementConstraint('node.labels.zone == a')).toBe('node.labels.zone==a');
    expect(normalizePlacementConstraint('  node.role!=  worker ')).toBe('node.role!=worker');
    expect(parsePlacementConstraint('engine.labels.disk==ssd')).toEqual({
      key: 'engine.labels.disk',
      operator: '==',
      value: 'ssd',
    });
  });

  it('refuses anything else, saying why', () => {
    const refused: Record<string, RegExp> = {
      '': /KEY==VALUE/,
      'node.labels.zone=a': /KEY==VALUE/,
      'node.labels.zone===a': /KEY==VALUE/,
      'node.labels.zone==': /KEY==VALUE/,
      '==a': /KEY==VALUE/,
      'node.labels.zone==a b': /KEY==VALUE/,
      'node.labels.my zone==a': /KEY==VALUE/,
      'node.labels.zone==a\n': /KEY==VALUE/,
      'node.labels.zone==a,node.role==manager': /value/,
      'node.labels.==a': /label name/,
      'node.labels.zone$==a': /label name/,
      'node.labels==a': /unknown key/,
      'node.name==a': /unknown key/,
      'container.labels.x==a': /unknown key/,
      'NODE.ROLE==manager': /unknown key/,
      'node.role==boss': /manager or worker/,
      'node.labels.zone==a;rm': /value/,
      'node.labels.zone==$(id)': /value/,
      'node.labels.zone==é': /value/,
      [`node.labels.zone==${'a'.repeat(200)}`]: /longer than 200/,
    };
    for (const [text, why] of Object.entries(refused)) {
      const parsed = parsePlacementConstraint(text);
      expect(parsed, JSON.stringify(text)).toHaveProperty('problem');
      expect((parsed as { problem: string }).problem, JSON.stringify(text)).toMatch(why);
      expect(normalizePlacementConstraint(text)).toBeUndefined();
    }
  });

  it('checks a whole placement: normal forms, at most ten, none twice, empty allowed', () => {
    expect(checkPlacement([])).toEqual({ placement: [] });
    expect(checkPlacement(['node.labels.zone == a', 'node.role==worker'])).toEqual({
      placement: ['node.labels.zone==a', 'node.role==worker'],
    });
    const many = Array.from({ length: MAX_PLACEMENT_CONSTRAINTS + 1 }, (_, i) => `node.labels.l${i}==x`);
    expect(checkPlacement(many.slice(0, MAX_PLACEMENT_CONSTRAINTS))).toHaveProperty('placement');
    expect(checkPlacement(many)).toEqual({ problem: 'at most 10 placement constraints are allowed' });
    expect(checkPlacement(['node.labels.zone==a', 'node.labels.zone == a'])).toEqual({
      problem: "placement constraint 'node.labels.zone==a' is given twice",
    });
    expect(checkPlacement(['node.role==worker', 'node.role=worker'])).toEqual({
      problem:
        "placement constraint 'node.role=worker' must read KEY==VALUE or KEY!=VALUE, without spaces inside key or value",
    });
  });
});
