;; Filter gradient of a 1x1 convolution (NHWC, no padding):
;;   dw[ci, co] += sum over output positions p of x[at(p), ci] * dy[p, co]
;; where output position p = (b, i, j) reads x at (b, i*sh, j*sw).
;; Positions are taken in chunks of up to 64 (one output row at a time when
;; strided, any run of rows when not); within a chunk every block of 4 input
;; x 8 output channels is summed in eight SIMD registers, so x and dy are read
;; from cache, not memory, for all but the first block. Needs ci % 4 == 0 and
;; co % 8 == 0. The caller zeroes dw.
;; The memory import line is rewritten for the shared memory of the threaded build.
(module
  (import "env" "memory" (memory 1))

  ;; dw[ci0..ci0+3, co0..co0+7] += x-chunk^T * dy-chunk for `rows` positions.
  (func $block (param $px i32) (param $pdy i32) (param $pw i32) (param $rows i32)
    (param $xStep i32) (param $dyStep i32) (param $wRow i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128) (local $r i32)
    (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local.set $w1 (i32.add (local.get $pw) (local.get $wRow)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $wRow)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $wRow)))
    (local.set $a0 (v128.load (local.get $pw)))
    (local.set $a1 (v128.load offset=16 (local.get $pw)))
    (local.set $a2 (v128.load (local.get $w1)))
    (local.set $a3 (v128.load offset=16 (local.get $w1)))
    (local.set $a4 (v128.load (local.get $w2)))
    (local.set $a5 (v128.load offset=16 (local.get $w2)))
    (local.set $a6 (v128.load (local.get $w3)))
    (local.set $a7 (v128.load offset=16 (local.get $w3)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $d0 (v128.load (local.get $pdy)))
      (local.set $d1 (v128.load offset=16 (local.get $pdy)))
      (local.set $s (f32x4.splat (f32.load (local.get $px))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
      (local.set $s (f32x4.splat (f32.load offset=4 (local.get $px))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
      (local.set $s (f32x4.splat (f32.load offset=8 (local.get $px))))
      (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
      (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
      (local.set $s (f32x4.splat (f32.load offset=12 (local.get $px))))
      (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
      (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
      (local.set $px (i32.add (local.get $px) (local.get $xStep)))
      (local.set $pdy (i32.add (local.get $pdy) (local.get $dyStep)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next)))
    (v128.store (local.get $pw) (local.get $a0))
    (v128.store offset=16 (local.get $pw) (local.get $a1))
    (v128.store (local.get $w1) (local.get $a2))
    (v128.store offset=16 (local.get $w1) (local.get $a3))
    (v128.store (local.get $w2) (local.get $a4))
    (v128.store offset=16 (local.get $w2) (local.get $a5))
    (v128.store (local.get $w3) (local.get $a6))
    (v128.store offset=16 (local.get $w3) (local.get $a7)))

  ;; All channel blocks for one chunk of `rows` positions starting at x row $px and dy row $pdy.
  (func $chunk (param $px i32) (param $pdy i32) (param $dw i32) (param $rows i32)
    (param $ci i32) (param $co i32) (param $xStep i32)
    (local $c0 i32) (local $o0 i32) (local $dyStep i32) (local $wRow i32)
    (local.set $dyStep (i32.shl (local.get $co) (i32.const 2)))
    (local.set $wRow (local.get $dyStep))
    (block $doneC (loop $nextC
      (br_if $doneC (i32.ge_u (local.get $c0) (local.get $ci)))
      (local.set $o0 (i32.const 0))
      (block $doneO (loop $nextO
        (br_if $doneO (i32.ge_u (local.get $o0) (local.get $co)))
        (call $block
          (i32.add (local.get $px) (i32.shl (local.get $c0) (i32.const 2)))
          (i32.add (local.get $pdy) (i32.shl (local.get $o0) (i32.const 2)))
          (i32.add (local.get $dw) (i32.shl (i32.add (i32.mul (local.get $c0) (local.get $co)) (local.get $o0)) (i32.const 2)))
          (local.get $rows) (local.get $xStep) (local.get $dyStep) (local.get $wRow))
        (local.set $o0 (i32.add (local.get $o0) (i32.const 8)))
        (br $nextO)))
      (local.set $c0 (i32.add (local.get $c0) (i32.const 4)))
      (br $nextC))))

  ;; A run of `count` positions whose x rows are $xStep bytes apart, in chunks of 64.
  (func $run (param $px i32) (param $pdy i32) (param $dw i32) (param $count i32)
    (param $ci i32) (param $co i32) (param $xStep i32)
    (local $rows i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $count)))
      (local.set $rows (select (i32.const 64) (local.get $count) (i32.gt_u (local.get $count) (i32.const 64))))
      (call $chunk (local.get $px) (local.get $pdy) (local.get $dw) (local.get $rows) (local.get $ci) (local.get $co) (local.get $xStep))
      (local.set $px (i32.add (local.get $px) (i32.mul (local.get $rows) (local.get $xStep))))
      (local.set $pdy (i32.add (local.get $pdy) (i32.mul (local.get $rows) (i32.shl (local.get $co) (i32.const 2)))))
      (local.set $count (i32.sub (local.get $count) (local.get $rows)))
      (br $next))))

  (func (export "pointwiseFilterGrad")
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $n i32) (param $h i32) (param $wd i32) (param $ci i32)
    (param $oh i32) (param $ow i32) (param $co i32) (param $sh i32) (param $sw i32)
    (local $b i32) (local $i i32) (local $xRowBytes i32)
    (if (i32.and (i32.eq (local.get $sh) (i32.const 1)) (i32.eq (local.get $sw) (i32.const 1)))
      (then
        (call $run (local.get $x) (local.get $dy) (local.get $dw)
          (i32.mul (i32.mul (local.get $n) (local.get $oh)) (local.get $ow))
          (local.get $ci) (local.get $co) (i32.shl (local.get $ci) (i32.const 2)))
        (return)))
    (local.set $xRowBytes (i32.shl (local.get $ci) (i32.const 2)))
    (block $doneB (loop $nextB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $nextI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $oh)))
        (call $run
          (i32.add (local.get $x) (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.mul (local.get $i) (local.get $sh))) (local.get $wd)) (local.get $xRowBytes)))
          (i32.add (local.get $dy) (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $i)) (local.get $ow)) (i32.shl (local.get $co) (i32.const 2))))
          (local.get $dw) (local.get $ow) (local.get $ci) (local.get $co)
          (i32.mul (local.get $sw) (local.get $xRowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextI)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $nextB)))))
