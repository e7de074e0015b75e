/** What `nas export --format` accepts (no tfjs or protobuf here: the CLI's definitions import it). */
export const EXPORT_FORMATS = ['onnx', 'tfjs', 'both'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
