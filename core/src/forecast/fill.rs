//! Missing values: a forecast needs an evenly spaced series without gaps, so a missing value is filled
//! before fitting, by how the metric combines (docs/forecast.md): a count or a sum of a day without
//! data is 0; a ratio without its parts is unknown, so it is interpolated between its neighbours.

use serde::{Deserialize, Serialize};

/// How to fill a missing value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fill {
    /// Linear interpolation between the nearest known values; before the first (after the last)
    /// known value, that value.
    #[default]
    Interpolate,
    /// Zero (counts and sums: nothing happened).
    Zero,
}

impl Fill {
    /// How a note says values were filled: `as 0`, `by linear interpolation`.
    pub fn describe(self) -> &'static str {
        match self {
            Fill::Zero => "as 0",
            Fill::Interpolate => "by linear interpolation",
        }
    }
}

/// `values` with every `None` filled, and how many were. `None` when no value is known (nothing to
/// fill from) under [`Fill::Interpolate`].
pub fn fill(values: &[Option<f64>], how: Fill) -> Option<(Vec<f64>, usize)> {
    let missing = values.iter().filter(|v| v.is_none()).count();
    match how {
        Fill::Zero => Some((values.iter().map(|v| v.unwrap_or(0.0)).collect(), missing)),
        Fill::Interpolate => {
            let known: Vec<(usize, f64)> = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)))
                .collect();
            let (&(first_i, first_v), &(last_i, last_v)) = (known.first()?, known.last()?);
            let mut out = Vec::with_capacity(values.len());
            let mut next = 0; // index into `known` of the first known value at or after i
            for (i, v) in values.iter().enumerate() {
                if let Some(v) = v {
                    out.push(*v);
                    next += 1;
                    continue;
                }
                let filled = if i < first_i {
                    first_v
                } else if i > last_i {
                    last_v
                } else {
                    let (i0, v0) = known[next - 1];
                    let (i1, v1) = known[next];
                    v0 + (v1 - v0) * (i - i0) as f64 / (i1 - i0) as f64
                };
                out.push(filled);
            }
            Some((out, missing))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_linear_fills() {
        let v = [None, Some(1.0), None, None, Some(4.0), None];
        assert_eq!(
            fill(&v, Fill::Zero),
            Some((vec![0.0, 1.0, 0.0, 0.0, 4.0, 0.0], 4))
        );
        assert_eq!(
            fill(&v, Fill::Interpolate),
            Some((vec![1.0, 1.0, 2.0, 3.0, 4.0, 4.0], 4))
        );
        assert_eq!(fill(&[None, None], Fill::Interpolate), None);
        assert_eq!(fill(&[], Fill::Interpolate), None);
        assert_eq!(fill(&[Some(2.0)], Fill::Interpolate), Some((vec![2.0], 0)));
    }
}
