import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { like } from 'drizzle-orm';
import { architectureCost, architectureHash, describeArchitecture, validateArchitecture } from '../../cells';
import { BASELINES } from '../../cells/baselines';
import type { Architecture, NasnetCell } from '../../cells/types';
import { architectures } from '../../db/schema';
import { RequestError } from '../../search/request';
import { DATASETS } from '../../contracts/datasets';
import type { CommandInput } from '../invocation';
import { printData, printNote } from '../output';
import { compact } from '../format';
import { openStack } from '../../stack/embedded';
import { stringFlag } from '../args';

/** `nas cells show <genotype-file|hash|baseline>`. */
export async function cellsCommand({ flags, args }: CommandInput): Promise<number> {
  const [ref] = args;
  const arch = await resolveArchitecture(ref);
  const { input, classes } = DATASETS['fashion-mnist'];
  const cost = architectureCost(arch, input, classes);
  const svgFile = stringFlag(flags, 'svg');
  if (svgFile !== undefined) {
    if (arch.family !== 'nasnet') throw new RequestError('--svg', `draws NASNet cells; ${ref} is a ${arch.family} architecture`);
    const { cellSvg } = await import('../../dashboard');
    writeFileSync(svgFile, await cellSvg(arch));
    printNote(`cells drawn in ${svgFile}`);
  }
  if (flags.json) {
    printData(JSON.stringify({ hash: architectureHash(arch), ...cost, genotype: arch }, null, 2));
    return 0;
  }
  printData(`${arch.family} architecture ${architectureHash(arch)}`);
  printData(describeArchitecture(arch));
  if (arch.family === 'nasnet') {
    printData(cellText('normal cell', arch.normal));
    printData(cellText('reduction cell', arch.reduction));
  }
  printData(`params ${cost.params} (${compact(cost.params)}), FLOPs ${compact(cost.flops)} (multiply-adds, 28x28x1 input, 10 classes)`);
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
  const baseline = BASELINES.find((b) => b.name === ref);
  if (baseline) return baseline.architecture;
  if (!/^[0-9a-f]{4,16}$/.test(ref)) {
    throw new RequestError('<genotype-file|hash>', `${ref} is neither a file, a baseline name nor a hex architecture hash`);
  }
  const stack = await openStack({ own: false });
  try {
    const { db } = await stack.database();
    const rows = await db.select().from(architectures).where(like(architectures.hash, `${ref}%`)).limit(2);
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

export function cellText(title: string, cell: NasnetCell): string {
  const used = new Set(cell.blocks.flatMap((b) => b.inputs.filter((i) => i >= 2).map((i) => i - 2)));
  const lines = cell.blocks.map((block, b) => {
    const [left, right] = block.inputs.map((input, k) => `${block.ops[k]}(${inputName(input)})`);
    const joiner = block.combine === 'add' ? ' + ' : ' ++ ';
    return `  block ${b}: ${left}${joiner}${right}`;
  });
  const outputs = cell.blocks.map((_, b) => b).filter((b) => !used.has(b));
  return [`${title}:`, ...lines, `  output: concat(${outputs.map((b) => `block ${b}`).join(', ')})`].join('\n');
}
