//! The CSV and JSON exports of a report (issue 15): the same tables as the PDF and the XLSX, for other
//! tools. JSON is the [`ReportContent`] itself (camelCase, as the engine's other JSON). CSV comes in two
//! shapes, both built from one list of tables so that they cannot disagree:
//!
//! - [`render_csv`]: one tidy long-format file of every table, header `table,key,column,value`, one row
//!   per value (`kpis,revenue.total,value,1378412.55`, `daily,2026-10-01,revenue.total,41000`).
//! - [`table_csv`]: one table in wide form, its key column first, then its natural columns.
//!
//! An empty field is "no data" (a value the engine reports as `null`). Numbers print with Rust's
//! shortest round-trip `f64` form (`0.1`, `1378412.55`, never rounded, never NaN or infinity: the
//! content is [sanitised](ReportContent::sanitize) first); dates are `YYYY-MM-DD`, instants RFC 3339
//! UTC. The tables and their columns are listed in `docs/reports-tables.md`.

use super::content::*;
use crate::{Error, Result};

/// The tables of the CSV exports, in the order [`render_csv`] writes them.
pub const TABLES: [&str; 10] = [
    "report",
    "notes",
    "kpis",
    "daily",
    "dailyPrevious",
    "paymentMethods",
    "topCreators",
    "cohorts",
    "alerts",
    "forecast",
];

/// Renders `content` as pretty-printed camelCase JSON (the content's own serialisation).
pub fn render_json(content: &ReportContent) -> Result<Vec<u8>> {
    let mut content = content.clone();
    content.sanitize();
    let mut out = serde_json::to_vec_pretty(&content).map_err(|e| Error::render("json", e))?;
    out.push(b'\n');
    Ok(out)
}

/// Renders every table of `content` as one long-format CSV file: `table,key,column,value`.
pub fn render_csv(content: &ReportContent) -> Result<Vec<u8>> {
    let mut content = content.clone();
    content.sanitize();
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::render("csv", e);
    w.write_record(["table", "key", "column", "value"])
        .map_err(fail)?;
    for name in TABLES {
        let t = table(&content, name)?;
        for row in &t.rows {
            for (column, value) in t.columns.iter().zip(&row.values) {
                w.write_record([name, row.key.as_str(), column.as_str(), value.as_str()])
                    .map_err(fail)?;
            }
        }
    }
    w.into_inner()
        .map_err(|e| Error::render("csv", e.into_error()))
}

/// Renders one table of `content` (one of [`TABLES`]) as a wide CSV file: its key column, then its
/// columns.
pub fn table_csv(content: &ReportContent, name: &str) -> Result<Vec<u8>> {
    let mut content = content.clone();
    content.sanitize();
    let t = table(&content, name)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::render("csv", e);
    w.write_record(std::iter::once(t.key).chain(t.columns.iter().map(String::as_str)))
        .map_err(fail)?;
    for row in &t.rows {
        w.write_record(
            std::iter::once(row.key.as_str()).chain(row.values.iter().map(String::as_str)),
        )
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::render("csv", e.into_error()))
}

/// One table: the name of its key column, its other columns, and its rows as printed fields.
struct Table {
    key: &'static str,
    columns: Vec<String>,
    rows: Vec<Row>,
}

struct Row {
    key: String,
    values: Vec<String>,
}

fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// A number as the CSV prints it: shortest round-trip, empty for "no data".
fn num(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

fn camel<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn table(c: &ReportContent, name: &str) -> Result<Table> {
    let row = |key: String, values: Vec<String>| Row { key, values };
    Ok(match name {
        "report" => {
            let mut fields = vec![
                ("title", c.title.clone()),
                ("period", c.period.clone()),
                ("from", c.from.to_string()),
                ("to", c.to.to_string()),
                ("previousFrom", c.previous_from.to_string()),
                ("previousTo", c.previous_to.to_string()),
                ("asOf", c.as_of.to_string()),
                (
                    "generatedAt",
                    c.generated_at
                        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                ),
                ("generatedLocal", c.generated_local.clone()),
                ("timezone", c.timezone.clone()),
                ("country", c.country.clone()),
                ("currency", c.currency.clone()),
                ("summary", c.summary.clone()),
            ];
            if let Some(f) = &c.forecast {
                fields.extend([
                    ("forecast.metric", f.metric.clone()),
                    ("forecast.unit", camel(&f.unit)),
                    ("forecast.model", f.model.clone()),
                    ("forecast.mase", num(f.mase)),
                    ("forecast.level", num(Some(f.level))),
                    ("forecast.total", num(Some(f.total))),
                ]);
            }
            Table {
                key: "field",
                columns: cols(&["value"]),
                rows: fields
                    .into_iter()
                    .map(|(k, v)| row(k.to_owned(), vec![v]))
                    .collect(),
            }
        }
        "notes" => Table {
            key: "index",
            columns: cols(&["text"]),
            rows: c
                .notes
                .iter()
                .enumerate()
                .map(|(i, n)| row((i + 1).to_string(), vec![n.clone()]))
                .collect(),
        },
        "kpis" => Table {
            key: "metric",
            columns: cols(&[
                "section",
                "label",
                "unit",
                "value",
                "previous",
                "changePct",
                "higherIsBetter",
            ]),
            rows: c
                .sections
                .iter()
                .flat_map(|s| {
                    s.rows.iter().map(move |r| {
                        row(
                            r.metric.clone(),
                            vec![
                                camel(&s.section),
                                r.label.clone(),
                                camel(&r.unit),
                                num(r.value),
                                num(r.previous),
                                num(r.change_pct),
                                r.higher_is_better.to_string(),
                            ],
                        )
                    })
                })
                .collect(),
        },
        "daily" | "dailyPrevious" => {
            let previous = name == "dailyPrevious";
            let dates = if previous {
                &c.daily.previous_dates
            } else {
                &c.daily.dates
            };
            Table {
                key: "date",
                columns: c
                    .daily
                    .columns
                    .iter()
                    .map(|col| col.metric.clone())
                    .collect(),
                rows: dates
                    .iter()
                    .enumerate()
                    .map(|(i, d)| {
                        let values = c
                            .daily
                            .columns
                            .iter()
                            .map(|col| {
                                let vs = if previous { &col.previous } else { &col.values };
                                num(vs.get(i).copied().flatten())
                            })
                            .collect();
                        row(d.to_string(), values)
                    })
                    .collect(),
            }
        }
        "paymentMethods" => Table {
            key: "method",
            columns: cols(&["label", "value"]),
            rows: c
                .payment_methods
                .iter()
                .map(|p| row(p.key.clone(), vec![p.label.clone(), num(Some(p.value))]))
                .collect(),
        },
        "topCreators" => Table {
            key: "rank",
            columns: cols(&["hostId", "username", "revenueCoins", "streams", "viewers"]),
            rows: c
                .top_creators
                .iter()
                .map(|r| {
                    row(
                        r.rank.to_string(),
                        vec![
                            r.host_id.clone(),
                            r.username.clone().unwrap_or_default(),
                            num(Some(r.revenue_coins)),
                            r.streams.to_string(),
                            r.viewers.to_string(),
                        ],
                    )
                })
                .collect(),
        },
        "cohorts" => {
            let mut columns = vec!["size".to_owned()];
            columns.extend(c.cohorts.days.iter().map(|d| format!("day{d}")));
            Table {
                key: "cohort",
                columns,
                rows: c
                    .cohorts
                    .rows
                    .iter()
                    .map(|r| {
                        let mut values = vec![r.size.to_string()];
                        values.extend(
                            (0..c.cohorts.days.len())
                                .map(|j| num(r.rates.get(j).copied().flatten())),
                        );
                        row(r.cohort.to_string(), values)
                    })
                    .collect(),
            }
        }
        "alerts" => Table {
            key: "index",
            columns: cols(&[
                "severity",
                "status",
                "title",
                "metric",
                "country",
                "current",
                "baseline",
                "deviationPct",
                "since",
                "rootCause",
            ]),
            rows: c
                .alerts
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    row(
                        (i + 1).to_string(),
                        vec![
                            a.severity.clone(),
                            a.status.clone(),
                            a.title.clone(),
                            a.metric.clone(),
                            a.country.clone(),
                            num(a.current),
                            num(a.baseline),
                            num(a.deviation_pct),
                            a.since.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                            a.root_cause.clone().unwrap_or_default(),
                        ],
                    )
                })
                .collect(),
        },
        "forecast" => Table {
            key: "date",
            columns: cols(&["actual", "value", "lower", "upper"]),
            rows: c
                .forecast
                .iter()
                .flat_map(|f| {
                    let history = f.history.iter().map(|(d, v)| {
                        row(
                            d.to_string(),
                            vec![num(Some(*v)), String::new(), String::new(), String::new()],
                        )
                    });
                    let points = f.points.iter().map(|p| {
                        row(
                            p.date.to_string(),
                            vec![
                                String::new(),
                                num(Some(p.value)),
                                num(Some(p.lower)),
                                num(Some(p.upper)),
                            ],
                        )
                    });
                    history.chain(points)
                })
                .collect(),
        },
        other => {
            return Err(Error::invalid_argument(
                "table",
                format!(
                    "unknown report table `{other}`; one of {}",
                    TABLES.join(", ")
                ),
            ))
        }
    })
}
