/** What one finished training measured, as a reference file carries it and an import records it. */
export interface MeasuredTraining {
  protocolHash: string;
  seed: number;
  status: 'succeeded' | 'diverged';
  valAccuracy: number | null;
  testAccuracy: number | null;
  /** CPU time of the training thread; null when its trainer could not measure it. */
  cpuSeconds: number | null;
  trainSeconds: number | null;
  /** Batch-1 inference latency measured before the training, on latencyDevice. */
  latencyMs: number | null;
  latencyDevice: string | null;
  backend: string | null;
}
