//! The CSV file of `forecast --series`: a header row, then one row per value. RFC 4180 quoting
//! (fields in double quotes may hold commas, line breaks and `""` for a quote), `\n` or `\r\n` line
//! ends, an optional UTF-8 byte-order mark. This reader only finds the columns and splits the cells:
//! what a value or a date means is the core's to decide (an empty cell or `NaN` is a missing value,
//! as the core reads a NaN; `inf` reaches the core, which refuses it with its own message).

use std::borrow::Cow;
use std::io::Read as _;
use std::path::Path;

use halobuzz_analytics::api::forecast::MAX_BATCH_VALUES;
use halobuzz_analytics::Error;

/// The largest file read, in bytes: 20 million rows of a date, a value and a short id fit.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The argument errors name: the flag that gave the file.
const FLAG: &str = "series";

/// Which columns to read; `None` picks by name as [`Columns::pick`] says.
#[derive(Debug, Default)]
pub struct ColumnNames {
    /// The values' column.
    pub value: Option<String>,
    /// The dates' column.
    pub date: Option<String>,
    /// The series ids' column.
    pub id: Option<String>,
}

/// One series of the file, in the order its rows came.
#[derive(Debug, Default)]
pub struct CsvSeries {
    /// Its id (with an id column).
    pub id: Option<String>,
    /// Its values, `None` for an empty cell or NaN.
    pub values: Vec<Option<f64>>,
    /// Its dates as written (with a date column).
    pub dates: Option<Vec<String>>,
}

/// Reads `path` into its series: one without an id column, one per id (in order of first
/// appearance) with one.
pub fn read_series(path: &Path, names: &ColumnNames) -> Result<Vec<CsvSeries>, Error> {
    let read_err = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let size = file.metadata().map_err(read_err)?.len();
    if size > MAX_FILE_BYTES {
        return Err(Error::invalid_argument(
            FLAG,
            format!("the file has {size} bytes; at most {MAX_FILE_BYTES} are read"),
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // `take` bounds a file that grows while it is read.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::invalid_argument(
            FLAG,
            format!("the file has more than {MAX_FILE_BYTES} bytes"),
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        Error::invalid_argument(
            FLAG,
            format!("the file is not UTF-8 text (byte {})", e.valid_up_to()),
        )
    })?;
    parse(text.strip_prefix('\u{feff}').unwrap_or(text), names)
}

/// The series of a CSV text.
pub fn parse(text: &str, names: &ColumnNames) -> Result<Vec<CsvSeries>, Error> {
    let mut records = Records::new(text);
    let header: Vec<String> = match records.next_record(None)? {
        Some(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        None => {
            return Err(Error::invalid_argument(
                FLAG,
                "the file is empty; it needs a header row naming its columns",
            ))
        }
    };
    let columns = Columns::pick(&header, names, text)?;
    let mut series: Vec<CsvSeries> = Vec::new();
    let mut by_id: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut count = 0usize;
    let mut records = Records::new(text);
    records.next_record(None)?;
    while let Some(row) = records.next_record(Some(header.len()))? {
        count += 1;
        if count > MAX_BATCH_VALUES {
            return Err(Error::invalid_argument(
                FLAG,
                format!("the file has more than {MAX_BATCH_VALUES} values; at most {MAX_BATCH_VALUES} are accepted"),
            ));
        }
        let line = records.record_line;
        let value = number(&row[columns.value], line, &header[columns.value])?;
        let slot = match columns.id {
            None => {
                if series.is_empty() {
                    series.push(CsvSeries::default());
                }
                0
            }
            Some(c) => {
                let id = row[c].trim();
                match by_id.get(id) {
                    Some(&i) => i,
                    None => {
                        by_id.insert(id.to_owned(), series.len());
                        series.push(CsvSeries {
                            id: Some(id.to_owned()),
                            ..CsvSeries::default()
                        });
                        series.len() - 1
                    }
                }
            }
        };
        let s = &mut series[slot];
        s.values.push(value);
        if let Some(c) = columns.date {
            s.dates
                .get_or_insert_with(Vec::new)
                .push(row[c].trim().to_owned());
        }
    }
    if series.is_empty() {
        return Err(Error::invalid_argument(
            FLAG,
            "the file has a header but no rows",
        ));
    }
    Ok(series)
}

/// A cell as a value: empty or NaN (any case) is missing; anything else must be a number.
fn number(cell: &str, line: usize, column: &str) -> Result<Option<f64>, Error> {
    let cell = cell.trim();
    if cell.is_empty() || cell.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    cell.parse::<f64>().map(Some).map_err(|_| {
        Error::invalid_argument(
            FLAG,
            format!(
                "line {line}, column `{}`: `{}` is not a number (leave the cell empty or write NaN for a missing value)",
                crate::render::cell(column),
                crate::render::cell(cell)
            ),
        )
    })
}

/// The positions of the columns read.
struct Columns {
    value: usize,
    date: Option<usize>,
    id: Option<usize>,
}

impl Columns {
    /// A named column must exist. Without a name: the date column is `date` (else statsforecast's
    /// `ds`), the id column `id` (else `unique_id`), the value column `value` (else `y`, else the only
    /// other column whose every cell is a number or empty).
    fn pick(header: &[String], names: &ColumnNames, text: &str) -> Result<Columns, Error> {
        let find = |name: &str| header.iter().position(|h| h == name);
        let named = |flag: &str, name: &Option<String>, defaults: &[&str]| match name {
            Some(n) => find(n).map(Some).ok_or_else(|| {
                Error::invalid_argument(
                    flag.to_owned(),
                    format!(
                        "the file has no column `{}` (its columns: {})",
                        crate::render::cell(n),
                        list(header)
                    ),
                )
            }),
            None => Ok(defaults.iter().find_map(|d| find(d))),
        };
        let date = named("date-column", &names.date, &["date", "ds"])?;
        let id = named("id-column", &names.id, &["id", "unique_id"])?;
        let value = match named("value-column", &names.value, &["value", "y"])? {
            Some(v) => v,
            None => {
                let others: Vec<usize> = (0..header.len())
                    .filter(|c| Some(*c) != date && Some(*c) != id)
                    .collect();
                let numeric = numeric_columns(text, header.len(), &others)?;
                match numeric.as_slice() {
                    [one] => *one,
                    _ => {
                        return Err(Error::invalid_argument(
                            FLAG,
                            format!(
                                "cannot tell which column holds the values: no column is named `value` and {} of the others ({}) are numeric; name it with --value-column",
                                numeric.len(),
                                list(header)
                            ),
                        ))
                    }
                }
            }
        };
        if Some(value) == date || Some(value) == id || (date.is_some() && date == id) {
            return Err(Error::invalid_argument(
                FLAG,
                "the value, date and id columns must be different columns",
            ));
        }
        Ok(Columns { value, date, id })
    }
}

/// Of `candidates`, the columns with at least one number and nothing but numbers and missing cells.
fn numeric_columns(text: &str, width: usize, candidates: &[usize]) -> Result<Vec<usize>, Error> {
    let mut seen = vec![false; candidates.len()];
    let mut ok = vec![true; candidates.len()];
    let mut records = Records::new(text);
    records.next_record(None)?;
    while let Some(row) = records.next_record(Some(width))? {
        for (k, &c) in candidates.iter().enumerate() {
            if ok[k] {
                match number(&row[c], 0, "") {
                    Ok(Some(_)) => seen[k] = true,
                    Ok(None) => {}
                    Err(_) => ok[k] = false,
                }
            }
        }
        if !ok.iter().any(|o| *o) {
            break;
        }
    }
    Ok(candidates
        .iter()
        .enumerate()
        .filter(|(k, _)| ok[*k] && seen[*k])
        .map(|(_, &c)| c)
        .collect())
}

/// The header's names for a message, cleaned and cut.
fn list(header: &[String]) -> String {
    let names: Vec<String> = header
        .iter()
        .take(20)
        .map(|h| format!("`{}`", crate::render::cell(h)))
        .collect();
    let more = if header.len() > 20 { ", …" } else { "" };
    format!("{}{more}", names.join(", "))
}

/// The records of a CSV text.
struct Records<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    /// The line the last record started on (1-based), for messages.
    record_line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str) -> Self {
        Records {
            text,
            pos: 0,
            line: 1,
            record_line: 1,
        }
    }

    /// The next record, checked to have `width` fields when given. An empty line is skipped, except
    /// in a one-column file, where it is an empty cell (a missing value); the line break ending the
    /// file ends the last record and starts none.
    fn next_record(&mut self, width: Option<usize>) -> Result<Option<Vec<Cow<'a, str>>>, Error> {
        loop {
            if self.pos >= self.text.len() {
                return Ok(None);
            }
            self.record_line = self.line;
            let record = self.fields()?;
            let blank = record.len() == 1 && record[0].is_empty();
            if blank && width != Some(1) {
                continue;
            }
            if let Some(w) = width {
                if record.len() != w {
                    return Err(Error::invalid_argument(
                        FLAG,
                        format!(
                            "line {} has {} field(s); the header has {w}",
                            self.record_line,
                            record.len()
                        ),
                    ));
                }
            }
            return Ok(Some(record));
        }
    }

    /// The fields up to the end of the record, the position moved past its line break.
    fn fields(&mut self) -> Result<Vec<Cow<'a, str>>, Error> {
        let bytes = self.text.as_bytes();
        let mut fields = Vec::new();
        loop {
            let field = if bytes.get(self.pos) == Some(&b'"') {
                self.quoted()?
            } else {
                let start = self.pos;
                while let Some(&b) = bytes.get(self.pos) {
                    if b == b',' || b == b'\n' || b == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
                Cow::Borrowed(&self.text[start..self.pos])
            };
            fields.push(field);
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\r') if bytes.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                    return Ok(fields);
                }
                Some(b'\n') | Some(b'\r') => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(fields);
                }
                None => return Ok(fields),
                Some(_) => {
                    return Err(Error::invalid_argument(
                        FLAG,
                        format!("line {}: text after a closing quote", self.line),
                    ))
                }
            }
        }
    }

    /// A quoted field, from its opening quote to past its closing one.
    fn quoted(&mut self) -> Result<Cow<'a, str>, Error> {
        let bytes = self.text.as_bytes();
        let started = self.line;
        self.pos += 1;
        let start = self.pos;
        let mut unescaped: Option<String> = None;
        loop {
            match bytes.get(self.pos) {
                None => {
                    return Err(Error::invalid_argument(
                        FLAG,
                        format!("line {started}: a quoted field is never closed"),
                    ))
                }
                Some(b'"') if bytes.get(self.pos + 1) == Some(&b'"') => {
                    // `""` is one quote: from here on the field is copied.
                    let s = unescaped.get_or_insert_with(String::new);
                    if s.is_empty() {
                        s.push_str(&self.text[start..self.pos]);
                    }
                    s.push('"');
                    self.pos += 2;
                }
                Some(b'"') => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok(match unescaped {
                        Some(s) => Cow::Owned(s),
                        None => Cow::Borrowed(&self.text[start..end]),
                    });
                }
                Some(&b) => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    let len = self.text[self.pos..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
                    if let Some(s) = unescaped.as_mut() {
                        s.push_str(&self.text[self.pos..self.pos + len]);
                    }
                    self.pos += len;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn names() -> ColumnNames {
        ColumnNames::default()
    }

    #[test]
    fn one_column_with_missing_values() {
        let s = parse("value\n1\n\nNaN\n4\n", &names()).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].values, vec![Some(1.0), None, None, Some(4.0)]);
        assert!(s[0].dates.is_none());
    }

    #[test]
    fn the_only_numeric_column_and_dates() {
        let s = parse(
            "date,note,sales\r\n2026-01-01,\"a, b\",3\r\n2026-01-02,\"say \"\"hi\"\"\",\r\n",
            &names(),
        )
        .unwrap();
        assert_eq!(s[0].values, vec![Some(3.0), None]);
        assert_eq!(s[0].dates.as_deref().unwrap(), ["2026-01-01", "2026-01-02"]);
    }

    #[test]
    fn ids_group_rows_in_order_of_first_appearance() {
        let s = parse("unique_id,ds,y\nb,1,1\na,1,2\nb,2,3\n", &names()).unwrap();
        let ids: Vec<_> = s.iter().map(|s| s.id.clone().unwrap()).collect();
        assert_eq!(ids, ["b", "a"]);
        assert_eq!(s[0].values, vec![Some(1.0), Some(3.0)]);
    }

    #[test]
    fn bad_files_are_argument_errors() {
        for (text, says) in [
            ("", "empty"),
            ("value\n", "no rows"),
            ("value\nabc\n", "not a number"),
            ("a,b\n1\n", "has 1 field"),
            ("value\n\"1\n", "never closed"),
            ("value\n\"1\"x\n", "after a closing quote"),
            ("a,b\n1,2\n", "cannot tell"),
        ] {
            let e = parse(text, &names()).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{text:?}");
            assert!(e.to_string().contains(says), "{text:?}: {e}");
        }
        let e = parse(
            "value\n1\n",
            &ColumnNames {
                value: Some("v".into()),
                ..names()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("no column `v`"), "{e}");
    }
}
