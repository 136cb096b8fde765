//! Writing JSON text: strings, JSON Pointer segments and numbers, byte for byte as Python's
//! `json.dumps(..., ensure_ascii=False, separators=(",", ":"))` writes them.
//!
//! The SSE helper sends every op as JSON; writing it here, next to the parser, spares the
//! server a Python `json.dumps` per event. Matching Python's output exactly (floats in
//! `repr`'s form, `\u001f`-style escapes) keeps the wire format what it was when Python wrote
//! it, and lets tests compare the two byte for byte.

/// What each ASCII byte needs inside a JSON string: 0 = as is, `b'u'` = `\u00XX`, else the
/// letter of its short escape (`\n`, `\"`, ...).
static ESCAPE: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `\uXXXX` (lowercase hex, as Python writes it).
fn push_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((unit >> shift) & 0xf) as usize]);
    }
}

/// Writes the content of a JSON string (no quotes) for `text`, which is UTF-8 or WTF-8: a
/// lone surrogate (`ED A0..BF xx`, as a `str` holding one is encoded with `surrogatepass`)
/// is written as its `\uDXXX` escape, the only form it has in JSON text. Everything else
/// non-ASCII is written as is.
pub fn push_string_content(out: &mut Vec<u8>, text: &[u8]) {
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let byte = text[i];
        if byte < 0x80 {
            let escape = ESCAPE[byte as usize];
            if escape != 0 {
                out.extend_from_slice(&text[start..i]);
                if escape == b'u' {
                    push_u_escape(out, u32::from(byte));
                } else {
                    out.push(b'\\');
                    out.push(escape);
                }
                start = i + 1;
            }
            i += 1;
        } else if byte == 0xED && i + 2 < text.len() && text[i + 1] >= 0xA0 {
            // A surrogate code point: U+D800..U+DFFF.
            out.extend_from_slice(&text[start..i]);
            let unit =
                0xD000 | (u32::from(text[i + 1] & 0x3F) << 6) | u32::from(text[i + 2] & 0x3F);
            push_u_escape(out, unit);
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    out.extend_from_slice(&text[start..]);
}

/// Writes `text` as a quoted JSON string.
pub fn push_string(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    push_string_content(out, text);
    out.push(b'"');
}

/// Writes one JSON Pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`), as content of a
/// JSON string.
pub fn push_pointer_segment(out: &mut Vec<u8>, segment: &[u8]) {
    out.push(b'/');
    if !segment.iter().any(|&b| b == b'~' || b == b'/') {
        push_string_content(out, segment);
        return;
    }
    let mut escaped = Vec::with_capacity(segment.len() + 4);
    for &byte in segment {
        match byte {
            b'~' => escaped.extend_from_slice(b"~0"),
            b'/' => escaped.extend_from_slice(b"~1"),
            _ => escaped.push(byte),
        }
    }
    push_string_content(out, &escaped);
}

/// Writes an integer in decimal.
pub fn push_int(out: &mut Vec<u8>, value: i64) {
    let mut digits = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

/// Writes a finite float as Python's `repr` does (the shortest digits that round-trip; fixed
/// notation with a `.0` for whole numbers when the decimal exponent is in -4..16, else
/// `1.5e-05` / `1e+16` with at least two exponent digits). Returns false, writing nothing, for
/// NaN and the infinities, which JSON has no form for.
pub fn push_float(out: &mut Vec<u8>, value: f64) -> bool {
    if !value.is_finite() {
        return false;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddddde-7" (or "de3").
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    if value.is_sign_negative() {
        out.push(b'-');
    }
    // Python's decpt: the value is 0.DIGITS x 10^decpt.
    let decpt = exponent + 1;
    if (-4 < decpt) && (decpt <= 16) {
        if decpt <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', decpt.unsigned_abs() as usize));
            out.extend_from_slice(&digits);
        } else {
            let point = decpt as usize;
            if digits.len() <= point {
                out.extend_from_slice(&digits);
                out.extend(std::iter::repeat_n(b'0', point - digits.len()));
                out.extend_from_slice(b".0");
            } else {
                out.extend_from_slice(&digits[..point]);
                out.push(b'.');
                out.extend_from_slice(&digits[point..]);
            }
        }
    } else {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        push_int(out, i64::from(magnitude));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(value: f64) -> String {
        let mut out = Vec::new();
        assert!(push_float(&mut out, value));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_as_python_repr() {
        let table: &[(f64, &str)] = &[
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e300, "1e+300"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.1, "0.1"),
            (100.0, "100.0"),
            (1e22, "1e+22"),
            (12345.678, "12345.678"),
            (-2.5, "-2.5"),
            (0.00012, "0.00012"),
            (1234567890123456.7, "1234567890123456.8"),
        ];
        for &(value, expected) in table {
            assert_eq!(float(value), expected, "{value:e}");
        }
        assert!(!push_float(&mut Vec::new(), f64::NAN));
        assert!(!push_float(&mut Vec::new(), f64::INFINITY));
    }

    #[test]
    fn strings_escaped_as_python_does() {
        let mut out = Vec::new();
        push_string(&mut out, "a\"b\\c\n\t\x01\x1f\x7fé😀".as_bytes());
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7fé😀\"".as_bytes());
        let mut out = Vec::new();
        push_string(&mut out, b"x\xed\xa0\x80y"); // WTF-8 of "x\ud800y"
        assert_eq!(out, b"\"x\\ud800y\"");
    }

    #[test]
    fn pointer_segments_and_ints() {
        let mut out = Vec::new();
        push_pointer_segment(&mut out, b"a/b~c");
        push_pointer_segment(&mut out, b"\"");
        assert_eq!(out, b"/a~1b~0c/\\\"");
        let mut out = Vec::new();
        for n in [0, -7, i64::MIN, i64::MAX] {
            push_int(&mut out, n);
            out.push(b' ');
        }
        assert_eq!(out, b"0 -7 -9223372036854775808 9223372036854775807 ");
    }
}
