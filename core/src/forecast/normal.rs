//! The standard normal quantile function, for the half-widths of normal prediction intervals.
//!
//! Wichura's algorithm AS 241 (`PPND16`, Applied Statistics 37(3), 1988): three rational approximations
//! (the centre |p − 0.5| ≤ 0.425, then the tails by r = √(−ln min(p, 1 − p)) up to and beyond 5), good
//! to about 1e-16 relative, which is what R's `qnorm` uses. A hand-written function instead of a
//! statistics crate keeps the dependency list short for one formula.

// The coefficients keep all the digits Wichura published, so that they can be checked against the paper
// line by line; the compiler rounds them to the nearest f64 either way.
#![allow(clippy::excessive_precision)]

/// Central region coefficients (numerator, then denominator without its leading 1).
const A: [f64; 8] = [
    3.387_132_872_796_366_608,
    133.141_667_891_784_377_45,
    1_971.590_950_306_551_442_7,
    13_731.693_765_509_461_125,
    45_921.953_931_549_871_457,
    67_265.770_927_008_700_853,
    33_430.575_583_588_128_105,
    2_509.080_928_730_122_672_7,
];
const B: [f64; 7] = [
    42.313_330_701_600_911_252,
    687.187_007_492_057_908_3,
    5_394.196_021_424_751_107_7,
    21_213.794_301_586_595_867,
    39_307.895_800_092_710_61,
    28_729.085_735_721_942_674,
    5_226.495_278_852_854_561,
];
/// Intermediate tail, r ≤ 5.
const C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    0.241_780_725_177_450_611_77,
    0.022_723_844_989_269_184_583_3,
    7.745_450_142_783_414_076_4e-4,
];
const D: [f64; 7] = [
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    0.689_767_334_985_100_004_55,
    0.148_103_976_427_480_074_59,
    0.015_198_666_563_616_457_196_6,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
/// Far tail, r > 5.
const E: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    0.296_560_571_828_504_891_23,
    0.026_532_189_526_576_123_093,
    0.001_242_660_947_388_078_438_6,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
const F: [f64; 7] = [
    0.599_832_206_555_887_937_69,
    0.136_929_880_922_735_805_31,
    0.014_875_361_290_850_614_852_5,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// `num[0] + num[1] r + … ` over `1 + den[0] r + …`, both by Horner's rule.
fn ratio(num: &[f64; 8], den: &[f64; 7], r: f64) -> f64 {
    let n = num.iter().rev().fold(0.0, |acc, &c| acc * r + c);
    let d = den.iter().rev().fold(0.0, |acc, &c| acc * r + c) * r + 1.0;
    n / d
}

/// The standard normal quantile Φ⁻¹(p): `None` unless 0 < p < 1 (the quantiles at 0 and 1 are
/// infinite, and no interval should be built from them).
pub fn normal_quantile(p: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return Some(q * ratio(&A, &B, r));
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let z = if r <= 5.0 {
        ratio(&C, &D, r - 1.6)
    } else {
        ratio(&E, &F, r - 5.0)
    };
    Some(if q < 0.0 { -z } else { z })
}

/// The multiplier of σ for a central interval at `level`: Φ⁻¹((1 + level) / 2). `None` unless
/// 0 < level < 1.
pub fn central_multiplier(level: f64) -> Option<f64> {
    if !(level > 0.0 && level < 1.0) {
        return None;
    }
    normal_quantile(0.5 + level / 2.0)
}
