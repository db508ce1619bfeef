//! Input bytes to a JSON value: UTF-8 (a byte order mark is tolerated), then
//! JSON syntax. Failures are `Malformed` with line, column and byte offset.

use clearway_plugin_sdk::wire::describe_serde_error;
use clearway_plugin_sdk::{ConnectorError, Problem};
use serde_json::Value;

/// Problem code for input that is not UTF-8.
pub const ENCODING: &str = "json.encoding";
/// Problem code for a JSON syntax error.
pub const SYNTAX: &str = "json.syntax";

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses the input into one JSON value.
///
/// Line and column in problems are 1-based and count bytes of the text after
/// any byte order mark; the byte offset is 0-based in the input as received.
///
/// # Errors
///
/// [`ConnectorError::Malformed`] with one problem: [`ENCODING`] at the first
/// byte that is not UTF-8, or [`SYNTAX`] where the JSON grammar is broken.
pub fn parse(input: &[u8]) -> Result<Value, ConnectorError> {
    let (skipped, bytes) = match input.strip_prefix(BOM) {
        Some(rest) => (BOM.len(), rest),
        None => (0, input),
    };
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        let (line, column) = line_column(bytes, offset);
        ConnectorError::malformed(
            Problem::error(ENCODING, "the input is not valid UTF-8")
                .at_line_column(line, column)
                .at_byte_offset(to_u64(skipped + offset)),
        )
    })?;
    serde_json::from_str(text).map_err(|error| {
        let line = error.line().max(1);
        let column = error.column().max(1);
        let offset = byte_offset(bytes, line, column);
        ConnectorError::malformed(
            Problem::error(
                SYNTAX,
                format!("invalid JSON: {}", describe_serde_error(&error)),
            )
            .at_line_column(to_u32(line), to_u32(column))
            .at_byte_offset(to_u64(skipped + offset)),
        )
    })
}

/// 1-based line and column (in bytes) of a 0-based byte offset.
fn line_column(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    (to_u32(line), to_u32(offset - line_start + 1))
}

/// 0-based byte offset of a 1-based line and column (in bytes), clamped to
/// the input.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, byte)| **byte == b'\n')
            .nth(line - 2)
            .map_or(bytes.len(), |(newline, _)| newline + 1)
    };
    (line_start + column - 1).min(bytes.len())
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn to_u64(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn malformed(input: &[u8]) -> Problem {
        match parse(input).expect_err("must not parse") {
            ConnectorError::Malformed(mut problems) if problems.len() == 1 => problems.remove(0),
            other => panic!("expected one Malformed problem, got {other:?}"),
        }
    }

    #[test]
    fn parses_with_and_without_bom() {
        assert_eq!(parse(b"{\"a\":1}").expect("plain")["a"], 1);
        assert_eq!(parse(b"\xEF\xBB\xBF[1]").expect("bom")[0], 1);
    }

    #[test]
    fn syntax_error_has_line_column_and_offset() {
        let input = b"{\n  \"a\": 1,\n  \"b\": ?\n}";
        let problem = malformed(input);
        assert_eq!(problem.code, SYNTAX);
        assert_eq!(problem.location.line, Some(3));
        assert_eq!(problem.location.column, Some(8));
        let offset = usize::try_from(problem.location.byte_offset.expect("offset")).expect("fits");
        assert_eq!(input[offset], b'?');
        assert_eq!(problem.message, "invalid JSON: expected value");
    }

    #[test]
    fn offset_counts_the_bom() {
        let problem = malformed(b"\xEF\xBB\xBF[1,]");
        assert_eq!(problem.location.line, Some(1));
        assert_eq!(problem.location.column, Some(4));
        assert_eq!(problem.location.byte_offset, Some(6));
    }

    #[test]
    fn empty_input_is_malformed() {
        let problem = malformed(b"");
        assert_eq!(problem.code, SYNTAX);
        assert_eq!(
            (problem.location.line, problem.location.column),
            (Some(1), Some(1))
        );
        assert_eq!(problem.location.byte_offset, Some(0));
    }

    #[test]
    fn bad_utf8_is_located() {
        let problem = malformed(b"[\"ok\",\n \"\xFF\"]");
        assert_eq!(problem.code, ENCODING);
        assert_eq!(problem.location.byte_offset, Some(9));
        assert_eq!(
            (problem.location.line, problem.location.column),
            (Some(2), Some(3))
        );
    }

    #[test]
    fn syntax_messages_do_not_quote_input() {
        let problem = malformed(b"{\"name\": SECRETNAME123}");
        assert!(!problem.message.contains("SECRETNAME123"), "{problem}");
    }
}
