/**
 * A dataset of images in one sub-folder per class (`folder:DIR`), PNG or JPEG, decoded with sharp
 * to 3-channel RGB (greyscale is repeated, alpha dropped). Classes are the sub-folder names, sorted.
 * With `--input-size N` every image is resized to cover N x N and centre-cropped; without it all
 * images must have one size, which is the input size.
 *
 * Test set: DIR/train/<class>/ and DIR/test/<class>/ if both DIR/train and DIR/test exist; else
 * DIR/<class>/ with a fifth of each class's images (rounded down, chosen by a fixed seed, the same
 * for every protocol) held out as the test set. The test set is in a fixed shuffled order, so
 * that a protocol's first --test-size test images are a mix of classes.
 *
 * Decoded data is cached on disk (decoded-cache.ts) under a hash of the directory's absolute path,
 * the input size and the bytes of every image, so that only these very files are ever read from it.
 * Images and datasets over the limits of limits.ts are refused from their headers, before decoding.
 * A class folder or image that is a symbolic link is followed (directory.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import seedrandom from 'seedrandom';
import { stableHash } from '../../contracts/hash.ts';
import type { DatasetDescriptor, ImageShape } from '../../contracts/datasets.ts';
import { cachedDatasetPath, readCachedDataset, writeCachedDataset } from './decoded-cache.ts';
import { DatasetFileError, MAX_CLASSES, type ImageSet, type LoadedDataset } from './image-set.ts';
import { entryKind, fileError, listDatasetDir } from './directory.ts';
import { DECODING_AT_ONCE, formatBytes, MAX_DATASET_BYTES, MAX_IMAGE_PIXELS } from './limits.ts';
import { datasetVersion } from './version.ts';

const IMAGE = /\.(png|jpe?g)$/i;
const TEST_FRACTION = 1 / 5;
/** The largest image file read: more bytes than any PNG or JPEG of MAX_IMAGE_PIXELS needs. */
const MAX_IMAGE_FILE_BYTES = MAX_IMAGE_PIXELS * 4;

interface LabelledFile {
  path: string;
  label: number;
}

export interface FolderListing {
  classNames: string[];
  train: LabelledFile[];
  test: LabelledFile[];
  version: string;
}

/** The folder's classes and its train and test images, from the directory listing alone. */
export function listFolderDataset(dir: string): FolderListing {
  const [hasTrain, hasTest] = ['train', 'test'].map(
    (name) => existsSync(join(dir, name)) && statSync(join(dir, name)).isDirectory(),
  );
  if (hasTrain !== hasTest) {
    const [has, lacks] = hasTrain ? ['train', 'test'] : ['test', 'train'];
    throw new DatasetFileError(
      dir,
      `has ${has}/ but no ${lacks}/`,
      `add ${lacks}/ with the same class folders, or put the class folders directly in ${dir}`,
    );
  }
  if (!hasTrain) {
    const classes = classFolders(dir);
    const byClass = classes.map((name, label) => holdOut(name, imagesOf(join(dir, name), label)));
    return listing(
      dir,
      classes,
      byClass.flatMap((c) => c.train),
      byClass.flatMap((c) => c.test),
    );
  }
  const classes = classFolders(join(dir, 'train'));
  const test = classFolders(join(dir, 'test'), false).flatMap((name) => {
    const label = classes.indexOf(name);
    if (label < 0)
      throw new DatasetFileError(
        join(dir, 'test', name),
        `class ${name} is not among those of ${join(dir, 'train')}`,
        'give test/ the class folders of train/ only',
      );
    return imagesOf(join(dir, 'test', name), label);
  });
  return listing(
    dir,
    classes,
    classes.flatMap((name, label) => imagesOf(join(dir, 'train', name), label)),
    test,
  );
}

/** Describes the folder, decoding every image (so that a bad one is found now) into the cache. */
export async function describeFolderDataset(dir: string, inputSize?: number): Promise<DatasetDescriptor> {
  const files = listFolderDataset(dir);
  const dataset = await loadFolderDataset(dir, { version: files.version, inputSize });
  return {
    input: dataset.input,
    classes: files.classNames.length,
    classNames: files.classNames,
    trainSamples: dataset.train.count,
    testSamples: dataset.test.count,
    version: files.version,
    ...(inputSize !== undefined && { inputSize }),
  };
}

/** The decoded dataset from the cache, else decoded and cached; its files must still be of `expected.version`. */
export async function loadFolderDataset(
  dir: string,
  expected: { version: string; inputSize?: number },
): Promise<LoadedDataset> {
  const files = listFolderDataset(dir);
  if (files.version !== expected.version) {
    throw new DatasetFileError(
      dir,
      `its files changed since the protocol described them (version ${expected.version}, now ${files.version})`,
      'start a new search on it',
    );
  }
  const cacheKey = (hash: Hash) =>
    cachedDatasetPath(
      stableHash({ dir: resolve(dir), inputSize: expected.inputSize ?? null, content: hash.digest('hex') }),
    );
  const cached = readCachedDataset(cacheKey(hashFiles(dir, [...files.train, ...files.test])), dir);
  if (cached) return cached;
  const images = files.train.length + files.test.length;
  if (expected.inputSize)
    checkDatasetBytes(dir, images, { height: expected.inputSize, width: expected.inputSize, channels: 3 });
  // The key of the bytes decoded, hashed again as they are read: a file rewritten meanwhile is not cached under its old bytes.
  const read = contentHash(dir);
  const train = await decodeAll(dir, files.train, images, read, expected.inputSize);
  const test = await decodeAll(dir, files.test, images, read, expected.inputSize, train.shape);
  const dataset = { dir, input: train.shape!, train: train.set, test: test.set };
  writeCachedDataset(cacheKey(read), dataset);
  return dataset;
}

function contentHash(dir: string): Hash {
  return createHash('sha256').update(`${dir}\0`);
}

function addFile(hash: Hash, dir: string, path: string, bytes: Uint8Array): void {
  hash.update(`${relative(dir, path)}\0${bytes.length}\0`).update(bytes);
}

/** The hash of the files' bytes, read one at a time. */
function hashFiles(dir: string, files: LabelledFile[]): Hash {
  const hash = contentHash(dir);
  for (const { path } of files) addFile(hash, dir, path, readImageFile(path));
  return hash;
}

function readImageFile(path: string): Buffer {
  checkImageFileSize(path);
  try {
    return readFileSync(path);
  } catch (err) {
    throw fileError(path, err);
  }
}

function checkImageFileSize(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw fileError(path, err);
  }
  if (size > MAX_IMAGE_FILE_BYTES) {
    throw new DatasetFileError(
      path,
      `${size} bytes, more than an image of at most ${MAX_IMAGE_PIXELS} pixels needs (${formatBytes(MAX_IMAGE_FILE_BYTES)})`,
      'scale it down or remove it',
    );
  }
}

function checkDatasetBytes(dir: string, images: number, shape: ImageShape): void {
  const bytes = images * shape.height * shape.width * shape.channels;
  if (bytes > MAX_DATASET_BYTES) {
    throw new DatasetFileError(
      dir,
      `${images} images of ${shape.width}x${shape.height}x${shape.channels} decode to ${formatBytes(bytes)}, more than the ${formatBytes(MAX_DATASET_BYTES)} a dataset may hold`,
      'give a smaller --input-size, or fewer images',
    );
  }
}

function listing(dir: string, classNames: string[], train: LabelledFile[], test: LabelledFile[]): FolderListing {
  if (train.length === 0)
    throw new DatasetFileError(dir, 'no training images', 'each class folder needs PNG or JPEG images');
  const version = datasetVersion('folder', dir, [...train, ...test].map((f) => f.path).sort());
  return { classNames, train, test: shuffled(test, 'folder-test-order'), version };
}

function classFolders(dir: string, needTwo = true): string[] {
  const names = listDatasetDir(dir)
    .filter((entry) => !entry.name.startsWith('.') && entryKind(dir, entry) === 'directory')
    .map((entry) => entry.name);
  if (needTwo && names.length < 2) {
    const found = names.length === 0 ? 'no class sub-folders' : `one class sub-folder (${names[0]})`;
    throw new DatasetFileError(
      dir,
      `${found}: a folder dataset needs one sub-folder per class, at least two`,
      'add a sub-folder of images for each class',
    );
  }
  if (names.length > MAX_CLASSES)
    throw new DatasetFileError(dir, `${names.length} class sub-folders, more than the ${MAX_CLASSES} supported`);
  return names;
}

function imagesOf(dir: string, label: number): LabelledFile[] {
  const files = listDatasetDir(dir)
    .filter((entry) => IMAGE.test(entry.name) && entryKind(dir, entry) === 'file')
    .map((entry) => ({ path: join(dir, entry.name), label }));
  if (files.length === 0)
    throw new DatasetFileError(
      dir,
      'no PNG or JPEG images (.png, .jpg, .jpeg)',
      'put the images of this class in it, or remove it',
    );
  return files;
}

function holdOut(className: string, files: LabelledFile[]): { train: LabelledFile[]; test: LabelledFile[] } {
  const order = shuffled(files, `folder-holdout/${className}`);
  const testCount = Math.floor(files.length * TEST_FRACTION);
  return { test: order.slice(0, testCount), train: order.slice(testCount).sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

/** A Fisher-Yates shuffle by a fixed seed. */
function shuffled<T>(items: T[], seed: string): T[] {
  const rng = seedrandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function decodeAll(
  dir: string,
  files: LabelledFile[],
  datasetImages: number,
  hash: Hash,
  inputSize?: number,
  known?: ImageShape,
): Promise<{ set: ImageSet; shape?: ImageShape }> {
  let shape = known ?? (inputSize ? { height: inputSize, width: inputSize, channels: 3 } : undefined);
  let first = files[0]?.path;
  let images = new Uint8Array(0);
  const labels = Uint8Array.from(files, (f) => f.label);
  for (let start = 0; start < files.length; start += DECODING_AT_ONCE) {
    const chunk = files.slice(start, start + DECODING_AT_ONCE);
    const decoded = await Promise.all(chunk.map((file) => decodeImage(file.path, inputSize)));
    decoded.forEach((image, i) => {
      const path = chunk[i].path;
      addFile(hash, dir, path, image.bytes);
      if (!shape) {
        shape = image.shape;
        first = path;
      }
      if (image.shape.height !== shape.height || image.shape.width !== shape.width) {
        throw new DatasetFileError(
          path,
          `${image.shape.width}x${image.shape.height} pixels, but ${first} is ${shape.width}x${shape.height}`,
          'images of mixed sizes need --input-size N (resized to N x N)',
        );
      }
      if (images.length === 0) {
        checkDatasetBytes(dir, datasetImages, image.shape);
        images = new Uint8Array(files.length * image.pixels.length);
      }
      images.set(image.pixels, (start + i) * image.pixels.length);
    });
  }
  return { set: { count: files.length, images, labels }, shape };
}

/** The file's bytes and its pixels, decoded from those bytes once its header shows a size within the limit. */
async function decodeImage(
  path: string,
  inputSize?: number,
): Promise<{ bytes: Buffer; pixels: Uint8Array; shape: ImageShape }> {
  // Loaded here, not at start: every `nas` command imports this module, few decode images.
  const { default: sharp } = await import('sharp');
  checkImageFileSize(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fileError(path, err);
  }
  const refused = (err: unknown) =>
    new DatasetFileError(
      path,
      `cannot be decoded as an image (${(err as Error).message.split('\n')[0]})`,
      'replace or remove it',
    );
  let header: { width?: number; height?: number };
  try {
    header = await sharp(bytes).metadata();
  } catch (err) {
    throw refused(err);
  }
  const { width = 0, height = 0 } = header;
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new DatasetFileError(
      path,
      `${width}x${height} pixels, more than the ${MAX_IMAGE_PIXELS} (4096x4096) an image may have`,
      'scale it down or remove it',
    );
  }
  try {
    let image = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).removeAlpha().toColourspace('srgb');
    if (inputSize) image = image.resize(inputSize, inputSize, { fit: 'cover' });
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion to RGB`);
    return {
      bytes,
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
      shape: { height: info.height, width: info.width, channels: 3 },
    };
  } catch (err) {
    throw refused(err);
  }
}
