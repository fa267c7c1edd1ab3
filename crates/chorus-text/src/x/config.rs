//! twitter-text's counting configurations (`config/v1.json`, `v2.json`, `v3.json` upstream).

use serde::Serialize;

/// Code points from `start` to `end` (both included) weigh `weight` (in units of [`Config::scale`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeightedRange {
    pub start: u32,
    pub end: u32,
    pub weight: usize,
}

/// How X weighs a post's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Config {
    /// twitter-text's configuration version.
    pub version: u8,
    /// The longest valid post, in weighted characters.
    pub max_weighted_length: usize,
    /// Weights are multiplied by this so that they can be fractions of a character.
    pub scale: usize,
    /// The weight of a code point outside every range, and of a whole emoji sequence.
    pub default_weight: usize,
    /// Weights of code point ranges; the first that contains a code point applies.
    pub ranges: &'static [WeightedRange],
    /// Every URL counts as this many characters, whatever its length (t.co wraps it).
    pub transformed_url_length: usize,
    /// Whether an emoji sequence (ZWJ family, flag, skin tone, keycap, ...) weighs `default_weight` as a whole.
    pub emoji_parsing: bool,
}

/// Latin, Latin-1, ..., Georgian (U+0000–U+10FF) and some general punctuation weigh one; the rest two.
const V2_RANGES: &[WeightedRange] = &[
    WeightedRange { start: 0, end: 4351, weight: 100 },
    WeightedRange { start: 8192, end: 8205, weight: 100 },
    WeightedRange { start: 8208, end: 8223, weight: 100 },
    WeightedRange { start: 8242, end: 8247, weight: 100 },
];

impl Config {
    /// The original 140-character limit: every code point counts one, URLs 23.
    pub const V1: Config = Config {
        version: 1,
        max_weighted_length: 140,
        scale: 1,
        default_weight: 1,
        ranges: &[],
        transformed_url_length: 23,
        emoji_parsing: false,
    };

    /// 280 weighted characters (November 2017): CJK and emoji count two.
    pub const V2: Config = Config {
        version: 2,
        max_weighted_length: 280,
        scale: 100,
        default_weight: 200,
        ranges: V2_RANGES,
        transformed_url_length: 23,
        emoji_parsing: false,
    };

    /// V2 plus emoji parsing (2018): an emoji sequence counts two however many code points it has. This is what
    /// X counts today, and the default.
    pub const V3: Config = Config {
        version: 3,
        max_weighted_length: 280,
        scale: 100,
        default_weight: 200,
        ranges: V2_RANGES,
        transformed_url_length: 23,
        emoji_parsing: true,
    };

    /// The weight of one code point outside a URL or emoji sequence, in units of `scale`.
    pub fn char_weight(&self, c: char) -> usize {
        let code = u32::from(c);
        self.ranges
            .iter()
            .find(|range| (range.start..=range.end).contains(&code))
            .map_or(self.default_weight, |range| range.weight)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::V3
    }
}
