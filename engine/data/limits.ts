/**
 * What a dataset of the user's may cost in memory, checked from headers before anything is
 * inflated or decoded, so that a small file cannot make a command or a trainer allocate gigabytes:
 * - an IDX file (plain or gzipped) holds at most MAX_DATASET_BYTES of data, and a gzipped one is
 *   inflated only up to the size its header declares;
 * - a folder image has at most MAX_IMAGE_PIXELS pixels (width x height from its header), and a
 *   folder dataset decodes to at most MAX_DATASET_BYTES of pixels (training and test images).
 * A command describing a dataset thus holds at most MAX_DATASET_BYTES of data, plus DECODING_AT_ONCE
 * images of MAX_IMAGE_PIXELS x 4 bytes while a folder is decoded (512 MiB).
 */
export const MAX_DATASET_BYTES = 2 * 1024 ** 3;
export const MAX_IMAGE_PIXELS = 4096 * 4096;
/** Folder images decoded at once (sharp decodes on libuv's thread pool). */
export const DECODING_AT_ONCE = 8;

export const formatBytes = (bytes: number): string =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(bytes % 1024 ** 3 === 0 ? 0 : 2)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
