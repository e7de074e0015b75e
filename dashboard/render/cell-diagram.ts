/** Cell diagrams as SVG: the cell graph laid out by elkjs (layered, top to bottom) and drawn from that layout. */
import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { Architecture, NasnetCell } from '../../contracts/genotypes.ts';
import { cellGraph, type CellNodeKind } from './cell-graph.ts';
import { escapeXml } from './escape.ts';

const elk = new ELK();

const NODE_STYLE: Record<CellNodeKind, { fill: string; stroke: string; width: number; height: number }> = {
  input: { fill: '#e8eef9', stroke: '#1f4e9c', width: 90, height: 32 },
  op: { fill: '#fff6e0', stroke: '#b07d10', width: 118, height: 30 },
  combine: { fill: '#e7f5e8', stroke: '#2c7a33', width: 70, height: 28 },
  output: { fill: '#f3e6f5', stroke: '#7a2c86', width: 130, height: 32 },
};

const LAYOUT = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.layered.spacing.nodeNodeBetweenLayers': '34',
  'elk.spacing.nodeNode': '18',
  'elk.edgeRouting': 'SPLINES',
  'elk.padding': '[top=36,left=12,bottom=12,right=12]',
};

function edgePath(edge: ElkExtendedEdge): string {
  return (edge.sections ?? [])
    .map((s) => {
      const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      if (points.length === 4) {
        const [a, c1, c2, b] = points;
        return `M${a.x},${a.y} C${c1.x},${c1.y} ${c2.x},${c2.y} ${b.x},${b.y}`;
      }
      return points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
    })
    .join(' ');
}

/** One cell: a <g> of nodes (data-kind, data-id) and edges (data-from, data-to), with its title above. */
export async function cellDiagramSvg(cell: NasnetCell, title: string): Promise<string> {
  const graph = cellGraph(cell);
  const input: ElkNode = {
    id: 'cell',
    layoutOptions: LAYOUT,
    children: graph.nodes.map((n) => ({
      id: n.id,
      width: NODE_STYLE[n.kind].width,
      height: NODE_STYLE[n.kind].height,
    })),
    edges: graph.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
  const laid = await elk.layout(input);
  const byId = new Map((laid.children ?? []).map((n: ElkNode) => [n.id, n]));
  const marker = `arrow-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const width = Math.ceil(laid.width ?? 0);
  const height = Math.ceil(laid.height ?? 0);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="cell-diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  (laid.edges ?? []).forEach((edge, i) => {
    const { from, to } = graph.edges[i];
    out.push(
      `<path class="cell-edge" data-from="${from}" data-to="${to}" d="${edgePath(edge)}" fill="none" stroke="#555" stroke-width="1.3" marker-end="url(#${marker})"/>`,
    );
  });
  for (const node of graph.nodes) {
    const box = byId.get(node.id)!;
    const style = NODE_STYLE[node.kind];
    const [x, y, w, h] = [box.x ?? 0, box.y ?? 0, style.width, style.height];
    const rx = node.kind === 'combine' ? h / 2 : 5;
    out.push(
      `<g class="cell-node" data-kind="${node.kind}" data-id="${node.id}"${node.block === undefined ? '' : ` data-block="${node.block}"`}>` +
        `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${rx}" fill="${style.fill}" stroke="${style.stroke}" stroke-width="1.4"/>` +
        `<text x="${x + w / 2}" y="${y + h / 2 + 4}" text-anchor="middle">${escapeXml(node.label)}</text></g>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The normal cell above the reduction cell of a NASNet architecture, as one SVG (`nas cells show --svg`). */
export async function cellSvg(architecture: Architecture): Promise<string> {
  if (architecture.family !== 'nasnet') {
    throw new Error(
      `cell diagram: a ${architecture.family} architecture has no cells; only nasnet architectures are drawn as cells`,
    );
  }
  const parts = await Promise.all([
    cellDiagramSvg(architecture.normal, 'Normal cell'),
    cellDiagramSvg(architecture.reduction, 'Reduction cell'),
  ]);
  const sizes = parts.map((svg) =>
    svg
      .match(/width="(\d+)" height="(\d+)"/)!
      .slice(1)
      .map(Number),
  );
  const gap = 24;
  const width = Math.max(sizes[0][0], sizes[1][0]);
  const height = sizes[0][1] + gap + sizes[1][1];
  const placed = parts.map((svg, i) =>
    svg.replace('<svg xmlns="http://www.w3.org/2000/svg"', `<svg x="0" y="${i === 0 ? 0 : sizes[0][1] + gap}"`),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<rect width="100%" height="100%" fill="white"/>',
    ...placed,
    '</svg>',
    '',
  ].join('\n');
}
