/** The CSV contract of every `--format csv`: the JSON records flat, raw values, JSON field names. */
import { describe, expect, it } from 'vitest';
import { renderRows } from '../cli/format.ts';
import { parseCsv } from './support/csv.ts';

const rows = [
  {
    id: 'a',
    accuracy: 0.8123,
    params: 135940,
    createdAt: new Date('2026-01-01T10:00:00Z'),
    best: { trialId: 'a/1', valAccuracy: null },
    seeds: [1, 2],
    note: 'says "hi", twice',
    latencyMs: undefined,
  },
  { id: 'b', accuracy: null, params: 7, createdAt: new Date('2026-01-02T10:00:00Z'), best: null, seeds: [] },
];
const columns = [
  { header: 'accuracy', value: (r: (typeof rows)[number]) => (r.accuracy === null ? null : `${r.accuracy * 100}%`) },
];

describe('--format csv', () => {
  it('writes one column per JSON field, nested fields as dotted paths, raw values, empty for null', () => {
    const csv = renderRows(rows, columns, 'csv');
    expect(csv.split('\n')[0]).toBe('id,accuracy,params,createdAt,best.trialId,best.valAccuracy,seeds,note');
    expect(parseCsv(csv)).toEqual([
      {
        id: 'a',
        accuracy: '0.8123',
        params: '135940',
        createdAt: '2026-01-01T10:00:00.000Z',
        'best.trialId': 'a/1',
        'best.valAccuracy': '',
        seeds: '[1,2]',
        note: 'says "hi", twice',
      },
      {
        id: 'b',
        accuracy: '',
        params: '7',
        createdAt: '2026-01-02T10:00:00.000Z',
        'best.trialId': '',
        'best.valAccuracy': '',
        seeds: '[]',
        note: '',
      },
    ]);
  });

  it('renders the records the JSON form holds, whatever the table shows', () => {
    const json = (r: (typeof rows)[number]) => ({ id: r.id, trials: r.params });
    expect(renderRows(rows, columns, 'csv', json)).toBe('id,trials\na,135940\nb,7');
    expect(JSON.parse(renderRows(rows, columns, 'json', json))).toEqual([
      { id: 'a', trials: 135940 },
      { id: 'b', trials: 7 },
    ]);
  });
});
