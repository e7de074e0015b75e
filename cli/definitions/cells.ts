/** `nas cells show|published`: one architecture, its cells, parameters and FLOPs; the published networks against their references. */
import type { Command } from 'commander';
import { runs } from '../invocation.ts';
import { addFlags, example, flag, formatFlag, jsonFlag } from '../options.ts';
import { classesFlag, inputFlag } from '../input-shape.ts';

export function defineCells(program: Command): void {
  const cells = program.command('cells').summary('show an architecture');
  const show = cells
    .command('show')
    .summary('an architecture: its cells, parameters and FLOPs')
    .argument(
      '<name|genotype-file|hash>',
      'a baseline or published network name (see `nas baselines list`), a genotype JSON file, or a recorded architecture hash (or prefix)',
    );
  addFlags(show, [
    inputFlag("a published network's own, else 28x28x1"),
    classesFlag("a published network's own, else 10"),
    flag('--json', 'hash, cost and genotype as JSON'),
    flag(
      '--svg <file>',
      "also draw a NASNet architecture's normal and reduction cells into this SVG file (as the dashboard does)",
    ),
  ]);
  example(show, 'nas cells show nasnet-a-mobile --input 331x331x3');
  show.action(runs(async (input) => (await import('../commands/cells.ts')).cellsCommand(input)));

  const published = cells
    .command('published')
    .summary('the published networks at full size: params against Keras, multiply-adds against the papers');
  addFlags(published, [inputFlag("each network's own"), classesFlag("each network's own"), formatFlag(), jsonFlag()]);
  example(published, 'nas cells published --format markdown');
  published.action(runs(async (input) => (await import('../commands/cells.ts')).publishedCommand(input)));
}
