;; Depthwise convolution (channel multiplier 1, NHWC) and its two gradients,
;; with 128-bit SIMD over channels. One loop nest visits every pair of an
;; output position (b, i, j) and a filter tap (ka, kb) whose input position
;; lies inside x, and accumulates over the channels:
;;   mode 0, forward:         y[b,i,j,:]   += w[ka,kb,:] * x[b,xi,xj,:]
;;   mode 1, input gradient:  dx[b,xi,xj,:] += w[ka,kb,:] * dy[b,i,j,:]
;;   mode 2, filter gradient: dw[ka,kb,:]  += x[b,xi,xj,:] * dy[b,i,j,:]
;; with xi = i*sh + ka*dh - pt and xj = j*sw + kb*dw - pl. The caller zeroes
;; the accumulated tensor. depthwiseFilterGrad, below, computes mode 2 faster. Pointers are byte offsets into the tfjs heap.
;; The memory import line is rewritten for the shared memory of the threaded build.
(module
  (import "env" "memory" (memory 1))
;; The channel loop runs 64 bytes (16 channels) at a time, then 16, then single floats.
  (func $accumulate (param $dst i32) (param $s1 i32) (param $s2 i32) (param $bytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.and (local.get $bytes) (i32.const -64))))
    (block $done64 (loop $next64
      (br_if $done64 (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store offset=0 (local.get $dst) (f32x4.add (v128.load offset=0 (local.get $dst))
        (f32x4.mul (v128.load offset=0 (local.get $s1)) (v128.load offset=0 (local.get $s2)))))
      (v128.store offset=16 (local.get $dst) (f32x4.add (v128.load offset=16 (local.get $dst))
        (f32x4.mul (v128.load offset=16 (local.get $s1)) (v128.load offset=16 (local.get $s2)))))
      (v128.store offset=32 (local.get $dst) (f32x4.add (v128.load offset=32 (local.get $dst))
        (f32x4.mul (v128.load offset=32 (local.get $s1)) (v128.load offset=32 (local.get $s2)))))
      (v128.store offset=48 (local.get $dst) (f32x4.add (v128.load offset=48 (local.get $dst))
        (f32x4.mul (v128.load offset=48 (local.get $s1)) (v128.load offset=48 (local.get $s2)))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $s1 (i32.add (local.get $s1) (i32.const 64)))
      (local.set $s2 (i32.add (local.get $s2) (i32.const 64)))
      (br $next64)))
    (local.set $bytes (i32.and (local.get $bytes) (i32.const 63)))
    (local.set $end (i32.add (local.get $dst) (i32.and (local.get $bytes) (i32.const -16))))
    (block $done16 (loop $next16
      (br_if $done16 (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst))
        (f32x4.mul (v128.load (local.get $s1)) (v128.load (local.get $s2)))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $s1 (i32.add (local.get $s1) (i32.const 16)))
      (local.set $s2 (i32.add (local.get $s2) (i32.const 16)))
      (br $next16)))
    (local.set $end (i32.add (local.get $dst) (i32.and (local.get $bytes) (i32.const 15))))
    (block $done4 (loop $next4
      (br_if $done4 (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst))
        (f32.mul (f32.load (local.get $s1)) (f32.load (local.get $s2)))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $s1 (i32.add (local.get $s1) (i32.const 4)))
      (local.set $s2 (i32.add (local.get $s2) (i32.const 4)))
      (br $next4))))

  (func (export "depthwise")
    (param $mode i32) (param $x i32) (param $y i32) (param $w i32)
    (param $n i32) (param $h i32) (param $wd i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32)
    (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $pt i32) (param $pl i32)
    (local $b i32) (local $i i32) (local $ka i32) (local $j i32) (local $kb i32)
    (local $xi i32) (local $xj i32) (local $px i32) (local $py i32) (local $pw i32)
    (local $rowBytes i32) (local $xRow i32) (local $wRow i32)
    (local $isForward i32) (local $isInputGradient i32) (local $isFilterGradient i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $isForward (i32.eqz (local.get $mode)))
    (local.set $isInputGradient (i32.eq (local.get $mode) (i32.const 1)))
    (local.set $isFilterGradient (i32.eq (local.get $mode) (i32.const 2)))
    (block $doneB (loop $nextB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $nextI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $oh)))
        (local.set $ka (i32.const 0))
        (block $doneKa (loop $nextKa
          (br_if $doneKa (i32.ge_u (local.get $ka) (local.get $kh)))
          (local.set $xi (i32.sub (i32.add (i32.mul (local.get $i) (local.get $sh)) (i32.mul (local.get $ka) (local.get $dh))) (local.get $pt)))
          (if (i32.and (i32.ge_s (local.get $xi) (i32.const 0)) (i32.lt_s (local.get $xi) (local.get $h)))
            (then
              ;; x[b, xi, 0, :] and w[ka, 0, :]
              (local.set $xRow (i32.add (local.get $x)
                (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $xi)) (local.get $wd)) (local.get $rowBytes))))
              (local.set $wRow (i32.add (local.get $w) (i32.mul (i32.mul (local.get $ka) (local.get $kw)) (local.get $rowBytes))))
              ;; y[b, i, 0, :]
              (local.set $py (i32.add (local.get $y)
                (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $i)) (local.get $ow)) (local.get $rowBytes))))
              (local.set $j (i32.const 0))
              (block $doneJ (loop $nextJ
                (br_if $doneJ (i32.ge_u (local.get $j) (local.get $ow)))
                (local.set $kb (i32.const 0))
                (local.set $xj (i32.sub (i32.mul (local.get $j) (local.get $sw)) (local.get $pl)))
                (local.set $pw (local.get $wRow))
                (block $doneKb (loop $nextKb
                  (br_if $doneKb (i32.ge_u (local.get $kb) (local.get $kw)))
                  (if (i32.and (i32.ge_s (local.get $xj) (i32.const 0)) (i32.lt_s (local.get $xj) (local.get $wd)))
                    (then
                      (local.set $px (i32.add (local.get $xRow) (i32.mul (local.get $xj) (local.get $rowBytes))))
                      ;; forward: y += w * x; input gradient: x += w * y; filter gradient: w += x * y
                      (call $accumulate
                        (select (local.get $py) (select (local.get $px) (local.get $pw) (local.get $isInputGradient)) (local.get $isForward))
                        (select (local.get $px) (local.get $pw) (local.get $isFilterGradient))
                        (select (local.get $px) (local.get $py) (local.get $isForward))
                        (local.get $rowBytes))))
                  (local.set $kb (i32.add (local.get $kb) (i32.const 1)))
                  (local.set $xj (i32.add (local.get $xj) (local.get $dw)))
                  (local.set $pw (i32.add (local.get $pw) (local.get $rowBytes)))
                  (br $nextKb)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (local.set $py (i32.add (local.get $py) (local.get $rowBytes)))
                (br $nextJ)))))
          (local.set $ka (i32.add (local.get $ka) (i32.const 1)))
          (br $nextKa)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextI)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $nextB))))
  ;; dw[:, tap] += sum over `count` positions of x * dy for the channels of one
  ;; tap, the sums held in registers: 16 channels at a time, then 4, then 1.
  (func $tapGradient (param $px i32) (param $pdy i32) (param $pw i32) (param $count i32)
    (param $xStep i32) (param $dyStep i32) (param $bytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $s f32) (local $c i32) (local $k i32) (local $x i32) (local $y i32)
    (block $done16 (loop $next16
      (br_if $done16 (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $bytes)))
      (local.set $x (i32.add (local.get $px) (local.get $c)))
      (local.set $y (i32.add (local.get $pdy) (local.get $c)))
      (local.set $a0 (v128.load offset=0 (i32.add (local.get $pw) (local.get $c))))
      (local.set $a1 (v128.load offset=16 (i32.add (local.get $pw) (local.get $c))))
      (local.set $a2 (v128.load offset=32 (i32.add (local.get $pw) (local.get $c))))
      (local.set $a3 (v128.load offset=48 (i32.add (local.get $pw) (local.get $c))))
      (local.set $k (i32.const 0))
      (block $doneK (loop $nextK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (local.get $x)) (v128.load offset=0 (local.get $y)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $x)) (v128.load offset=16 (local.get $y)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $x)) (v128.load offset=32 (local.get $y)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $x)) (v128.load offset=48 (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (local.get $xStep)))
        (local.set $y (i32.add (local.get $y) (local.get $dyStep)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $nextK)))
      (v128.store offset=0 (i32.add (local.get $pw) (local.get $c)) (local.get $a0))
      (v128.store offset=16 (i32.add (local.get $pw) (local.get $c)) (local.get $a1))
      (v128.store offset=32 (i32.add (local.get $pw) (local.get $c)) (local.get $a2))
      (v128.store offset=48 (i32.add (local.get $pw) (local.get $c)) (local.get $a3))
      (local.set $c (i32.add (local.get $c) (i32.const 64)))
      (br $next16)))
    (block $done4 (loop $next4
      (br_if $done4 (i32.gt_u (i32.add (local.get $c) (i32.const 16)) (local.get $bytes)))
      (local.set $x (i32.add (local.get $px) (local.get $c)))
      (local.set $y (i32.add (local.get $pdy) (local.get $c)))
      (local.set $a0 (v128.load (i32.add (local.get $pw) (local.get $c))))
      (local.set $k (i32.const 0))
      (block $doneK (loop $nextK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (local.get $xStep)))
        (local.set $y (i32.add (local.get $y) (local.get $dyStep)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $nextK)))
      (v128.store (i32.add (local.get $pw) (local.get $c)) (local.get $a0))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br $next4)))
    (block $done1 (loop $next1
      (br_if $done1 (i32.ge_u (local.get $c) (local.get $bytes)))
      (local.set $x (i32.add (local.get $px) (local.get $c)))
      (local.set $y (i32.add (local.get $pdy) (local.get $c)))
      (local.set $s (f32.load (i32.add (local.get $pw) (local.get $c))))
      (local.set $k (i32.const 0))
      (block $doneK (loop $nextK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $x)) (f32.load (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (local.get $xStep)))
        (local.set $y (i32.add (local.get $y) (local.get $dyStep)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $nextK)))
      (f32.store (i32.add (local.get $pw) (local.get $c)) (local.get $s))
      (local.set $c (i32.add (local.get $c) (i32.const 4)))
      (br $next1))))

  ;; The filter gradient as above (mode 2), but tap by tap over each output row,
  ;; so the sums stay in registers instead of going through memory per position.
  (func (export "depthwiseFilterGrad")
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $n i32) (param $h i32) (param $wd i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32)
    (param $sh i32) (param $sw i32) (param $dh i32) (param $dwl i32)
    (param $pt i32) (param $pl i32)
    (local $b i32) (local $i i32) (local $ka i32) (local $kb i32) (local $xi i32)
    (local $offset i32) (local $first i32) (local $end i32) (local $rowBytes i32)
    (local $xRow i32) (local $dyRow i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (block $doneB (loop $nextB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $nextI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $oh)))
        (local.set $dyRow (i32.add (local.get $dy)
          (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $i)) (local.get $ow)) (local.get $rowBytes))))
        (local.set $ka (i32.const 0))
        (block $doneKa (loop $nextKa
          (br_if $doneKa (i32.ge_u (local.get $ka) (local.get $kh)))
          (local.set $xi (i32.sub (i32.add (i32.mul (local.get $i) (local.get $sh)) (i32.mul (local.get $ka) (local.get $dh))) (local.get $pt)))
          (if (i32.and (i32.ge_s (local.get $xi) (i32.const 0)) (i32.lt_s (local.get $xi) (local.get $h)))
            (then
              (local.set $xRow (i32.add (local.get $x)
                (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $xi)) (local.get $wd)) (local.get $rowBytes))))
              (local.set $kb (i32.const 0))
              (block $doneKb (loop $nextKb
                (br_if $doneKb (i32.ge_u (local.get $kb) (local.get $kw)))
                ;; output columns j with 0 <= j*sw + offset < wd
                (local.set $offset (i32.sub (i32.mul (local.get $kb) (local.get $dwl)) (local.get $pl)))
                (local.set $first (select (i32.const 0)
                  (i32.div_u (i32.sub (i32.sub (local.get $sw) (i32.const 1)) (local.get $offset)) (local.get $sw))
                  (i32.ge_s (local.get $offset) (i32.const 0))))
                (local.set $end (select
                  (i32.div_u (i32.sub (i32.add (local.get $wd) (i32.sub (local.get $sw) (i32.const 1))) (local.get $offset)) (local.get $sw))
                  (i32.const 0)
                  (i32.lt_s (local.get $offset) (local.get $wd))))
                (if (i32.gt_u (local.get $end) (local.get $ow)) (then (local.set $end (local.get $ow))))
                (if (i32.lt_u (local.get $first) (local.get $end))
                  (then
                    (call $tapGradient
                      (i32.add (local.get $xRow) (i32.mul (i32.add (i32.mul (local.get $first) (local.get $sw)) (local.get $offset)) (local.get $rowBytes)))
                      (i32.add (local.get $dyRow) (i32.mul (local.get $first) (local.get $rowBytes)))
                      (i32.add (local.get $dw) (i32.mul (i32.add (i32.mul (local.get $ka) (local.get $kw)) (local.get $kb)) (local.get $rowBytes)))
                      (i32.sub (local.get $end) (local.get $first))
                      (i32.mul (local.get $sw) (local.get $rowBytes))
                      (local.get $rowBytes)
                      (local.get $rowBytes))))
                (local.set $kb (i32.add (local.get $kb) (i32.const 1)))
                (br $nextKb)))))
          (local.set $ka (i32.add (local.get $ka) (i32.const 1)))
          (br $nextKa)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextI)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $nextB))))
)
