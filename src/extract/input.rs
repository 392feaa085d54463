//! The text extraction reads, checked in one place: from a file, from standard input, or an
//! article's stored text. A text is refused, in one line, when it is empty (or only
//! whitespace), binary (a NUL byte, or bytes that are not UTF-8: the message gives the byte
//! offset), or over [`MAX_ARTICLE_BYTES`]. A leading byte-order mark is dropped; everything
//! else is kept as given, Windows line breaks included, since candidates' offsets count the
//! characters of the text as it is.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::text::MAX_ARTICLE_BYTES;

/// The limit, in the words the messages use.
fn limit() -> String {
    format!(
        "the limit is {MAX_ARTICLE_BYTES} bytes ({} MiB)",
        MAX_ARTICLE_BYTES >> 20
    )
}

/// What to call `path` in a message: `standard input` for `-`.
pub fn describe(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// Turn the bytes read from `what` (a file name, `standard input`) into the text.
pub fn text_from_bytes(what: &str, mut bytes: Vec<u8>) -> Result<String> {
    if bytes.len() > MAX_ARTICLE_BYTES {
        return Err(Error::Invalid(format!(
            "{what} is {} bytes; {}",
            bytes.len(),
            limit()
        )));
    }
    let nul = bytes.iter().position(|b| *b == 0);
    let bad = std::str::from_utf8(&bytes).err().map(|e| e.valid_up_to());
    match (nul, bad) {
        (Some(at), b) if b.is_none_or(|b| at <= b) => {
            return Err(Error::Invalid(format!(
                "{what} is binary data, not text (a NUL byte at byte offset {at}); give a UTF-8 text file"
            )));
        }
        (_, Some(at)) => {
            return Err(Error::Invalid(format!(
                "{what} is not UTF-8 text (bad byte at byte offset {at}); convert it to UTF-8 first"
            )));
        }
        _ => {}
    }
    if bytes.starts_with("\u{FEFF}".as_bytes()) {
        bytes.drain(..3);
    }
    let text = String::from_utf8(bytes).expect("checked above");
    if text.is_empty() {
        return Err(Error::Invalid(format!(
            "{what} is empty; give the article's text"
        )));
    }
    if text.trim().is_empty() {
        return Err(Error::Invalid(format!(
            "{what} is empty (only whitespace); give the article's text"
        )));
    }
    Ok(text)
}

/// Read the text from `reader`, named `what` in messages. At most one byte past the limit is
/// read: input that goes on is refused rather than read to its end.
pub fn read_from(what: &str, reader: impl Read) -> Result<String> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_ARTICLE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Invalid(format!("cannot read {what}: {e}")))?;
    if bytes.len() > MAX_ARTICLE_BYTES {
        return Err(Error::Invalid(format!(
            "{what} is over {MAX_ARTICLE_BYTES} bytes; {}",
            limit()
        )));
    }
    text_from_bytes(what, bytes)
}

/// Read the text from the file at `path`, or from standard input for `-`. A file whose size
/// is over the limit is refused before any of it is read.
pub fn read_path(path: &Path) -> Result<String> {
    let what = describe(path);
    if path == Path::new("-") {
        return read_from(&what, std::io::stdin().lock());
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Error::Invalid(format!("cannot read {what}: {e}")))?;
    if let Ok(m) = file.metadata()
        && m.is_file()
        && m.len() > MAX_ARTICLE_BYTES as u64
    {
        return Err(Error::Invalid(format!(
            "{what} is {} bytes; {}",
            m.len(),
            limit()
        )));
    }
    read_from(&what, file)
}

/// The stored text of the article the user called `article`, refused when it has none.
pub fn stored(article: &str, text: Option<String>) -> Result<String> {
    match text {
        Some(t) if !t.trim().is_empty() => Ok(t),
        _ => Err(Error::Invalid(format!(
            "article {article} has no stored text; add it with its text (`claimdb article add \
             --text-file PATH ...`), or extract from the file with `claimdb extract --text-file PATH`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(bytes: &[u8]) -> String {
        text_from_bytes("f.txt", bytes.to_vec())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn texts_are_checked_and_kept_as_given() {
        assert_eq!(
            text_from_bytes("f", "\u{FEFF}a\r\nб".into()).unwrap(),
            "a\r\nб"
        );
        assert_eq!(err(b""), "f.txt is empty; give the article's text");
        assert!(err(b" \r\n\t").contains("only whitespace"));
        assert!(err("\u{FEFF}".as_bytes()).contains("is empty"));
        assert!(err(b"ab\0cd").contains("NUL byte at byte offset 2"));
        assert!(err(b"ab\xffc\0").contains("bad byte at byte offset 2"));
        assert!(err(b"a\0b\xff").contains("NUL byte at byte offset 1"));
        // A character cut short at the end is not UTF-8 either.
        assert!(err(&"aй".as_bytes()[..2]).contains("byte offset 1"));
        for e in [err(b""), err(b"\0"), err(b"\xc3")] {
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn input_past_the_limit_is_not_read_to_its_end() {
        struct Endless(u64);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                buf.fill(b'a');
                self.0 += buf.len() as u64;
                Ok(buf.len())
            }
        }
        let mut src = Endless(0);
        let e = read_from("standard input", &mut src)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the limit is 10485760 bytes"), "{e}");
        assert!(src.0 <= MAX_ARTICLE_BYTES as u64 + 64 * 1024, "{}", src.0);
    }

    #[test]
    fn an_article_without_text_says_how_to_give_one() {
        let e = stored("abcd1234", None).unwrap_err().to_string();
        assert!(
            e.starts_with("article abcd1234 has no stored text; add it"),
            "{e}"
        );
        assert_eq!(stored("x", Some("t".into())).unwrap(), "t");
    }
}
