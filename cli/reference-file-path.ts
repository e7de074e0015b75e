/** Where the project keeps its committed reference set, as help texts name it (relative to the project). */
export const REFERENCE_FILE_IN_PROJECT = 'data/reference/nasnet-fashion-mnist.json';
