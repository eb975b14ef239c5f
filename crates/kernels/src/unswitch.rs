//! Loop unswitching by hand. An optimizer's options are tested inside its per-vector closure;
//! LLVM left several such tests as branches inside the loop (SGD+momentum at 64K parameters
//! ran at 0.56× a plain C loop; the perf profile showed the flag tests in the loop body).
//! `unswitch!` runs the body once per combination with each named option rebound to a
//! constant, so no per-vector branch remains (LLVM may merge the copies back into one loop
//! whose choices are made once, as masks, before it).

/// `unswitch!(o, [flag, ...], [zero_field, ...], { body })`: in `body`, `o` is a copy of `o`
/// whose listed `bool` fields and listed `f32` fields (split into zero and non-zero) are
/// compile-time constants in each copy.
#[macro_export]
macro_rules! unswitch {
    ($o:ident, [], [], $body:block) => { $body };
    ($o:ident, [], [$z:ident $(, $zs:ident)*], $body:block) => {
        if $o.$z == 0.0 {
            #[allow(unused_variables)]
            let $o = { let mut c = $o; c.$z = 0.0; c };
            $crate::unswitch!($o, [], [$($zs),*], $body)
        } else {
            $crate::unswitch!($o, [], [$($zs),*], $body)
        }
    };
    ($o:ident, [$f:ident $(, $fs:ident)*], [$($zs:ident),*], $body:block) => {
        if $o.$f {
            #[allow(unused_variables)]
            let $o = { let mut c = $o; c.$f = true; c };
            $crate::unswitch!($o, [$($fs),*], [$($zs),*], $body)
        } else {
            #[allow(unused_variables)]
            let $o = { let mut c = $o; c.$f = false; c };
            $crate::unswitch!($o, [$($fs),*], [$($zs),*], $body)
        }
    };
}
