/** `nas cells show --svg`: the dashboard's cell diagram written to a file; a non-NASNet architecture is refused. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNas } from '../harness/processes.ts';

describe('nas cells show --svg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nas-cells-svg-'));

  it("draws NASNet-A's two cells into the file", async () => {
    const file = join(dir, 'nasnet-a.svg');
    const { code, stdout } = await runNas(['cells', 'show', 'nasnet-a', '--svg', file], {});
    expect(code).toBe(0);
    expect(stdout).toContain('normal cell');
    const svg = readFileSync(file, 'utf8');
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(svg).toContain('>Normal cell</text>');
    expect(svg).toContain('>Reduction cell</text>');
    expect(svg.match(/>sep_conv_5x5</g)).toHaveLength(4);
  }, 60_000);

  it('refuses a baseline that is not a NASNet architecture, writing nothing', async () => {
    const file = join(dir, 'lenet5.svg');
    const { code, stderr } = await runNas(['cells', 'show', 'lenet5', '--svg', file], {});
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^nas: --svg: draws NASNet cells; lenet5 is a \w+ architecture$/);
    expect(existsSync(file)).toBe(false);
  }, 60_000);
});
