import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EFFICIENTNET_B0_SMALL,
  GenotypeError,
  NASNET_A,
  architectureCost,
  architectureGraph,
  architectureHash,
  canonicalArchitecture,
  describeArchitecture,
  graphCost,
  nasnetString,
  validateArchitecture,
  type Architecture,
} from '../cells/index.ts';

const input = { height: 28, width: 28, channels: 1 };
const lenet: Architecture = { family: 'baseline', version: 1, name: 'lenet5' };

describe('architecture dispatch', () => {
  it('validates every family and names an unknown one', () => {
    expect(validateArchitecture(JSON.parse(JSON.stringify(NASNET_A)))).toEqual(NASNET_A);
    expect(validateArchitecture({ ...lenet })).toEqual(lenet);
    expect(validateArchitecture(JSON.parse(JSON.stringify(EFFICIENTNET_B0_SMALL))).family).toBe('efficientnet');
    expect(() => validateArchitecture({ family: 'darts' })).toThrow(
      new GenotypeError('family', '"darts" is not one of nasnet, efficientnet, mobilenetv2, baseline'),
    );
    expect(() => validateArchitecture([])).toThrow(
      'architecture: must be an object with a family field (nasnet, efficientnet, mobilenetv2, baseline)',
    );
    expect(() => validateArchitecture({ ...NASNET_A, version: 3 })).toThrow(
      'version: 3 is not a supported version (1, 2)',
    );
  });

  it('hashes the canonical form: golden values, branch order of add blocks ignored', () => {
    expect(architectureHash(NASNET_A)).toBe('89a86ba894034bc9');
    expect(architectureHash(lenet)).toBe('06067192ecc8fabc');
    const swapped = JSON.parse(JSON.stringify(NASNET_A));
    swapped.normal.blocks[0].inputs.reverse();
    swapped.normal.blocks[0].ops.reverse();
    expect(architectureHash(swapped)).toBe(architectureHash(NASNET_A));
    expect(canonicalArchitecture(swapped)).toEqual(canonicalArchitecture(NASNET_A));
    const other = JSON.parse(JSON.stringify(NASNET_A));
    other.network.filters = 32;
    expect(architectureHash(other)).not.toBe(architectureHash(NASNET_A));
    const effnet = validateArchitecture(JSON.parse(JSON.stringify(EFFICIENTNET_B0_SMALL)));
    expect(architectureHash(effnet)).toBe(architectureHash(EFFICIENTNET_B0_SMALL));
    expect(architectureHash(effnet)).not.toBe(architectureHash(NASNET_A));
  });

  it('describes, compiles and costs each family through one entry point', () => {
    expect(describeArchitecture(NASNET_A)).toBe(nasnetString(NASNET_A));
    for (const arch of [NASNET_A, lenet, EFFICIENTNET_B0_SMALL]) {
      expect(describeArchitecture(arch).length).toBeGreaterThan(0);
      const graph = architectureGraph(arch, input, 10);
      expect(architectureCost(arch, input, 10)).toEqual(graphCost(graph));
    }
    expect(architectureCost(NASNET_A, input, 10)).toEqual({ params: 338906, flops: 40940544 });
  });
});

describe('purity of cells/ outside cells/builders and cells/exporters', () => {
  it('imports neither tfjs nor Node built-ins (it runs in the Temporal workflow sandbox)', () => {
    const root = join(__dirname, '..', 'cells');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          // The tfjs builders and the exporters run in trainers and the CLI only (tsconfig.pure.json excludes them too).
          if (name !== 'builders' && name !== 'exporters') walk(path);
        } else if (name.endsWith('.ts')) files.push(path);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((file) =>
      /from\s+'(@tensorflow\/[^']*|node:[^']*|fs|path|crypto|os|child_process|process)'/.test(
        readFileSync(file, 'utf8'),
      ),
    );
    expect(offenders).toEqual([]);
  });
});
