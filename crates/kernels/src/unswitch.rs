//! Loop unswitching by hand. An optimizer's options are tested inside its per-vector closure,
//! and LLVM left such tests as branches inside the loop (SGD+momentum at 64K parameters ran at
//! 0.56× a plain C loop; Adamax and Lion kept their `maximize`, weight-decay and lerp-weight
//! tests in the loop body). Rebinding fields of a copied options struct did not suffice: LLVM
//! merged those copies back into one loop testing the flags (seen in SGD's profile).

/// `unswitch!([flag, ...], [zero, ...], { body })`: `body` once per combination, with each
/// listed local `bool` rebound to a constant and each listed local `f32` rebound to the
/// constant 0 in the copies where it is 0, so that no per-vector branch remains.
#[macro_export]
macro_rules! unswitch {
    ([], [], $body:block) => { $body };
    ([], [$z:ident $(, $zs:ident)*], $body:block) => {
        if $z == 0.0 {
            #[allow(unused_variables)]
            let $z: f32 = 0.0;
            $crate::unswitch!([], [$($zs),*], $body)
        } else {
            $crate::unswitch!([], [$($zs),*], $body)
        }
    };
    ([$f:ident $(, $fs:ident)*], [$($zs:ident),*], $body:block) => {
        if $f {
            #[allow(unused_variables)]
            let $f = true;
            $crate::unswitch!([$($fs),*], [$($zs),*], $body)
        } else {
            #[allow(unused_variables)]
            let $f = false;
            $crate::unswitch!([$($fs),*], [$($zs),*], $body)
        }
    };
}
