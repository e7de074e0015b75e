;; Gradient of a max pooling (NHWC): every window sends its dy to the first
;; position, in row-major order, holding its maximum (the cpu backend's rule;
;; windows of NaN only send nothing). Four channels at a time keep a running
;; maximum and the byte address of where it was found. The caller zeroes dx.
;; The memory import line is rewritten for the shared memory of the threaded build.
(module
  (import "env" "memory" (memory 1))

  ;; Adds dy to dx at the recorded position of one lane, if any.
  (func $send (param $where i32) (param $x i32) (param $dx i32) (param $dy i32)
    (if (i32.ne (local.get $where) (i32.const -1))
      (then
        (f32.store (i32.add (local.get $dx) (i32.sub (local.get $where) (local.get $x)))
          (f32.add (f32.load (i32.add (local.get $dx) (i32.sub (local.get $where) (local.get $x))))
                   (f32.load (local.get $dy)))))))

  (func (export "maxPoolGrad")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $n i32) (param $h i32) (param $wd i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32)
    (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $pt i32) (param $pl i32)
    (local $b i32) (local $i i32) (local $j i32) (local $ka i32) (local $kb i32)
    (local $xi i32) (local $xj i32) (local $rowBytes i32) (local $channel i32)
    (local $tap i32) (local $pdy i32) (local $lanes i32)
    (local $best v128) (local $where v128) (local $v v128) (local $greater v128)
    (local $bestScalar f32) (local $whereScalar i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $lanes (i32.and (local.get $rowBytes) (i32.const -16)))
    (local.set $pdy (local.get $dy))
    (block $doneB (loop $nextB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $nextI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $oh)))
        (local.set $j (i32.const 0))
        (block $doneJ (loop $nextJ
          (br_if $doneJ (i32.ge_u (local.get $j) (local.get $ow)))
          ;; channels four at a time, then one at a time; $channel counts bytes
          (local.set $channel (i32.const 0))
          (block $doneChannels (loop $nextChannels
            (br_if $doneChannels (i32.ge_u (local.get $channel) (local.get $rowBytes)))
            (local.set $best (f32x4.splat (f32.const -inf)))
            (local.set $where (i32x4.splat (i32.const -1)))
            (local.set $bestScalar (f32.const -inf))
            (local.set $whereScalar (i32.const -1))
            (local.set $ka (i32.const 0))
            (block $doneKa (loop $nextKa
              (br_if $doneKa (i32.ge_u (local.get $ka) (local.get $kh)))
              (local.set $xi (i32.sub (i32.add (i32.mul (local.get $i) (local.get $sh)) (i32.mul (local.get $ka) (local.get $dh))) (local.get $pt)))
              (if (i32.and (i32.ge_s (local.get $xi) (i32.const 0)) (i32.lt_s (local.get $xi) (local.get $h)))
                (then
                  (local.set $kb (i32.const 0))
                  (block $doneKb (loop $nextKb
                    (br_if $doneKb (i32.ge_u (local.get $kb) (local.get $kw)))
                    (local.set $xj (i32.sub (i32.add (i32.mul (local.get $j) (local.get $sw)) (i32.mul (local.get $kb) (local.get $dw))) (local.get $pl)))
                    (if (i32.and (i32.ge_s (local.get $xj) (i32.const 0)) (i32.lt_s (local.get $xj) (local.get $wd)))
                      (then
                        (local.set $tap (i32.add (i32.add (local.get $x) (local.get $channel))
                          (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $xi)) (local.get $wd)) (local.get $xj)) (local.get $rowBytes))))
                        (if (i32.lt_u (local.get $channel) (local.get $lanes))
                          (then
                            (local.set $v (v128.load (local.get $tap)))
                            (local.set $greater (f32x4.gt (local.get $v) (local.get $best)))
                            (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $greater)))
                            (local.set $where (v128.bitselect
                              (i32x4.add (i32x4.splat (local.get $tap)) (v128.const i32x4 0 4 8 12))
                              (local.get $where) (local.get $greater))))
                          (else
                            (if (f32.gt (f32.load (local.get $tap)) (local.get $bestScalar))
                              (then
                                (local.set $bestScalar (f32.load (local.get $tap)))
                                (local.set $whereScalar (local.get $tap))))))))
                    (local.set $kb (i32.add (local.get $kb) (i32.const 1)))
                    (br $nextKb)))))
              (local.set $ka (i32.add (local.get $ka) (i32.const 1)))
              (br $nextKa)))
            (if (i32.lt_u (local.get $channel) (local.get $lanes))
              (then
                (call $send (i32x4.extract_lane 0 (local.get $where)) (local.get $x) (local.get $dx) (local.get $pdy))
                (call $send (i32x4.extract_lane 1 (local.get $where)) (local.get $x) (local.get $dx) (i32.add (local.get $pdy) (i32.const 4)))
                (call $send (i32x4.extract_lane 2 (local.get $where)) (local.get $x) (local.get $dx) (i32.add (local.get $pdy) (i32.const 8)))
                (call $send (i32x4.extract_lane 3 (local.get $where)) (local.get $x) (local.get $dx) (i32.add (local.get $pdy) (i32.const 12)))
                (local.set $pdy (i32.add (local.get $pdy) (i32.const 16)))
                (local.set $channel (i32.add (local.get $channel) (i32.const 16))))
              (else
                (call $send (local.get $whereScalar) (local.get $x) (local.get $dx) (local.get $pdy))
                (local.set $pdy (i32.add (local.get $pdy) (i32.const 4)))
                (local.set $channel (i32.add (local.get $channel) (i32.const 4)))))
            (br $nextChannels)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $nextJ)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextI)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $nextB)))))
