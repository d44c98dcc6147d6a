//! Regions of a hand-written file that `sync` writes: the lines between a
//! line that holds `sync:begin NAME` and the next that holds `sync:end`.
//! The marker lines stay; a file without its markers is an error, never a
//! silent skip.

/// `text` with region `name`'s lines replaced by `body` (whole lines).
pub fn replace(text: &str, file: &str, name: &str, body: &str) -> Result<String, String> {
    let begin = format!("sync:begin {name}");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|line| line.contains(&begin))
        .ok_or(format!(
            "{file}: no line holds `{begin}`: put the region's markers back"
        ))?;
    let end = lines[start + 1..]
        .iter()
        .position(|line| line.contains("sync:end"))
        .map(|offset| start + 1 + offset)
        .ok_or(format!("{file}: region `{name}` has no `sync:end` line"))?;
    let mut out: String = lines[..=start].concat();
    out.push_str(body);
    out.push_str(&lines[end..].concat());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_region_is_replaced() {
        let text = "a\n# sync:begin x (written by sync)\nold\nold\n# sync:end\nb\n";
        assert_eq!(
            replace(text, "f", "x", "new\n").unwrap(),
            "a\n# sync:begin x (written by sync)\nnew\n# sync:end\nb\n"
        );
        assert!(
            replace(text, "f", "y", "")
                .unwrap_err()
                .contains("sync:begin y")
        );
        assert!(
            replace("# sync:begin x\n", "f", "x", "")
                .unwrap_err()
                .contains("sync:end")
        );
    }
}
