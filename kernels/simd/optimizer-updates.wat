;; Optimizer steps over all of a model's variables in one call, each the
;; float32 arithmetic of tfjs-core 4.22's optimizer in the same order: every
;; product, quotient and sum rounded on its own, as tfjs's separate kernels
;; round them. Never fused into multiply-adds (simd-kernels.ts leaves this
;; module out of relaxed-madd.ts's rewriting): the results must be tfjs's to
;; the bit.
;;
;; `table` holds `entries` records of eight i32: the element count, then the
;; byte addresses of the gradient, the weights read, the weights written, the
;; first state read and written, the second state read and written (states a
;; rule does not have are ignored). Reads of an element come before its
;; writes, so a state read and written at the same address is updated in
;; place. Four floats at a time, then one.
;; The memory import line is rewritten for the shared memory of the threaded build.
(module
  (import "env" "memory" (memory 1))

  ;; m = m*beta1 + g*(1-beta1); v = v*beta2 + (g*g)*(1-beta2);
  ;; w = ((m/(1-accBeta1)) / (sqrt(v/(1-accBeta2)) + epsilon)) * -lr + w
  (func (export "adamUpdate") (param $table i32) (param $entries i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $om1 f32) (param $om2 f32) (param $eps f32) (param $negLr f32)
    (local $n i32) (local $g i32) (local $wIn i32) (local $wOut i32)
    (local $mIn i32) (local $mOut i32) (local $vIn i32) (local $vOut i32)
    (local $end i32) (local $vectorEnd i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (block $doneT (loop $nextT
      (br_if $doneT (i32.eqz (local.get $entries)))
      (local.set $n (i32.load (local.get $table)))
      (local.set $g (i32.load offset=4 (local.get $table)))
      (local.set $wIn (i32.load offset=8 (local.get $table)))
      (local.set $wOut (i32.load offset=12 (local.get $table)))
      (local.set $mIn (i32.load offset=16 (local.get $table)))
      (local.set $mOut (i32.load offset=20 (local.get $table)))
      (local.set $vIn (i32.load offset=24 (local.get $table)))
      (local.set $vOut (i32.load offset=28 (local.get $table)))
      (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $vectorEnd (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (block $doneV (loop $nextV
        (br_if $doneV (i32.ge_u (local.get $g) (local.get $vectorEnd)))
        (local.set $gv (v128.load (local.get $g)))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load (local.get $mIn)) (f32x4.splat (local.get $b1)))
          (f32x4.mul (local.get $gv) (f32x4.splat (local.get $c1)))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (local.get $vIn)) (f32x4.splat (local.get $b2)))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $c2)))))
        (v128.store (local.get $wOut) (f32x4.add
          (f32x4.mul
            (f32x4.div
              (f32x4.div (local.get $mv) (f32x4.splat (local.get $om1)))
              (f32x4.add
                (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $om2))))
                (f32x4.splat (local.get $eps))))
            (f32x4.splat (local.get $negLr)))
          (v128.load (local.get $wIn))))
        (v128.store (local.get $mOut) (local.get $mv))
        (v128.store (local.get $vOut) (local.get $vv))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $wIn (i32.add (local.get $wIn) (i32.const 16)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 16)))
        (local.set $mIn (i32.add (local.get $mIn) (i32.const 16)))
        (local.set $mOut (i32.add (local.get $mOut) (i32.const 16)))
        (local.set $vIn (i32.add (local.get $vIn) (i32.const 16)))
        (local.set $vOut (i32.add (local.get $vOut) (i32.const 16)))
        (br $nextV)))
      (block $doneS (loop $nextS
        (br_if $doneS (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $gs (f32.load (local.get $g)))
        (local.set $ms (f32.add
          (f32.mul (f32.load (local.get $mIn)) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs (f32.add
          (f32.mul (f32.load (local.get $vIn)) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (local.get $wOut) (f32.add
          (f32.mul
            (f32.div
              (f32.div (local.get $ms) (local.get $om1))
              (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $om2))) (local.get $eps)))
            (local.get $negLr))
          (f32.load (local.get $wIn))))
        (f32.store (local.get $mOut) (local.get $ms))
        (f32.store (local.get $vOut) (local.get $vs))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $wIn (i32.add (local.get $wIn) (i32.const 4)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 4)))
        (local.set $mIn (i32.add (local.get $mIn) (i32.const 4)))
        (local.set $mOut (i32.add (local.get $mOut) (i32.const 4)))
        (local.set $vIn (i32.add (local.get $vIn) (i32.const 4)))
        (local.set $vOut (i32.add (local.get $vOut) (i32.const 4)))
        (br $nextS)))
      (local.set $table (i32.add (local.get $table) (i32.const 32)))
      (local.set $entries (i32.sub (local.get $entries) (i32.const 1)))
      (br $nextT))))

  ;; a = momentum*a + g; w = -lr*a + w (plain SGD when the state is left out: w = -lr*g + w)
  (func (export "momentumUpdate") (param $table i32) (param $entries i32)
    (param $momentum f32) (param $negLr f32) (param $withState i32)
    (local $n i32) (local $g i32) (local $wIn i32) (local $wOut i32) (local $aIn i32) (local $aOut i32)
    (local $end i32) (local $vectorEnd i32) (local $av v128) (local $as f32)
    (block $doneT (loop $nextT
      (br_if $doneT (i32.eqz (local.get $entries)))
      (local.set $n (i32.load (local.get $table)))
      (local.set $g (i32.load offset=4 (local.get $table)))
      (local.set $wIn (i32.load offset=8 (local.get $table)))
      (local.set $wOut (i32.load offset=12 (local.get $table)))
      (local.set $aIn (i32.load offset=16 (local.get $table)))
      (local.set $aOut (i32.load offset=20 (local.get $table)))
      (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $vectorEnd (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (block $doneV (loop $nextV
        (br_if $doneV (i32.ge_u (local.get $g) (local.get $vectorEnd)))
        (local.set $av (v128.load (local.get $g)))
        (if (local.get $withState) (then
          (local.set $av (f32x4.add
            (f32x4.mul (f32x4.splat (local.get $momentum)) (v128.load (local.get $aIn)))
            (local.get $av)))
          (v128.store (local.get $aOut) (local.get $av))))
        (v128.store (local.get $wOut) (f32x4.add
          (f32x4.mul (f32x4.splat (local.get $negLr)) (local.get $av))
          (v128.load (local.get $wIn))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $wIn (i32.add (local.get $wIn) (i32.const 16)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 16)))
        (local.set $aIn (i32.add (local.get $aIn) (i32.const 16)))
        (local.set $aOut (i32.add (local.get $aOut) (i32.const 16)))
        (br $nextV)))
      (block $doneS (loop $nextS
        (br_if $doneS (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $as (f32.load (local.get $g)))
        (if (local.get $withState) (then
          (local.set $as (f32.add
            (f32.mul (local.get $momentum) (f32.load (local.get $aIn)))
            (local.get $as)))
          (f32.store (local.get $aOut) (local.get $as))))
        (f32.store (local.get $wOut) (f32.add
          (f32.mul (local.get $negLr) (local.get $as))
          (f32.load (local.get $wIn))))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $wIn (i32.add (local.get $wIn) (i32.const 4)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 4)))
        (local.set $aIn (i32.add (local.get $aIn) (i32.const 4)))
        (local.set $aOut (i32.add (local.get $aOut) (i32.const 4)))
        (br $nextS)))
      (local.set $table (i32.add (local.get $table) (i32.const 32)))
      (local.set $entries (i32.sub (local.get $entries) (i32.const 1)))
      (br $nextT))))

  ;; s = s*decay + (g*g)*(1-decay); a = a*momentum + (g*lr)/sqrt(s + epsilon); w = w - a
  (func (export "rmspropUpdate") (param $table i32) (param $entries i32)
    (param $decay f32) (param $oneMinusDecay f32) (param $momentum f32) (param $lr f32) (param $eps f32)
    (local $n i32) (local $g i32) (local $wIn i32) (local $wOut i32)
    (local $sIn i32) (local $sOut i32) (local $aIn i32) (local $aOut i32)
    (local $end i32) (local $vectorEnd i32)
    (local $gv v128) (local $sv v128) (local $av v128)
    (local $gs f32) (local $ss f32) (local $as f32)
    (block $doneT (loop $nextT
      (br_if $doneT (i32.eqz (local.get $entries)))
      (local.set $n (i32.load (local.get $table)))
      (local.set $g (i32.load offset=4 (local.get $table)))
      (local.set $wIn (i32.load offset=8 (local.get $table)))
      (local.set $wOut (i32.load offset=12 (local.get $table)))
      (local.set $sIn (i32.load offset=16 (local.get $table)))
      (local.set $sOut (i32.load offset=20 (local.get $table)))
      (local.set $aIn (i32.load offset=24 (local.get $table)))
      (local.set $aOut (i32.load offset=28 (local.get $table)))
      (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $vectorEnd (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (block $doneV (loop $nextV
        (br_if $doneV (i32.ge_u (local.get $g) (local.get $vectorEnd)))
        (local.set $gv (v128.load (local.get $g)))
        (local.set $sv (f32x4.add
          (f32x4.mul (v128.load (local.get $sIn)) (f32x4.splat (local.get $decay)))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $oneMinusDecay)))))
        (local.set $av (f32x4.add
          (f32x4.mul (v128.load (local.get $aIn)) (f32x4.splat (local.get $momentum)))
          (f32x4.div
            (f32x4.mul (local.get $gv) (f32x4.splat (local.get $lr)))
            (f32x4.sqrt (f32x4.add (local.get $sv) (f32x4.splat (local.get $eps)))))))
        (v128.store (local.get $wOut) (f32x4.sub (v128.load (local.get $wIn)) (local.get $av)))
        (v128.store (local.get $sOut) (local.get $sv))
        (v128.store (local.get $aOut) (local.get $av))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $wIn (i32.add (local.get $wIn) (i32.const 16)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 16)))
        (local.set $sIn (i32.add (local.get $sIn) (i32.const 16)))
        (local.set $sOut (i32.add (local.get $sOut) (i32.const 16)))
        (local.set $aIn (i32.add (local.get $aIn) (i32.const 16)))
        (local.set $aOut (i32.add (local.get $aOut) (i32.const 16)))
        (br $nextV)))
      (block $doneS (loop $nextS
        (br_if $doneS (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $gs (f32.load (local.get $g)))
        (local.set $ss (f32.add
          (f32.mul (f32.load (local.get $sIn)) (local.get $decay))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $oneMinusDecay))))
        (local.set $as (f32.add
          (f32.mul (f32.load (local.get $aIn)) (local.get $momentum))
          (f32.div
            (f32.mul (local.get $gs) (local.get $lr))
            (f32.sqrt (f32.add (local.get $ss) (local.get $eps))))))
        (f32.store (local.get $wOut) (f32.sub (f32.load (local.get $wIn)) (local.get $as)))
        (f32.store (local.get $sOut) (local.get $ss))
        (f32.store (local.get $aOut) (local.get $as))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $wIn (i32.add (local.get $wIn) (i32.const 4)))
        (local.set $wOut (i32.add (local.get $wOut) (i32.const 4)))
        (local.set $sIn (i32.add (local.get $sIn) (i32.const 4)))
        (local.set $sOut (i32.add (local.get $sOut) (i32.const 4)))
        (local.set $aIn (i32.add (local.get $aIn) (i32.const 4)))
        (local.set $aOut (i32.add (local.get $aOut) (i32.const 4)))
        (br $nextS)))
      (local.set $table (i32.add (local.get $table) (i32.const 32)))
      (local.set $entries (i32.sub (local.get $entries) (i32.const 1)))
      (br $nextT)))))
