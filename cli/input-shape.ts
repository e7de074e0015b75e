/** `--input HxWxC` and `--classes n`: the input size and class count a network's cost is computed for. */
import type { Option } from 'commander';
import type { InputShape } from '../contracts/genotypes.ts';
import { RequestError } from '../contracts/request-error.ts';
import { requirePositiveInteger } from '../contracts/field-checks.ts';
import { stringFlag, type Flags } from './args.ts';
import { flag } from './options.ts';

const MAX_SIZE = 4096;

export function inputFlag(defaultText: string): Option {
  return flag('--input <HxWxC>', 'input height x width x channels the costs are computed for, e.g. 224x224x3', {
    defaultText,
  });
}

export function classesFlag(defaultText: string): Option {
  return flag('--classes <n>', 'classes of the classifier the costs are computed for', { defaultText });
}

/** `224x224x3` -> {height 224, width 224, channels 3}; undefined when the flag is absent. */
export function inputShapeFlag(flags: Flags): InputShape | undefined {
  const text = stringFlag(flags, 'input');
  if (text === undefined) return undefined;
  const match = /^\s*(\d+)\s*[xX]\s*(\d+)\s*[xX]\s*(\d+)\s*$/.exec(text);
  const [height, width, channels] = match ? match.slice(1).map(Number) : [];
  if (!match || [height, width, channels].some((n) => n < 1 || n > MAX_SIZE)) {
    throw new RequestError(
      '--input',
      `must be HEIGHTxWIDTHxCHANNELS with sizes in 1..${MAX_SIZE}, e.g. --input 224x224x3; got ${JSON.stringify(text)}`,
    );
  }
  return { height, width, channels };
}

export function classesFlagValue(flags: Flags): number | undefined {
  const text = stringFlag(flags, 'classes');
  if (text === undefined) return undefined;
  const classes = requirePositiveInteger('--classes', text);
  if (classes < 2)
    throw new RequestError('--classes', `must be at least 2 (a classifier), e.g. --classes 1000; got ${classes}`);
  return classes;
}

export function inputText(input: InputShape): string {
  return `${input.height}x${input.width}x${input.channels}`;
}
