import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { like } from 'drizzle-orm';
import {
  architectureCost,
  architectureHash,
  comparableParams,
  describeArchitecture,
  PUBLISHED_NETWORKS,
  publishedNetwork,
  validateArchitecture,
} from '../../cells/index.ts';
import { BASELINES } from '../../cells/baselines/index.ts';
import type { Architecture, Cost, InputShape, NasnetCell } from '../../contracts/genotypes.ts';
import { architectures } from '../../db/schema.ts';
import { RequestError } from '../../contracts/request-error.ts';
import { DATASETS } from '../../contracts/datasets.ts';
import type { CommandInput } from '../invocation.ts';
import { printData, printNote } from '../output.ts';
import { compact } from '../../numeric/number-text.ts';
import { formatOf, renderRows, type Column } from '../format.ts';
import { openStack } from '../../stack/embedded.ts';
import { stringFlag } from '../args.ts';
import { classesFlagValue, inputShapeFlag, inputText } from '../input-shape.ts';

/**
 * The cost of `arch` for that input, or a RequestError naming --input when the
 * network cannot take it (e.g. too small for its reductions).
 */
export function costAt(arch: Architecture, name: string, input: InputShape, classes: number): Cost {
  try {
    return architectureCost(arch, input, classes);
  } catch (err) {
    throw new RequestError(
      '--input',
      `${name} cannot be built for a ${inputText(input)} input (${(err as Error).message}); give a larger --input`,
    );
  }
}

/** `nas cells show <name|genotype-file|hash>`. */
export async function cellsCommand({ flags, args }: CommandInput): Promise<number> {
  const [ref] = args;
  const flagInput = inputShapeFlag(flags);
  const flagClasses = classesFlagValue(flags);
  const arch = await resolveArchitecture(ref);
  const published = publishedNetwork(ref);
  const fallback = published ?? DATASETS['fashion-mnist'];
  const input = flagInput ?? fallback.input;
  const classes = flagClasses ?? fallback.classes;
  const cost = costAt(arch, ref, input, classes);
  const svgFile = stringFlag(flags, 'svg');
  if (svgFile !== undefined) {
    if (arch.family !== 'nasnet')
      throw new RequestError('--svg', `draws NASNet cells; ${ref} is a ${arch.family} architecture`);
    const { cellSvg } = await import('../../dashboard/index.ts');
    writeFileSync(svgFile, await cellSvg(arch));
    printNote(`cells drawn in ${svgFile}`);
  }
  if (flags.json) {
    printData(JSON.stringify({ hash: architectureHash(arch), ...cost, input, classes, genotype: arch }, null, 2));
    return 0;
  }
  printData(`${arch.family} architecture ${architectureHash(arch)}`);
  printData(describeArchitecture(arch));
  if (arch.family === 'nasnet') {
    printData(cellText('normal cell', arch.normal));
    printData(cellText('reduction cell', arch.reduction));
  }
  printData(
    `params ${cost.params} (${compact(cost.params)}), FLOPs ${compact(cost.flops)} (multiply-adds, ${inputText(input)} input, ${classes} classes)`,
  );
  return 0;
}

interface PublishedRow {
  name: string;
  input: string;
  classes: number;
  params: number;
  counted: number;
  reference: number;
  referenceSource: string;
  convention: string | null;
  paramsDiff: number;
  flops: number;
  paperMacs: number | null;
  macsDiff: number | null;
}

const signedPercent = (value: number | null) =>
  value === null ? null : `${value >= 0 ? '+' : ''}${(100 * value).toFixed(3)}%`;

const PUBLISHED_COLUMNS: Column<PublishedRow>[] = [
  { header: 'network', value: (r) => r.name },
  { header: 'input', value: (r) => r.input, align: 'right' },
  { header: 'classes', value: (r) => r.classes, align: 'right' },
  { header: 'params', value: (r) => r.params, align: 'right' },
  { header: 'as counted', value: (r) => r.counted, align: 'right' },
  { header: 'reference params', value: (r) => r.reference, align: 'right' },
  { header: 'diff', value: (r) => signedPercent(r.paramsDiff), align: 'right' },
  { header: 'MACs', value: (r) => compact(r.flops), align: 'right' },
  { header: 'paper MACs', value: (r) => compact(r.paperMacs), align: 'right' },
  { header: 'MACs diff', value: (r) => signedPercent(r.macsDiff), align: 'right' },
  { header: 'reference', value: (r) => r.referenceSource },
  { header: 'convention', value: (r) => r.convention },
];

/**
 * `nas cells published`: every published network at its own input size (or
 * --input/--classes), params against the reference implementation's count,
 * multiply-adds against the paper's. The references hold for the published
 * input and classes only.
 */
export async function publishedCommand({ flags }: CommandInput): Promise<number> {
  const format = formatOf(flags);
  const flagInput = inputShapeFlag(flags);
  const flagClasses = classesFlagValue(flags);
  if (flagInput || flagClasses) printNote("the reference counts are for each network's published input and classes");
  const rows = PUBLISHED_NETWORKS.map((n): PublishedRow => {
    const input = flagInput ?? n.input;
    const classes = flagClasses ?? n.classes;
    const cost = costAt(n.architecture, n.name, input, classes);
    const ref = n.reference;
    const counted = comparableParams(n, cost.params, input, classes);
    const conventions = [
      ref.counts === 'trainable' ? "trainable only (without batch norm's moving mean and variance)" : null,
      ref.conventionParams ? `plus ${ref.conventionParams.params}: ${ref.conventionParams.what}` : null,
    ].filter((c) => c !== null);
    return {
      name: n.name,
      input: inputText(input),
      classes,
      params: cost.params,
      counted,
      reference: ref.params,
      referenceSource: ref.paramsSource,
      convention: conventions.length ? conventions.join('; ') : null,
      paramsDiff: counted / ref.params - 1,
      flops: cost.flops,
      paperMacs: ref.macs ?? null,
      macsDiff: ref.macs === undefined ? null : cost.flops / ref.macs - 1,
    };
  });
  printData(renderRows(rows, PUBLISHED_COLUMNS, format));
  return 0;
}

async function resolveArchitecture(ref: string): Promise<Architecture> {
  if (existsSync(ref)) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(ref, 'utf8'));
    } catch (err) {
      throw new RequestError('<genotype-file>', `${ref} is not JSON (${(err as Error).message})`);
    }
    return validateArchitecture(json);
  }
  const baseline = BASELINES.find((b) => b.name === ref) ?? publishedNetwork(ref);
  if (baseline) return baseline.architecture;
  if (!/^[0-9a-f]{4,16}$/.test(ref)) {
    const names = [...BASELINES, ...PUBLISHED_NETWORKS].map((b) => b.name).join(', ');
    throw new RequestError(
      '<name|genotype-file|hash>',
      `${ref} is neither a network name (${names}), a file nor a hex architecture hash`,
    );
  }
  const stack = await openStack({ own: false });
  try {
    const { db } = await stack.database();
    const rows = await db
      .select()
      .from(architectures)
      .where(like(architectures.hash, `${ref}%`))
      .limit(2);
    if (rows.length === 0) throw new RequestError('<hash>', `no architecture with hash ${ref} has been recorded`);
    if (rows.length > 1) throw new RequestError('<hash>', `${ref} matches several architectures; give more digits`);
    return validateArchitecture(rows[0].genotype);
  } finally {
    await stack.close();
  }
}

function inputName(index: number): string {
  if (index === 0) return 'h[i-2]';
  if (index === 1) return 'h[i-1]';
  return `block ${index - 2}`;
}

/** A version-2 cell lists its output states; a version-1 cell concatenates the blocks no block reads. */
export function cellText(title: string, cell: NasnetCell & { output?: number[] }): string {
  const used = new Set(cell.blocks.flatMap((b) => b.inputs.filter((i) => i >= 2)));
  const lines = cell.blocks.map((block, b) => {
    const [left, right] = block.inputs.map((input, k) => `${block.ops[k]}(${inputName(input)})`);
    const joiner = block.combine === 'add' ? ' + ' : ' ++ ';
    return `  block ${b}: ${left}${joiner}${right}`;
  });
  const outputs = cell.output ?? cell.blocks.map((_, b) => 2 + b).filter((state) => !used.has(state));
  return [`${title}:`, ...lines, `  output: concat(${outputs.map(inputName).join(', ')})`].join('\n');
}
