/** `nas cells show`: one architecture, its cells, parameters and FLOPs. */
import type { Command } from 'commander';
import { runs } from '../invocation';
import { example, flag } from '../options';

export function defineCells(program: Command): void {
  const cells = program.command('cells').summary('show an architecture');
  const show = cells
    .command('show')
    .summary('an architecture: its cells, parameters and FLOPs')
    .argument('<genotype-file|hash|baseline>', 'a genotype JSON file, a recorded architecture hash (or prefix), or a baseline name')
    .addOption(flag('--json', 'hash, cost and genotype as JSON'))
    .addOption(flag('--svg <file>', "also draw a NASNet architecture's normal and reduction cells into this SVG file (as the dashboard does)"));
  example(show, 'nas cells show nasnet-a');
  show.action(runs(async (input) => (await import('../commands/cells')).cellsCommand(input)));
}
