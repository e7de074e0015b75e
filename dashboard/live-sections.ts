/**
 * The sections a live page refreshes, each stamped with a version of its content. On a change
 * the page asks again with the versions it holds (`?sections=summary.3f9a…,trials.07c1…`) and gets
 * back only the sections whose content differs (assets/live.js), not the whole page.
 */
import { createHash } from 'node:crypto';
import { html, type Html } from './html.ts';

export interface LiveSection {
  id: string;
  version: string;
  markup: Html;
}

export function liveSection(id: string, content: Html): LiveSection {
  const version = createHash('sha1').update(content.text).digest('hex').slice(0, 12);
  return { id, version, markup: html`<section id="${id}" data-live data-version="${version}">${content}</section>` };
}

const HELD = /^[a-z][a-z0-9-]*\.[0-9a-f]{1,40}$/;

/** The versions a page holds, by section id, from its `sections` parameter; a RangeError with one line otherwise. */
export function parseHeldSections(value: unknown): Map<string, string> {
  if (typeof value !== 'string') throw new RangeError('sections is given more than once');
  const held = new Map<string, string>();
  for (const item of value.split(',').filter(Boolean)) {
    if (!HELD.test(item)) throw new RangeError(`sections must list id.version pairs, not '${item}'`);
    const [id, version] = item.split('.');
    held.set(id, version);
  }
  return held;
}

/** The sections whose content differs from the version the page holds (all it lacks). */
export function changedSections(sections: LiveSection[], held: Map<string, string>): Html {
  return html`${sections.filter((s) => held.get(s.id) !== s.version).map((s) => s.markup)}`;
}
