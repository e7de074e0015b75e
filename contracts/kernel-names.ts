/** Kernels the model builders (cells/builders/) ask a backend for by name, composing tf ops where it has none. */

/**
 * A backend may register a kernel under this name (inputs dy, x, mean,
 * variance, gamma; attribute epsilon; outputs [dx, dgamma, dbeta]) to compute
 * the gradient in one go; the wasm backend does (kernels/simd-only-kernels.ts).
 */
export const BATCH_NORM_GRAD_KERNEL = 'NasBatchNormGrad';
/** Likewise for the batch statistics: input x; outputs [mean, variance] (biased) over every axis but the last. */
export const BATCH_NORM_MOMENTS_KERNEL = 'NasBatchNormMoments';
