//! CSV export of any console list (RFC 4180), with spreadsheet formula injection
//! neutralized: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return gets a leading `'`, so a spreadsheet shows it as text instead of
//! running it (OWASP's "CSV injection" advice).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One cell, escaped.
pub fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The CSV text of a header and rows (CRLF line ends).
pub fn text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = String::new();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = String>| {
        let mut first = true;
        for c in cells {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&cell(&c));
        }
        out.push_str("\r\n");
    };
    line(&mut out, &mut header.iter().map(|h| (*h).to_owned()));
    for r in rows {
        line(&mut out, &mut r.into_iter());
    }
    out
}

/// A CSV download named `filename`.
pub fn response(
    filename: &str,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        text(header, rows),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_quotes_doubled() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("12.50"), "12.50");
        let t = text(
            &["a", "b"],
            vec![vec!["=1".to_owned(), "x\ny".to_owned()]].into_iter(),
        );
        assert_eq!(t, "a,b\r\n'=1,\"x\ny\"\r\n");
    }
}
