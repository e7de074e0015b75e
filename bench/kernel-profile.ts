/** The kernels of one training step under tf.profile, for bench:train --profile and bench:cell-step. */
import * as tf from '@tensorflow/tfjs';

export interface KernelProfile {
  /** The 15 kernels that took longest, with their calls. */
  profile: Array<{ kernel: string; ms: number; calls: number }>;
  /** Kernel milliseconds by kind of kernel; together, all of the step's kernel time. */
  profileByKind: Record<string, number>;
  /** Kernel calls of the step, all kernels. */
  kernelCalls: number;
}

const KERNEL_KINDS: Array<[string, RegExp]> = [
  [
    'convolution/matmul',
    /^(Conv2D|FusedConv2D|DepthwiseConv2dNative|FusedDepthwiseConv2D|Conv2DBackprop\w+|DepthwiseConv2dNativeBackprop\w+|BatchMatMul|_FusedMatMul)$/,
  ],
  ['pooling', /^(MaxPool|AvgPool|MaxPoolGrad|AvgPoolGrad)$/],
  ['layout', /^(Concat|SplitV|Slice|StridedSlice|PadV2|Transpose|Tile|Identity|Cast|Reshape)$/],
];

/** Kernel time of one step; `name__op` entries (custom-gradient wrappers) would count their kernels twice and are left out. */
export async function kernelProfile(step: () => void): Promise<KernelProfile> {
  const info = await tf.profile(async () => {
    step();
  });
  const byName = new Map<string, { ms: number; calls: number }>();
  let kernelCalls = 0;
  for (const k of info.kernels) {
    if (k.name.endsWith('__op')) continue;
    kernelCalls++;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    byName.set(k.name, e);
  }
  const byKind: Record<string, number> = {};
  for (const [name, e] of byName) {
    const kind = KERNEL_KINDS.find(([, pattern]) => pattern.test(name))?.[0] ?? 'element-wise/reduction';
    byKind[kind] = +((byKind[kind] ?? 0) + e.ms).toFixed(2);
  }
  const profile = [...byName]
    .map(([kernel, e]) => ({ kernel, ms: +e.ms.toFixed(2), calls: e.calls }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 15);
  return { profile, profileByKind: byKind, kernelCalls };
}
