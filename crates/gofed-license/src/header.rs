//! `SPDX-License-Identifier:` lines of source files.

const TAG: &[u8] = b"SPDX-License-Identifier:";

/// The expressions named by `SPDX-License-Identifier:` lines in `head` (the start of a source file), in order:
/// the text after the tag up to the end of the line, without a closing `*/` or trailing spaces. Non-UTF-8 bytes
/// are replaced.
pub fn spdx_header_expressions(head: &[u8]) -> Vec<String> {
    let mut res = Vec::new();
    for line in head.split(|&b| b == b'\n') {
        let Some(idx) = line.windows(TAG.len()).position(|w| w == TAG) else {
            continue;
        };
        let value = String::from_utf8_lossy(&line[idx + TAG.len()..]);
        let value = value.trim();
        let value = value.strip_suffix("*/").unwrap_or(value).trim();
        if !value.is_empty() {
            res.push(value.to_string());
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::spdx_header_expressions;

    #[test]
    fn headers() {
        let src = b"// SPDX-License-Identifier: MIT OR Apache-2.0\n/* SPDX-License-Identifier: BSD-3-Clause */\n\
package x\n// SPDX-License-Identifier:   \n";
        assert_eq!(
            spdx_header_expressions(src),
            vec!["MIT OR Apache-2.0", "BSD-3-Clause"]
        );
    }
}
