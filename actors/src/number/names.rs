//! The customers' numbers and names of one number's conversations, in one
//! buffer, for text search.
//!
//! Searching the summaries themselves read every one of them: 100,000
//! chats cost 60 ms a query (five cache misses a chat: the map, the boxed
//! summary and each of its strings), and the NumberActor answered nothing
//! else meanwhile. Here each chat is one line, `wa_id TAB lowercased name
//! LF`, and a query is one `memmem` pass over a few megabytes, then a look
//! at the few chats it hit.
//!
//! Lines are only appended, and hold nothing but the text: a hit's line
//! starts after the `LF` before it, and its number leads to the chat
//! through the index. A chat whose name changes gets a new line and its
//! old one goes stale: a hit is only a candidate, and the caller checks it
//! against the summary. When stale lines outnumber the live ones the
//! buffer is rebuilt. About 35 bytes a chat.

use memchr::memmem;

use crate::conversation::record::ConversationRecord;

/// Lines of all chats: `wa_id TAB name LF`.
#[derive(Debug, Default)]
pub(super) struct Names {
    text: Vec<u8>,
    lines: usize,
    /// Lines superseded by a newer one of the same chat.
    stale: usize,
}

impl Names {
    /// Adds the line of a chat not seen before.
    pub(super) fn add(&mut self, r: &ConversationRecord) {
        self.lines += 1;
        self.text.extend_from_slice(r.wa_id.as_bytes());
        self.text.push(b'\t');
        if let Some(name) = &r.customer_name {
            self.text.extend_from_slice(name.to_lowercase().as_bytes());
        }
        self.text.push(b'\n');
    }

    /// A chat's name changed from `old`'s to `new`'s: its new line.
    pub(super) fn renamed(&mut self, old: &ConversationRecord, new: &ConversationRecord) {
        if old.customer_name != new.customer_name {
            self.stale += 1;
            self.add(new);
        }
    }

    /// Whether stale lines outnumber live ones (then [`Names::rebuild`]).
    pub(super) fn wants_rebuild(&self) -> bool {
        self.stale > 1024 && 2 * self.stale > self.lines
    }

    /// The lines of exactly these chats.
    pub(super) fn rebuild<'a>(&mut self, records: impl Iterator<Item = &'a ConversationRecord>) {
        *self = Self::default();
        for r in records {
            self.add(r);
        }
        self.shrink();
    }

    /// Gives back the room kept for growth (a start builds the index in
    /// one go).
    pub(super) fn shrink(&mut self) {
        self.text.shrink_to_fit();
    }

    /// The numbers of the chats whose number or lowercased name contains
    /// `needle` (which is lowercase), each once; stale lines may add a few
    /// that no longer do.
    pub(super) fn candidates(&self, needle: &str) -> Vec<&str> {
        let mut found = Vec::new();
        let mut line_end = 0;
        for at in memmem::find_iter(&self.text, needle.as_bytes()) {
            if at < line_end {
                continue; // another hit in the line just taken
            }
            let start = memchr::memrchr(b'\n', &self.text[..at]).map_or(0, |lf| lf + 1);
            line_end = memchr::memchr(b'\n', &self.text[at..]).map_or(self.text.len(), |lf| at + lf);
            let wa_id = self.text[start..line_end].split(|&b| b == b'\t').next().unwrap_or_default();
            if let Ok(wa_id) = std::str::from_utf8(wa_id) {
                found.push(wa_id);
            }
        }
        found
    }

    /// Lines, stale ones included.
    #[cfg(test)]
    pub(super) fn lines(&self) -> usize {
        self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::index::tests::record;
    use tenants::TenantId;

    fn chat(wa_id: &str, name: Option<&str>) -> ConversationRecord {
        let mut r = record(TenantId::new(), 0, None);
        r.wa_id = wa_id.into();
        r.customer_name = name.map(Into::into);
        r
    }

    #[test]
    fn finds_numbers_and_names_in_any_case_each_chat_once() {
        let mut names = Names::default();
        let (ana, bo, nameless) = (
            chat("351911111111", Some("Ana ANA")),
            chat("447700900123", Some("Élodie Bo")),
            chat("15551234", None),
        );
        for r in [&ana, &bo, &nameless] {
            names.add(r);
        }
        assert_eq!(names.candidates("ana"), ["351911111111"], "two hits in one line count once");
        assert_eq!(names.candidates("élodie"), ["447700900123"]);
        assert_eq!(names.candidates("1234"), ["15551234"]);
        assert_eq!(names.candidates("1"), ["351911111111", "447700900123", "15551234"]);
        assert_eq!(names.candidates("3\té"), ["447700900123"], "a needle may span the tab, not a line");
        assert!(names.candidates("zed").is_empty());
    }

    #[test]
    fn a_new_name_gets_a_new_line_and_many_stale_lines_a_rebuild() {
        let mut names = Names::default();
        let old = chat("351911111111", Some("Ana"));
        names.add(&old);
        let mut new = old.clone();
        new.customer_name = Some("Beatriz".into());
        names.renamed(&old, &new);
        names.renamed(&new, &new);
        assert_eq!(names.candidates("beatriz"), ["351911111111"]);
        assert_eq!(names.candidates("ana"), ["351911111111"], "a stale line: the caller checks");
        assert_eq!(names.lines(), 2);
        names.rebuild([&new].into_iter());
        assert!(names.candidates("ana").is_empty());
        assert_eq!(names.lines(), 1);
        assert!(!names.wants_rebuild());
    }
}
