/**
 * The engine version in training protocols: results trained by an engine whose numerics differ
 * (version 1 computed NASNet's factorized convolutions in reduction cells wrongly on wasm) are
 * neither reused nor ranked with results of this engine.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../cli/command-line.ts';
import { protocolFromFlags, searchRequestFromFlags } from '../cli/search-request.ts';
import { defaultFinalProtocol } from '../search/final.ts';
import { DEFAULT_PROTOCOL, ENGINE_VERSION, protocolHash, type TrainingProtocol } from '../contracts/protocol.ts';
import { checkProtocol } from '../contracts/protocol-checks.ts';

/** The default protocol as recorded by engine version 1 (no engineVersion field). */
const RECORDED_BY_ENGINE_1: TrainingProtocol = (({ engineVersion: _engine, ...rest }) => rest)(DEFAULT_PROTOCOL);
const flags = (...argv: string[]) => parseCommandLine(['baselines', 'list', ...argv]).input.flags;

describe('the engine version of a training protocol', () => {
  it('is 2 in new protocols and in their hash; protocols recorded without it keep theirs', () => {
    expect(ENGINE_VERSION).toBe(2);
    expect(DEFAULT_PROTOCOL.engineVersion).toBe(2);
    expect(protocolHash(RECORDED_BY_ENGINE_1)).toBe('729d4c7db0fd8c01');
    expect(protocolHash(DEFAULT_PROTOCOL)).toBe('028fc03622c4e2c1');
  });

  it('is set by this engine on every protocol the CLI builds, also from defaults recorded without it', () => {
    expect(protocolFromFlags(flags()).engineVersion).toBe(ENGINE_VERSION);
    const finalOfOldSearch = protocolFromFlags(flags(), { defaults: defaultFinalProtocol(RECORDED_BY_ENGINE_1) });
    expect(finalOfOldSearch.engineVersion).toBe(ENGINE_VERSION);
    expect(protocolHash(finalOfOldSearch)).not.toBe(protocolHash(defaultFinalProtocol(RECORDED_BY_ENGINE_1)));
    const search = searchRequestFromFlags(parseCommandLine(['search', 'start', '--finalize-top', '2']).input.flags, {
      checkData: false,
    });
    expect(search.protocol.engineVersion).toBe(ENGINE_VERSION);
    expect(search.finalize?.protocol.engineVersion).toBe(ENGINE_VERSION);
  });

  it('is absent (version 1) or a version this engine trains', () => {
    expect(() => checkProtocol(RECORDED_BY_ENGINE_1)).not.toThrow();
    expect(() => checkProtocol(DEFAULT_PROTOCOL)).not.toThrow();
    for (const engineVersion of [1, 3, 2.5]) {
      expect(() => checkProtocol({ ...DEFAULT_PROTOCOL, engineVersion })).toThrow(
        `protocol.engineVersion: must be an integer in 2..2 (this engine's; absent for version 1), got ${engineVersion}`,
      );
    }
  });
});
