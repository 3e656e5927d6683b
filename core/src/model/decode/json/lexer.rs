//! The byte-level half of the JSON scanner: strings, numbers, literals, Extended JSON wrappers, and
//! skipping whole values, each checked the way `serde_json` and `bson` would read it.
//!
//! Every method returns `None` for anything the scanner does not judge itself — a syntax error, but
//! equally a legal construct it leaves to the full parser (a surrogate escape, an escaped key, an
//! integer beyond 18 digits, a `$` operator it does not know). Nothing here recurses: skipped values
//! nest on an explicit bit stack, so no line can exhaust the stack.

use std::borrow::Cow;

use bson::oid::ObjectId;
use bson::spec::ElementType;
use bson::Decimal128;

use super::super::value::Value;
use super::date::rfc3339_millis;

/// How deep skipped arrays and objects may nest here; deeper lines go to the full parser, which
/// applies the loader's nesting guard first. Well below [`MAX_NESTING`](crate::load::MAX_NESTING).
const MAX_SKIP_DEPTH: u32 = 48;

/// A captured value: a [`Value`], or a string that may be unescaped into its own buffer.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Captured<'a> {
    /// `null`: present, but the decoder takes it as absent.
    Null,
    /// A string.
    Str(Cow<'a, str>),
    /// Anything else.
    Value(Value<'static>),
}

/// A cursor over one line. The line need not be UTF-8: bytes outside strings are checked by JSON's
/// grammar (all ASCII), and a string with bytes above 0x7f is checked when it is read, so a line the
/// scanner accepts is UTF-8 throughout, as the full path requires.
#[derive(Clone)]
pub(super) struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Lexer { bytes, pos: 0 }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return: what `serde_json` skips).
    pub(super) fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Takes `b`, or fails.
    pub(super) fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(word.len())?;
        (self.bytes.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// A string: its raw bytes between the quotes (escapes all checked), whether it holds escapes, and
    /// whether it is ASCII. Bytes above 0x7f are only known to be well-formed UTF-8 once
    /// [`as_text`] or [`Lexer::skip_string`] checked them.
    fn raw_string(&mut self) -> Option<(&'a [u8], bool, bool)> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        let mut high = 0u64;
        loop {
            self.pos = plain_run_end(self.bytes, self.pos, &mut high);
            match self.peek()? {
                b'"' => {
                    let raw = self.bytes.get(start..self.pos)?;
                    self.pos += 1;
                    return Some((raw, escaped, high & HIGHS == 0));
                }
                b'\\' => {
                    escaped = true;
                    self.pos = escape_end(self.bytes, self.pos)?;
                }
                // A raw control character: `serde_json` refuses it.
                _ => return None,
            }
        }
    }

    /// Skips a string, checking it.
    fn skip_string(&mut self) -> Option<()> {
        let (raw, _, ascii) = self.raw_string()?;
        (ascii || std::str::from_utf8(raw).is_ok()).then_some(())
    }

    /// A string value, unescaped (into its own buffer only when it has escapes).
    pub(super) fn string(&mut self) -> Option<Cow<'a, str>> {
        let (raw, escaped, _) = self.raw_string()?;
        let raw = as_text(raw)?;
        if escaped {
            unescape(raw).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(raw))
        }
    }

    /// A string without escapes (the text inside Extended JSON wrappers: an escaped one could spell a
    /// hex digit, which the full parser is left to read).
    pub(super) fn plain_string(&mut self) -> Option<&'a str> {
        match self.raw_string()? {
            (raw, false, _) => as_text(raw),
            (_, true, _) => None,
        }
    }

    /// An object key and the `:` after it, as bytes. A key with escapes (which could spell a `$` or a
    /// field's name) is left to the full parser.
    pub(super) fn key(&mut self) -> Option<&'a [u8]> {
        let key = match self.raw_string()? {
            (raw, false, true) => raw,
            (raw, false, false) => as_text(raw)?.as_bytes(),
            (_, true, _) => return None,
        };
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some(key)
    }

    /// Whether the next key is exactly `key` (a key read in full before): then it and its `:` are
    /// taken. `Some(false)` (nothing taken) when it is another key; `None` when `key` is followed by
    /// anything but a `:`.
    pub(super) fn known_key(&mut self, key: &[u8]) -> Option<bool> {
        let start = self.pos + 1;
        let end = start + key.len();
        let same = self.peek() == Some(b'"')
            && self
                .bytes
                .get(start..end)
                .is_some_and(|k| same_bytes(k, key))
            && self.bytes.get(end) == Some(&b'"');
        if !same {
            return Some(false);
        }
        self.pos = end + 1;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some(true)
    }

    /// A number as `serde_json` hands it to `bson`: a non-negative integer is Int32 when it fits, else
    /// Int64; a negative integer is Int64 (and `-0` a double); anything with a fraction or an exponent
    /// is a double, parsed by `serde_json` itself so that rounding is identical.
    fn number(&mut self, value_needed: bool) -> Option<Value<'static>> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let int_digits = self.pos - int_start;
        if matches!(self.peek(), Some(b'0'..=b'9')) {
            return None; // a leading zero
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let at = self.pos;
            self.digits();
            if self.pos == at {
                return None;
            }
            float = true;
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            let at = self.pos;
            self.digits();
            if self.pos == at {
                return None;
            }
            exponent = true;
            float = true;
        }
        let token = as_text(self.bytes.get(start..self.pos)?)?;
        if float {
            // A well-formed number is refused by `serde_json` only when it overflows to infinity,
            // which takes more than 308 integer digits or an exponent: anything else need not be
            // parsed unless its value is wanted.
            if !value_needed && !exponent && int_digits <= 300 {
                return Some(Value::Double(0.0));
            }
            let f: f64 = serde_json::from_str(token).ok()?;
            return Some(Value::Double(f));
        }
        // Up to 18 digits always fit an i64; longer integers are left to the full parser.
        if int_digits > 18 {
            return None;
        }
        let mut n: i64 = 0;
        for &d in self.bytes.get(int_start..int_start + int_digits)? {
            n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
        }
        Some(match (negative, n) {
            (true, 0) => Value::Double(-0.0),
            (true, n) => Value::Int64(-n),
            (false, n) => match i32::try_from(n) {
                Ok(i) => Value::Int32(i),
                Err(_) => Value::Int64(n),
            },
        })
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// A leaf value to keep (objects and arrays are skipped and reported by type).
    pub(super) fn value(&mut self) -> Option<Captured<'a>> {
        Some(match self.peek()? {
            b'"' => Captured::Str(self.string()?),
            b'{' => {
                if let Some(v) = self.compact_wrapper() {
                    return Some(Captured::Value(v));
                }
                let at = self.pos;
                self.pos += 1;
                self.ws();
                if self.peek()? == b'}' {
                    self.pos += 1;
                    return Some(Captured::Value(Value::Document));
                }
                let key = self.key()?;
                if key.starts_with(b"$") {
                    return Some(Captured::Value(self.wrapper(key)?));
                }
                self.pos = at;
                self.skip_value()?;
                Captured::Value(Value::Document)
            }
            b'[' => {
                self.skip_value()?;
                Captured::Value(Value::Other(ElementType::Array))
            }
            b't' => {
                self.literal(b"true")?;
                Captured::Value(Value::Boolean(true))
            }
            b'f' => {
                self.literal(b"false")?;
                Captured::Value(Value::Boolean(false))
            }
            b'n' => {
                self.literal(b"null")?;
                Captured::Null
            }
            _ => Captured::Value(self.number(true)?),
        })
    }

    /// `{"$oid":"…"}`, `{"$date":"…"}` or `{"$date":{"$numberLong":"…"}}` written without spaces, as
    /// mongoexport writes nearly every id and date: read by position, without scanning their keys. `None` (and nothing consumed)
    /// for anything else, which the general path then reads.
    fn compact_wrapper(&mut self) -> Option<Value<'static>> {
        const OID: &[u8] = br#"{"$oid":""#;
        const DATE: &[u8] = br#"{"$date":""#;
        const MILLIS: &[u8] = br#"{"$date":{"$numberLong":""#;
        let rest = self.bytes.get(self.pos..)?;
        if rest.get(..OID.len()).is_some_and(|p| same_bytes(p, OID)) {
            let after = rest.get(OID.len()..)?;
            if after.get(24..26)? != br#""}"# {
                return None;
            }
            let id = object_id(after.get(..24)?)?;
            self.pos += OID.len() + 26;
            return Some(Value::ObjectId(id));
        }
        if rest
            .get(..MILLIS.len())
            .is_some_and(|p| same_bytes(p, MILLIS))
        {
            // Canonical mode: milliseconds, as `bson` parses them (an i64, of at most 20 bytes).
            let after = rest.get(MILLIS.len()..)?;
            let end = after.iter().take(21).position(|&b| b == b'"')?;
            if after.get(end + 1..end + 3)? != b"}}" {
                return None;
            }
            let millis = as_text(after.get(..end)?)?.parse::<i64>().ok()?;
            self.pos += MILLIS.len() + end + 3;
            return Some(Value::DateTime(bson::DateTime::from_millis(millis)));
        }
        if !rest.get(..DATE.len()).is_some_and(|p| same_bytes(p, DATE)) {
            return None;
        }
        let after = rest.get(DATE.len()..)?;
        // The longest form read here: 35 bytes with nine fractional digits and an offset.
        let end = after.iter().take(40).position(|&b| b == b'"')?;
        if after.get(end + 1)? != &b'}' {
            return None;
        }
        let millis = rfc3339_millis(after.get(..end)?)?;
        self.pos += DATE.len() + end + 2;
        Some(Value::DateTime(bson::DateTime::from_millis(millis)))
    }

    /// The rest of an Extended JSON wrapper whose first key (`$…`, with its `:`) was just read, up to
    /// and including its `}`. Only the single-key forms mongoexport writes are read here.
    pub(super) fn wrapper(&mut self, key: &[u8]) -> Option<Value<'static>> {
        let value = match key {
            b"$oid" => Value::ObjectId(object_id(self.plain_string()?.as_bytes())?),
            b"$date" => match self.peek()? {
                b'"' => Value::DateTime(bson::DateTime::from_millis(rfc3339_millis(
                    self.plain_string()?.as_bytes(),
                )?)),
                b'{' => {
                    self.pos += 1;
                    self.ws();
                    if self.key()? != b"$numberLong" {
                        return None;
                    }
                    let millis = self.plain_string()?.parse::<i64>().ok()?;
                    self.ws();
                    self.eat(b'}')?;
                    Value::DateTime(bson::DateTime::from_millis(millis))
                }
                _ => return None,
            },
            // The same parses `bson` applies to the same text.
            b"$numberInt" => Value::Int32(self.plain_string()?.parse().ok()?),
            b"$numberLong" => Value::Int64(self.plain_string()?.parse().ok()?),
            b"$numberDouble" => Value::Double(match self.plain_string()? {
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                "NaN" => f64::NAN,
                other => other.parse().ok()?,
            }),
            b"$numberDecimal" => {
                Value::Decimal128(self.plain_string()?.parse::<Decimal128>().ok()?)
            }
            _ => return None,
        };
        self.ws();
        self.eat(b'}')?;
        Some(value)
    }

    /// Skips one value, checking it as the full parser would: strings, numbers and literals by JSON's
    /// grammar, Extended JSON wrappers by their content.
    pub(super) fn skip_value(&mut self) -> Option<()> {
        // Bit `d` of `objects`: whether the container at depth `d + 1` is an object.
        let (mut objects, mut depth) = (0u64, 0u32);
        loop {
            self.ws();
            match self.peek()? {
                b'{' if self.compact_wrapper().is_some() => {}
                b'{' => {
                    self.pos += 1;
                    self.ws();
                    if self.peek()? == b'}' {
                        self.pos += 1;
                    } else {
                        let key = self.key()?;
                        if key.starts_with(b"$") {
                            self.wrapper(key)?;
                        } else {
                            if depth >= MAX_SKIP_DEPTH {
                                return None;
                            }
                            objects |= 1 << depth;
                            depth += 1;
                            continue;
                        }
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.ws();
                    if self.peek()? == b']' {
                        self.pos += 1;
                    } else {
                        if depth >= MAX_SKIP_DEPTH {
                            return None;
                        }
                        objects &= !(1 << depth);
                        depth += 1;
                        continue;
                    }
                }
                b'"' => self.skip_string()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => {
                    self.number(false)?;
                }
            }
            // A value is complete: close what it completes, or move on to the next element.
            loop {
                let Some(top) = depth.checked_sub(1) else {
                    return Some(());
                };
                let in_object = objects & (1 << top) != 0;
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        if in_object {
                            self.ws();
                            // A `$` key after the first makes `bson` read a wrapper mid-object.
                            if self.key()?.starts_with(b"$") {
                                return None;
                            }
                        }
                        break;
                    }
                    b'}' if in_object => {
                        self.pos += 1;
                        depth = top;
                    }
                    b']' if !in_object => {
                        self.pos += 1;
                        depth = top;
                    }
                    _ => return None,
                }
            }
        }
    }
}

/// The end of the run of bytes at `from` that need no attention inside a string: everything but `"`,
/// `\` and control characters. Eight bytes at a time (bytes at or above 0x80, UTF-8 already checked,
/// pass through).
fn plain_run_end(bytes: &[u8], mut i: usize, high: &mut u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    while let Some(word) = bytes
        .get(i..i.saturating_add(8))
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
    {
        let w = u64::from_le_bytes(word);
        // Bytes past the string's end may be counted too: that only costs a needless UTF-8 check.
        *high |= w;
        // A zero byte of `w ^ pattern` is a byte equal to it; a borrow out of a byte below 0x20 marks a
        // control character. Only the lowest flagged byte is sure, and it is the one wanted.
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let found = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | w.wrapping_sub(ONES * 0x20) & !w)
            & HIGHS;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        *high |= u64::from(b);
        i += 1;
    }
    i
}

/// Whether two short byte strings are equal, eight bytes at a time (keys and prefixes are too short
/// for a `memcmp` call to pay off).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a8, mut b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let words_equal = a8.by_ref().zip(b8.by_ref()).all(|(x, y)| {
        let (x, y) = (<[u8; 8]>::try_from(x), <[u8; 8]>::try_from(y));
        x.is_ok_and(|x| y.is_ok_and(|y| u64::from_ne_bytes(x) == u64::from_ne_bytes(y)))
    });
    words_equal
        && a8
            .remainder()
            .iter()
            .zip(b8.remainder())
            .all(|(x, y)| x == y)
}

/// The high bit of each byte of a word.
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Bytes of the line as text, if they are UTF-8.
fn as_text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// The position after the escape at `at` (a `\`), if it is one `serde_json` accepts for a string and
/// this scanner reads: surrogate pairs are left to the full parser.
fn escape_end(bytes: &[u8], at: usize) -> Option<usize> {
    match *bytes.get(at + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(at + 2),
        b'u' => {
            let unit = hex4(bytes.get(at + 2..at + 6)?)?;
            (!(0xD800..=0xDFFF).contains(&unit)).then_some(at + 6)
        }
        _ => None,
    }
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
}

/// The text of a string's raw content (escapes already checked by [`escape_end`]).
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(rest.get(..at)?);
        let escape = rest.get(at + 1..)?;
        let (c, len) = match *escape.as_bytes().first()? {
            b'"' => ('"', 1),
            b'\\' => ('\\', 1),
            b'/' => ('/', 1),
            b'b' => ('\u{8}', 1),
            b'f' => ('\u{c}', 1),
            b'n' => ('\n', 1),
            b'r' => ('\r', 1),
            b't' => ('\t', 1),
            b'u' => (char::from_u32(hex4(escape.as_bytes().get(1..5)?)?)?, 5),
            _ => return None,
        };
        out.push(c);
        rest = escape.get(len..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// An ObjectId from exactly 24 hex digits of either case (what `ObjectId::parse_str` accepts),
/// without the allocation of its hex decoder.
fn object_id(hex: &[u8]) -> Option<ObjectId> {
    let digits: &[u8; 24] = hex.try_into().ok()?;
    let mut bytes = [0u8; 12];
    let mut bad = 0u8;
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        if let [hi, lo] = *pair {
            let (hi, lo) = (HEX[usize::from(hi)], HEX[usize::from(lo)]);
            bad |= hi | lo;
            *byte = hi << 4 | (lo & 0x0f);
        }
    }
    // Non-digits map to 0x10 and above: one test for all 24.
    (bad < 0x10).then(|| ObjectId::from_bytes(bytes))
}

/// The value of each hex digit, and 0xff for every other byte.
const HEX: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};
