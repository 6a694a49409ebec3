//! The demo catalog's product pictures: one small SVG template, filled in
//! per product (a rounded tile in a soft tint, the garment's silhouette in
//! the product's color, outlined in a darker tone). No text: at the app's
//! 48 px a letter would be a speck, and the name is written beside it. `--demo` runs offline, so
//! the pictures are drawn here and served by the server itself (same
//! origin: the app's Content-Security-Policy allows them).

/// The silhouette on a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyph {
    /// A short-sleeved top.
    Tee,
    /// A long-sleeved top: hoodies, jackets.
    Top,
    /// A scarf hanging from a hook.
    Scarf,
    /// A cap with its brim.
    Cap,
    /// A tote bag with its handle.
    Bag,
    /// A sock.
    Sock,
    /// A pair of trousers.
    Trousers,
}

/// How one product is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// The silhouette.
    pub glyph: Glyph,
    /// The tile's color.
    pub tile: &'static str,
    /// The product's own color (the silhouette's fill).
    pub fill: &'static str,
    /// The outlines: a dark tone that reads on the tile.
    pub ink: &'static str,
}

impl Glyph {
    /// The silhouette's paths on a 100×100 tile: (path, filled).
    fn paths(self) -> &'static [(&'static str, bool)] {
        match self {
            Glyph::Tee => &[(
                "M38 20 L24 27 L12 42 L23 50 L30 43 L30 82 L70 82 L70 43 L77 50 L88 42 L76 27 L62 20 C58 27 42 27 38 20 Z",
                true,
            )],
            Glyph::Top => &[
                (
                    "M38 18 L26 24 L16 40 L12 78 L24 80 L28 48 L30 48 L30 84 L70 84 L70 48 L72 48 L76 80 L88 78 L84 40 L74 24 L62 18 C58 26 42 26 38 18 Z",
                    true,
                ),
                ("M50 25 V84", false),
            ],
            Glyph::Scarf => &[("M30 18 H70 V38 H58 V78 L54 86 L50 78 L46 86 L42 78 V38 H30 Z", true)],
            Glyph::Cap => &[
                ("M18 64 C18 40 32 28 50 28 C68 28 82 40 82 64 Z", true),
                ("M50 64 H88 C88 72 76 74 64 74 H50 Z", true),
                ("M50 28 V64", false),
            ],
            Glyph::Bag => &[("M38 40 V32 C38 20 62 20 62 32 V40", false), ("M22 40 H78 L73 84 H27 Z", true)],
            Glyph::Sock => &[
                ("M36 14 H60 V56 L76 64 C85 69 82 84 70 83 L44 79 C38 78 36 72 36 66 Z", true),
                ("M36 24 H60", false),
            ],
            Glyph::Trousers => &[("M28 14 H72 L76 86 H57 L50 38 L43 86 H24 Z", true), ("M28 23 H72", false)],
        }
    }
}

/// The SVG picture of the product `name` drawn as `look`.
pub fn svg(name: &str, look: &Look) -> String {
    let Look { glyph, tile, fill, ink } = *look;
    let shapes: String = glyph
        .paths()
        .iter()
        .map(|(d, filled)| format!(r#"<path d="{d}" fill="{}"/>"#, if *filled { fill } else { "none" }))
        .collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 100 100" role="img" aria-label="{label}"><rect width="100" height="100" rx="18" fill="{tile}"/><circle cx="78" cy="20" r="34" fill="#ffffff" opacity=".28"/><g stroke="{ink}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round">{shapes}</g></svg>"##,
        label = escape(name),
    )
}

/// `name` safe inside SVG text and attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_is_one_svg_with_the_products_colors_and_name() {
        let look = Look { glyph: Glyph::Cap, tile: "#e2ecf5", fill: "#1f2f4f", ink: "#0f1a2e" };
        let svg = svg("navy <cap> & \"more\"", &look);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.ends_with("</svg>"));
        assert!(
            svg.contains("fill=\"#e2ecf5\"")
                && svg.contains("fill=\"#1f2f4f\"")
                && svg.contains("stroke=\"#0f1a2e\"")
        );
        assert!(svg.contains("aria-label=\"navy &lt;cap&gt; &amp; &quot;more&quot;\""));
        assert_eq!(svg.matches("<path").count(), 3);
    }
}
