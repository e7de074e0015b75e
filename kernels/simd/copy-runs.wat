;; Copies `count` runs of `runBytes` bytes, the source runs `srcStep` bytes
;; apart and the destination runs `dstStep` bytes apart (slices, splits and
;; concatenations along an inner axis). One bulk-memory copy per run.
;; The memory import line is rewritten for the shared memory of the threaded build.
(module
  (import "env" "memory" (memory 1))
  (func (export "copyRuns")
    (param $src i32) (param $dst i32) (param $count i32) (param $runBytes i32)
    (param $srcStep i32) (param $dstStep i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $count)))
      (memory.copy (local.get $dst) (local.get $src) (local.get $runBytes))
      (local.set $src (i32.add (local.get $src) (local.get $srcStep)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstStep)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br $next)))))
