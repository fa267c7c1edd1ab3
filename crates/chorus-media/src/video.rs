//! A video's duration, size and codecs, read from the boxes ("atoms") of its ISO base media container — the
//! structure MP4 and QuickTime share — without decoding anything.
//!
//! Only the few boxes on the path to these facts are opened: `moov` → `mvhd` (duration), `mvex/mehd` (duration of
//! a fragmented file), `trak` → `tkhd` (displayed size and rotation), `mdia` → `mdhd` (track time scale),
//! `hdlr` (video or sound), `minf/stbl` → `stsd` (codec), `stts` (frame count). Every read is bounds-checked, the
//! walk has a depth and a box-count ceiling, and a box that does not add up ends the walk at that level with what
//! was found so far.

/// What could be read of a video; missing facts are `None`, with a warning saying why.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct VideoFacts {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_ms: Option<u64>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub frame_rate: Option<f64>,
    pub warnings: Vec<String>,
}

/// Nested deeper than this, a file is not one a camera or editor wrote.
const MAX_DEPTH: usize = 8;
/// Boxes looked at in all; real files have a few hundred.
const MAX_BOXES: usize = 10_000;

/// A big-endian reader over a slice that answers `None` instead of reading past the end.
#[derive(Clone, Copy)]
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn at(&self, offset: usize, len: usize) -> Option<&'a [u8]> {
        self.0.get(offset..offset.checked_add(len)?)
    }
    fn u16(&self, offset: usize) -> Option<u16> {
        self.at(offset, 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&self, offset: usize) -> Option<u32> {
        self.at(offset, 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&self, offset: usize) -> Option<i32> {
        self.at(offset, 4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&self, offset: usize) -> Option<u64> {
        self.at(offset, 8).map(|b| u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }
}

/// One box: its four-character type and its payload (after the header).
struct Boxed<'a> {
    kind: [u8; 4],
    body: Bytes<'a>,
}

/// The boxes directly inside `data`, in order, stopping at the first whose size does not fit.
struct Children<'a, 'b> {
    data: &'a [u8],
    offset: usize,
    budget: &'b mut usize,
}

impl<'a> Iterator for Children<'a, '_> {
    type Item = Boxed<'a>;

    fn next(&mut self) -> Option<Boxed<'a>> {
        if *self.budget == 0 {
            return None;
        }
        *self.budget -= 1;
        let rest = Bytes(self.data.get(self.offset..)?);
        let size32 = rest.u32(0)?;
        let kind: [u8; 4] = rest.at(4, 4)?.try_into().ok()?;
        let (header, size) = match size32 {
            // The box runs to the end of its parent (QuickTime also ends some lists with a zero word).
            0 => (8, rest.0.len()),
            1 => (16, usize::try_from(rest.u64(8)?).ok()?),
            n => (8, usize::try_from(n).ok()?),
        };
        if size < header || size > rest.0.len() {
            // A box that claims more than there is: a truncated upload. Stop here rather than guess.
            self.offset = self.data.len();
            return None;
        }
        self.offset = self.offset.checked_add(size)?;
        Some(Boxed { kind, body: Bytes(rest.at(header, size - header)?) })
    }
}

fn children<'a, 'b>(data: Bytes<'a>, budget: &'b mut usize) -> Children<'a, 'b> {
    Children { data: data.0, offset: 0, budget }
}

#[derive(Default)]
struct Track {
    handler: Option<[u8; 4]>,
    codec: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    sideways: bool,
    timescale: Option<u32>,
    media_duration: Option<u64>,
    samples: Option<u64>,
}

#[derive(Default)]
struct Movie {
    timescale: Option<u32>,
    duration: Option<u64>,
    fragment_duration: Option<u64>,
    tracks: Vec<Track>,
}

/// Reads what it can; never fails, as a video whose metadata cannot be read is still accepted.
pub(crate) fn read(bytes: &[u8]) -> VideoFacts {
    let mut budget = MAX_BOXES;
    let mut facts = VideoFacts::default();
    let moov = children(Bytes(bytes), &mut budget).find(|b| &b.kind == b"moov").map(|b| b.body);
    let Some(moov) = moov else {
        facts.warnings.push(
            "the video's index (its moov box) was not found, so its duration, size and codec are unknown; the \
             upload may be cut short — export it again or upload the whole file"
                .into(),
        );
        return facts;
    };
    let movie = read_movie(moov, &mut budget);
    if budget == 0 {
        facts.warnings.push("the video's index is unusually large; only part of it was read".into());
    }
    let video = movie.tracks.iter().find(|t| t.handler.as_ref() == Some(b"vide"));
    let audio = movie.tracks.iter().find(|t| t.handler.as_ref() == Some(b"soun"));
    facts.duration_ms = duration_ms(&movie);
    match video {
        Some(track) => {
            let (width, height) = (track.width.filter(|w| *w > 0), track.height.filter(|h| *h > 0));
            (facts.width, facts.height) = if track.sideways { (height, width) } else { (width, height) };
            facts.video_codec = track.codec.clone();
            facts.frame_rate = frame_rate(track);
            if facts.width.is_none() || facts.height.is_none() {
                facts.warnings.push("the video's picture size could not be read".into());
            }
            if facts.video_codec.is_none() {
                facts.warnings.push("the video's codec could not be read".into());
            }
        }
        None => facts.warnings.push("no video track was found in the file".into()),
    }
    facts.audio_codec = audio.and_then(|t| t.codec.clone());
    if facts.duration_ms.is_none() {
        facts.warnings.push("the video's duration could not be read".into());
    }
    facts
}

fn duration_ms(movie: &Movie) -> Option<u64> {
    let to_ms = |units: u64, scale: u32| (scale > 0).then(|| u128::from(units) * 1000 / u128::from(scale));
    let movie_level = movie
        .duration
        .filter(|d| *d > 0 && *d != u64::from(u32::MAX) && *d != u64::MAX)
        .or(movie.fragment_duration.filter(|d| *d > 0))
        .and_then(|d| to_ms(d, movie.timescale?));
    let from_tracks =
        || movie.tracks.iter().filter_map(|t| to_ms(t.media_duration.filter(|d| *d > 0)?, t.timescale?)).max();
    movie_level.or_else(from_tracks).and_then(|ms| u64::try_from(ms).ok())
}

fn frame_rate(track: &Track) -> Option<f64> {
    let (samples, duration, scale) = (track.samples?, track.media_duration?, track.timescale?);
    if samples == 0 || duration == 0 || scale == 0 {
        return None;
    }
    let rate = samples as f64 * f64::from(scale) / duration as f64;
    // Two decimals are all anyone reads (29.97, 23.98); a rate outside 1..=1000 is a broken header.
    (1.0..=1000.0).contains(&rate).then(|| (rate * 100.0).round() / 100.0)
}

fn read_movie(moov: Bytes<'_>, budget: &mut usize) -> Movie {
    let mut movie = Movie::default();
    let boxes: Vec<Boxed<'_>> = children(moov, budget).collect();
    for b in boxes {
        match &b.kind {
            b"mvhd" => {
                let version = b.body.at(0, 1).map(|v| v[0]);
                (movie.timescale, movie.duration) = match version {
                    Some(1) => (b.body.u32(20), b.body.u64(24)),
                    Some(0) => (b.body.u32(12), b.body.u32(16).map(u64::from)),
                    _ => (None, None),
                };
            }
            b"mvex" => {
                let inner: Vec<Boxed<'_>> = children(b.body, budget).collect();
                if let Some(mehd) = inner.iter().find(|c| &c.kind == b"mehd") {
                    movie.fragment_duration = match mehd.body.at(0, 1).map(|v| v[0]) {
                        Some(1) => mehd.body.u64(4),
                        Some(0) => mehd.body.u32(4).map(u64::from),
                        _ => None,
                    };
                }
            }
            b"trak" if movie.tracks.len() < 64 => movie.tracks.push(read_track(b.body, budget)),
            _ => {}
        }
    }
    movie
}

fn read_track(trak: Bytes<'_>, budget: &mut usize) -> Track {
    let mut track = Track::default();
    walk(trak, budget, 1, &mut track);
    track
}

/// Descends through the containers between `trak` and the boxes that hold facts.
fn walk(data: Bytes<'_>, budget: &mut usize, depth: usize, track: &mut Track) {
    if depth > MAX_DEPTH {
        return;
    }
    let boxes: Vec<Boxed<'_>> = children(data, budget).collect();
    for b in boxes {
        match &b.kind {
            b"mdia" | b"minf" | b"stbl" => walk(b.body, budget, depth + 1, track),
            b"tkhd" => read_tkhd(b.body, track),
            b"mdhd" => {
                (track.timescale, track.media_duration) = match b.body.at(0, 1).map(|v| v[0]) {
                    Some(1) => (b.body.u32(20), b.body.u64(24)),
                    Some(0) => (b.body.u32(12), b.body.u32(16).map(u64::from)),
                    _ => (None, None),
                };
            }
            // Version and flags, then a pre-defined word (QuickTime's component type), then the handler type.
            // QuickTime puts a second `hdlr` in `minf` for its data reference (`alis`); the first is the media's.
            b"hdlr" if track.handler.is_none() => track.handler = b.body.at(8, 4).and_then(|h| h.try_into().ok()),
            b"stsd" => {
                // Version and flags, the entry count, then the first sample entry: its size and format code.
                track.codec = b.body.at(12, 4).and_then(fourcc);
                if track.width.is_none() {
                    // A visual sample entry keeps its coded size 24 bytes into the entry's body.
                    let (w, h) = (b.body.u16(8 + 8 + 24), b.body.u16(8 + 8 + 26));
                    track.width = w.map(u32::from).filter(|w| *w > 0);
                    track.height = h.map(u32::from).filter(|h| *h > 0);
                }
            }
            b"stts" => {
                let entries = b.body.u32(4).unwrap_or(0);
                let mut samples: u64 = 0;
                // Each entry is a sample count and a duration; the count is bounded by the box's own length.
                for i in 0..usize::try_from(entries).unwrap_or(0).min(b.body.0.len() / 8) {
                    match b.body.u32(8 + i * 8) {
                        Some(count) => samples = samples.saturating_add(u64::from(count)),
                        None => break,
                    }
                }
                track.samples = Some(samples);
            }
            _ => {}
        }
    }
}

/// A track header's presentation size (16.16 fixed point) and whether its matrix turns the picture a quarter turn,
/// as phones do for portrait video.
fn read_tkhd(body: Bytes<'_>, track: &mut Track) {
    let matrix = match body.at(0, 1).map(|v| v[0]) {
        Some(1) => 52,
        Some(0) => 40,
        _ => return,
    };
    let (a, d) = (body.i32(matrix), body.i32(matrix + 16));
    track.sideways = a == Some(0) && d == Some(0);
    let size = matrix + 36;
    let (w, h) = (body.u32(size).map(|v| v >> 16), body.u32(size + 4).map(|v| v >> 16));
    if let (Some(w), Some(h)) = (w.filter(|w| *w > 0), h.filter(|h| *h > 0)) {
        (track.width, track.height) = (Some(w), Some(h));
    }
}

/// A sample-entry code as text, when it is printable (codes such as `avc1`, `hvc1`, `mp4a`, `ac-3`).
fn fourcc(code: &[u8]) -> Option<String> {
    code.iter()
        .all(|c| c.is_ascii_graphic() || *c == b' ')
        .then(|| String::from_utf8_lossy(code).trim_end().to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(body.len() + 8).unwrap_or(0).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn a_box_claiming_more_than_there_is_ends_the_walk() {
        let mut data = boxed(b"free", b"abcd");
        data.extend_from_slice(&1000u32.to_be_bytes());
        data.extend_from_slice(b"moov");
        let mut budget = MAX_BOXES;
        let kinds: Vec<[u8; 4]> = children(Bytes(&data), &mut budget).map(|b| b.kind).collect();
        assert_eq!(kinds, vec![*b"free"]);
    }

    #[test]
    fn a_sixty_four_bit_size_is_read() {
        let mut data = 1u32.to_be_bytes().to_vec();
        data.extend_from_slice(b"mdat");
        data.extend_from_slice(&20u64.to_be_bytes());
        data.extend_from_slice(b"four");
        let mut budget = MAX_BOXES;
        let found: Vec<Boxed<'_>> = children(Bytes(&data), &mut budget).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].body.0, b"four");
    }

    #[test]
    fn a_file_without_an_index_is_accepted_with_a_warning() {
        let facts = read(&boxed(b"ftyp", b"isom\0\0\0\0isom"));
        assert_eq!(facts.duration_ms, None);
        assert!(facts.warnings.iter().any(|w| w.contains("moov")), "{:?}", facts.warnings);
    }

    #[test]
    fn nesting_and_box_counts_are_bounded() {
        // Ten thousand empty boxes inside a deep chain of containers: the walk ends, with a warning.
        let mut inner = Vec::new();
        for _ in 0..20_000 {
            inner.extend_from_slice(&boxed(b"free", b""));
        }
        let mut nested = boxed(b"stbl", &inner);
        for _ in 0..50 {
            nested = boxed(b"minf", &nested);
        }
        let facts = read(&boxed(b"moov", &boxed(b"trak", &boxed(b"mdia", &nested))));
        assert!(facts.warnings.iter().any(|w| w.contains("no video track")), "{:?}", facts.warnings);
    }
}
