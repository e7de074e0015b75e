import {
  BASELINE_NETWORKS,
  GenotypeError,
  type BaselineArchitecture,
  type BaselineNetwork,
} from '../../contracts/genotypes.ts';

const FIELDS = ['family', 'version', 'name'];

/** Checks a JSON value is a baseline genotype; errors name the field and the allowed values. */
export function validateBaseline(json: unknown): BaselineArchitecture {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GenotypeError('baseline', `must be an object like {"family":"baseline","version":1,"name":"lenet5"}`);
  }
  const record = json as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.includes(key)) throw new GenotypeError(key, `unknown field; allowed fields: ${FIELDS.join(', ')}`);
  }
  if (record.family !== 'baseline')
    throw new GenotypeError('family', `must be "baseline", got ${JSON.stringify(record.family)}`);
  if (record.version !== 1) throw new GenotypeError('version', `must be 1, got ${JSON.stringify(record.version)}`);
  if (!BASELINE_NETWORKS.includes(record.name as BaselineNetwork)) {
    throw new GenotypeError(
      'name',
      `must be one of ${BASELINE_NETWORKS.join(', ')}; got ${JSON.stringify(record.name)}`,
    );
  }
  return { family: 'baseline', version: 1, name: record.name as BaselineNetwork };
}

export function baselineString(arch: BaselineArchitecture): string {
  return `baseline:${arch.name}`;
}
