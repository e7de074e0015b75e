;; Gradient of ReLU as tfjs defines it: dx = dy * step(x), step(x) = 1 where
;; x > 0, NaN where x is NaN, else 0. Four floats at a time, then one.
;; The memory import line is rewritten for the shared memory of the threaded build.
(module
  (import "env" "memory" (memory 1))
  (func (export "reluGrad") (param $dy i32) (param $x i32) (param $dx i32) (param $count i32)
    (local $end i32) (local $vectorEnd i32) (local $v v128) (local $step v128) (local $s f32)
    (local.set $end (i32.add (local.get $dx) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectorEnd (i32.add (local.get $dx) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $doneV (loop $nextV
      (br_if $doneV (i32.ge_u (local.get $dx) (local.get $vectorEnd)))
      (local.set $v (v128.load (local.get $x)))
      (local.set $step (v128.bitselect (v128.const f32x4 1 1 1 1) (v128.const f32x4 0 0 0 0) (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))))
      (local.set $step (v128.bitselect (local.get $v) (local.get $step) (f32x4.ne (local.get $v) (local.get $v))))
      (v128.store (local.get $dx) (f32x4.mul (v128.load (local.get $dy)) (local.get $step)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
      (br $nextV)))
    (block $doneS (loop $nextS
      (br_if $doneS (i32.ge_u (local.get $dx) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (local.set $s (select (local.get $s)
        (select (f32.const 1) (f32.const 0) (f32.gt (local.get $s) (f32.const 0)))
        (f32.ne (local.get $s) (local.get $s))))
      (f32.store (local.get $dx) (f32.mul (f32.load (local.get $dy)) (local.get $s)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 4)))
      (br $nextS)))))
