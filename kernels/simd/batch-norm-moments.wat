;; Per-channel mean and (biased) variance over `rows` positions of `c`
;; channels (NHWC flattened to [rows, c]), in two passes: the mean, then the
;; mean squared deviation from it. Channels four at a time, then one at a
;; time; the running sums live in mean and variance, which the caller zeroes.
;; The memory import line is rewritten for the shared memory of the threaded build.
(module
  (import "env" "memory" (memory 1))

  (func (export "batchNormMoments") (param $x i32) (param $mean i32) (param $variance i32) (param $rows i32) (param $c i32)
    (local $r i32) (local $k i32) (local $p i32) (local $rowBytes i32) (local $vectorBytes i32)
    (local $scale f32) (local $d v128) (local $e f32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (local.set $scale (f32.div (f32.const 1) (f32.convert_i32_u (local.get $rows))))
    ;; pass 1: sums, then means
    (local.set $p (local.get $x))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $k (i32.const 0))
      (block $doneV (loop $nextV
        (br_if $doneV (i32.ge_u (local.get $k) (local.get $vectorBytes)))
        (v128.store (i32.add (local.get $mean) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $mean) (local.get $k))) (v128.load (i32.add (local.get $p) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $nextV)))
      (block $doneS (loop $nextS
        (br_if $doneS (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (f32.store (i32.add (local.get $mean) (local.get $k))
          (f32.add (f32.load (i32.add (local.get $mean) (local.get $k))) (f32.load (i32.add (local.get $p) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $nextS)))
      (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextR)))
    (local.set $k (i32.const 0))
    (block $doneM (loop $nextM
      (br_if $doneM (i32.ge_u (local.get $k) (local.get $rowBytes)))
      (f32.store (i32.add (local.get $mean) (local.get $k)) (f32.mul (f32.load (i32.add (local.get $mean) (local.get $k))) (local.get $scale)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $nextM)))
    ;; pass 2: squared deviations, then variances
    (local.set $p (local.get $x))
    (local.set $r (i32.const 0))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $k (i32.const 0))
      (block $doneV (loop $nextV
        (br_if $doneV (i32.ge_u (local.get $k) (local.get $vectorBytes)))
        (local.set $d (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $k))) (v128.load (i32.add (local.get $mean) (local.get $k)))))
        (v128.store (i32.add (local.get $variance) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $variance) (local.get $k))) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $nextV)))
      (block $doneS (loop $nextS
        (br_if $doneS (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $e (f32.sub (f32.load (i32.add (local.get $p) (local.get $k))) (f32.load (i32.add (local.get $mean) (local.get $k)))))
        (f32.store (i32.add (local.get $variance) (local.get $k))
          (f32.add (f32.load (i32.add (local.get $variance) (local.get $k))) (f32.mul (local.get $e) (local.get $e))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $nextS)))
      (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextR)))
    (local.set $k (i32.const 0))
    (block $doneM (loop $nextM
      (br_if $doneM (i32.ge_u (local.get $k) (local.get $rowBytes)))
      (f32.store (i32.add (local.get $variance) (local.get $k)) (f32.mul (f32.load (i32.add (local.get $variance) (local.get $k))) (local.get $scale)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $nextM)))))
