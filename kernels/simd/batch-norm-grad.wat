;; The two passes of a batch-norm gradient over `rows` positions of `c`
;; channels (NHWC flattened to [rows, c]):
;;   sums:  s[k] += dy[r,k], s[c+k] += dy[r,k] * (x[r,k] - mean[k])
;;   apply: dx[r,k] = a[k] * dy[r,k] + b[k] * (x[r,k] - mean[k]) + d[k]
;;          with coefficient rows a, b, d, mean (4 x c floats).
;; Channels four at a time, then one at a time. The caller zeroes s.
;; The memory import line is rewritten for the shared memory of the threaded build.
(module
  (import "env" "memory" (memory 1))

  (func (export "batchNormGradSums")
    (param $dy i32) (param $x i32) (param $mean i32) (param $sums i32) (param $rows i32) (param $c i32)
    (local $r i32) (local $k i32) (local $rowBytes i32) (local $vectorBytes i32) (local $products i32) (local $g v128)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (local.set $products (i32.add (local.get $sums) (local.get $rowBytes)))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $k (i32.const 0))
      (block $doneV (loop $nextV
        (br_if $doneV (i32.ge_u (local.get $k) (local.get $vectorBytes)))
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $k))))
        (v128.store (i32.add (local.get $sums) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $k))) (local.get $g)))
        (v128.store (i32.add (local.get $products) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $products) (local.get $k)))
            (f32x4.mul (local.get $g)
              (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $mean) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $nextV)))
      (block $doneS (loop $nextS
        (br_if $doneS (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (f32.store (i32.add (local.get $sums) (local.get $k))
          (f32.add (f32.load (i32.add (local.get $sums) (local.get $k))) (f32.load (i32.add (local.get $dy) (local.get $k)))))
        (f32.store (i32.add (local.get $products) (local.get $k))
          (f32.add (f32.load (i32.add (local.get $products) (local.get $k)))
            (f32.mul (f32.load (i32.add (local.get $dy) (local.get $k)))
              (f32.sub (f32.load (i32.add (local.get $x) (local.get $k))) (f32.load (i32.add (local.get $mean) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $nextS)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextR))))

  (func (export "batchNormGradApply")
    (param $dy i32) (param $x i32) (param $coefficients i32) (param $dx i32) (param $rows i32) (param $c i32)
    (local $r i32) (local $k i32) (local $rowBytes i32) (local $vectorBytes i32)
    (local $b i32) (local $d i32) (local $mean i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (local.set $b (i32.add (local.get $coefficients) (local.get $rowBytes)))
    (local.set $d (i32.add (local.get $b) (local.get $rowBytes)))
    (local.set $mean (i32.add (local.get $d) (local.get $rowBytes)))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $k (i32.const 0))
      (block $doneV (loop $nextV
        (br_if $doneV (i32.ge_u (local.get $k) (local.get $vectorBytes)))
        (v128.store (i32.add (local.get $dx) (local.get $k))
          (f32x4.add
            (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $coefficients) (local.get $k))) (v128.load (i32.add (local.get $dy) (local.get $k))))
              (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $k)))
                (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $mean) (local.get $k))))))
            (v128.load (i32.add (local.get $d) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $nextV)))
      (block $doneS (loop $nextS
        (br_if $doneS (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (f32.store (i32.add (local.get $dx) (local.get $k))
          (f32.add
            (f32.add
              (f32.mul (f32.load (i32.add (local.get $coefficients) (local.get $k))) (f32.load (i32.add (local.get $dy) (local.get $k))))
              (f32.mul (f32.load (i32.add (local.get $b) (local.get $k)))
                (f32.sub (f32.load (i32.add (local.get $x) (local.get $k))) (f32.load (i32.add (local.get $mean) (local.get $k))))))
            (f32.load (i32.add (local.get $d) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $nextS)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $dx (i32.add (local.get $dx) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextR)))))
