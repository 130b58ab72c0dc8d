//! Locations: great-circle distance and the geohash cells that cover a circle, so nearby
//! search reads a few index ranges and then measures exactly.

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Precision of stored geohashes: 9 characters, cells of about 4.8 m × 4.8 m.
pub const STORED_PRECISION: usize = 9;

/// Haversine distance in metres.
pub fn distance_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

pub fn encode(lat: f64, lng: f64) -> Option<String> {
    geohash::encode(geohash::Coord { x: lng, y: lat }, STORED_PRECISION).ok()
}

/// Cell size in degrees (height, width) at a geohash precision.
fn cell_size(precision: usize) -> (f64, f64) {
    let bits = 5 * precision as i32;
    let lat_bits = bits / 2;
    let lng_bits = bits - lat_bits;
    (180.0 / 2f64.powi(lat_bits), 360.0 / 2f64.powi(lng_bits))
}

/// At most this many cells cover one circle: a 2 km search (the home page's "near me")
/// at its widest needs 8 × 6 cells of precision 6 (about 0.6 km × 1 km in Japan).
const MAX_CELLS: usize = 48;

/// Geohash prefixes whose cells together cover the circle around (lat, lng), those wholly
/// outside it left out. The precision is the finest at which any circle of this radius at
/// this latitude needs no more than `MAX_CELLS` cells, wherever it falls on the grid: it
/// depends on the radius, never on the position, so that every search of one radius asks
/// for cells of one size (a circle that happened to straddle one more row once fell back
/// to cells 32 times as large, and those were read and kept beside the finer ones).
pub fn covering_cells(lat: f64, lng: f64, radius_m: f64) -> Vec<String> {
    let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
    let dlng = dlat / lat.to_radians().cos().max(0.01);
    let (south, north) = ((lat - dlat).max(-90.0), (lat + dlat).min(90.0));
    let (west, east) = (lng - dlng, lng + dlng);
    for precision in (1..=8).rev() {
        let (h, w) = cell_size(precision);
        let widest = ((2.0 * dlat / h).ceil() + 1.0) * ((2.0 * dlng / w).ceil() + 1.0);
        if widest > MAX_CELLS as f64 {
            continue;
        }
        let rows = ((north / h).floor() - (south / h).floor()) as usize + 1;
        let cols = ((east / w).floor() - (west / w).floor()) as usize + 1;
        let mut cells = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            // The centre of each row and column of cells, clamped into range.
            let cell_lat = ((south / h).floor() + r as f64 + 0.5) * h;
            for c in 0..cols {
                let mut cell_lng = ((west / w).floor() + c as f64 + 0.5) * w;
                if cell_lng > 180.0 {
                    cell_lng -= 360.0;
                } else if cell_lng < -180.0 {
                    cell_lng += 360.0;
                }
                let coord = geohash::Coord {
                    x: cell_lng,
                    y: cell_lat.clamp(-89.999_999, 89.999_999),
                };
                if let Ok(hash) = geohash::encode(coord, precision)
                    && reaches(&hash, lat, lng, radius_m)
                    && !cells.contains(&hash)
                {
                    cells.push(hash);
                }
            }
        }
        return cells;
    }
    Vec::new()
}

/// Whether any point of the cell `hash` is within `radius_m` of (lat, lng): its point
/// nearest the centre is.
fn reaches(hash: &str, lat: f64, lng: f64, radius_m: f64) -> bool {
    let Ok(rect) = geohash::decode_bbox(hash) else {
        return false;
    };
    let near_lat = lat.clamp(rect.min().y, rect.max().y);
    let near_lng = lng.clamp(rect.min().x, rect.max().x);
    distance_m(lat, lng, near_lat, near_lng) <= radius_m
}

/// The geohash alphabet, in its own (and ASCII's) order.
const BASE32: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// The next geohash of the same length in lexicographic order (`None` after "zz…z").
pub fn successor(hash: &str) -> Option<String> {
    let mut bytes = hash.as_bytes().to_vec();
    for i in (0..bytes.len()).rev() {
        let at = BASE32.iter().position(|&c| c == bytes[i])?;
        if at + 1 < BASE32.len() {
            bytes[i] = BASE32[at + 1];
            return String::from_utf8(bytes).ok();
        }
        bytes[i] = BASE32[0];
    }
    None
}

/// Key ranges `[from, to)` of stored geohashes that hold every point of the circle, fewer
/// and tighter than [`covering_cells`]: cells one precision finer, those wholly outside the
/// circle left out, runs of neighbours in geohash order merged into one range. A nearby
/// search reads ~1.3× the circle's places instead of ~2.3× the bounding box's
/// (`benches/nearby.rs`). `to` is `None` at the end of the key space.
pub fn covering_ranges(lat: f64, lng: f64, radius_m: f64) -> Vec<(String, Option<String>)> {
    let coarse = covering_cells(lat, lng, radius_m);
    let Some(precision) = coarse.first().map(|c| (c.len() + 1).min(STORED_PRECISION)) else {
        return Vec::new();
    };
    let mut cells: Vec<String> = Vec::new();
    for parent in &coarse {
        let children = if parent.len() < precision {
            BASE32
                .iter()
                .map(|&c| format!("{parent}{}", c as char))
                .collect()
        } else {
            vec![parent.clone()]
        };
        // A cell wholly outside the circle holds nothing the search keeps.
        cells.extend(
            children
                .into_iter()
                .filter(|cell| reaches(cell, lat, lng, radius_m)),
        );
    }
    cells.sort();
    let mut ranges: Vec<(String, Option<String>)> = Vec::new();
    for cell in cells {
        let end = successor(&cell);
        match ranges.last_mut() {
            Some((_, last_end)) if last_end.as_deref() == Some(cell.as_str()) => *last_end = end,
            _ => ranges.push((cell, end)),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_matches_known_values() {
        // One degree of latitude is about 111.2 km.
        let d = distance_m(35.0, 136.0, 36.0, 136.0);
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
        assert_eq!(distance_m(35.2, 136.9, 35.2, 136.9), 0.0);
    }

    #[test]
    fn covering_ranges_hold_every_point_of_the_circle_and_little_else() {
        for (lat, lng, r) in [
            (35.2, 136.85, 1000.0),
            (35.2, 136.85, 300.0),
            (35.17, 136.9, 5000.0),
        ] {
            let ranges = covering_ranges(lat, lng, r);
            let inside = |hash: &str| {
                ranges.iter().any(|(from, to)| {
                    hash >= from.as_str() && to.as_deref().is_none_or(|to| hash < to)
                })
            };
            let dlat = (r / EARTH_RADIUS_M).to_degrees();
            let dlng = dlat / lat.to_radians().cos();
            // Every point of the circle is in a range; of the bounding box, the ranges hold
            // much less than the coarse cells did.
            let (mut in_box, mut in_ranges, mut in_cells) = (0, 0, 0);
            let cells = covering_cells(lat, lng, r);
            for i in 0..=60 {
                for j in 0..=60 {
                    let p_lat = lat - 1.5 * dlat + 3.0 * dlat * f64::from(i) / 60.0;
                    let p_lng = lng - 1.5 * dlng + 3.0 * dlng * f64::from(j) / 60.0;
                    let hash = encode(p_lat, p_lng).unwrap();
                    if distance_m(lat, lng, p_lat, p_lng) <= r {
                        assert!(inside(&hash), "{hash} at {p_lat},{p_lng} is not covered");
                    }
                    in_box += 1;
                    in_ranges += usize::from(inside(&hash));
                    in_cells += usize::from(cells.iter().any(|c| hash.starts_with(c.as_str())));
                }
            }
            assert!(
                in_ranges * 10 < in_cells * 7,
                "r={r}: ranges {in_ranges} vs cells {in_cells} of {in_box} points"
            );
            assert!(ranges.len() <= 200, "r={r}: {} ranges", ranges.len());
        }
    }

    #[test]
    fn successor_counts_in_geohash_order() {
        assert_eq!(successor("xn76").as_deref(), Some("xn77"));
        assert_eq!(successor("xn79").as_deref(), Some("xn7b"));
        assert_eq!(successor("xn7z").as_deref(), Some("xn80"));
        assert_eq!(successor("zz"), None);
    }

    #[test]
    fn cells_of_one_radius_are_one_size_wherever_the_circle_falls() {
        // Positions on a fine grid over a town, corners of cells included: the precision
        // must not change with where the circle falls (it did, for 0.1–0.3 % of 1 km
        // searches and nearly all 2 km ones, which then read cells 32 times as large).
        for r in [500.0, 1000.0, 2000.0] {
            let mut sizes = std::collections::BTreeSet::new();
            for i in 0..200 {
                for j in 0..200 {
                    let lat = 35.15 + f64::from(i) * 0.000_75;
                    let lng = 136.75 + f64::from(j) * 0.001;
                    let cells = covering_cells(lat, lng, r);
                    assert!(
                        !cells.is_empty() && cells.len() <= MAX_CELLS,
                        "{r} m: {}",
                        cells.len()
                    );
                    sizes.extend(cells.iter().map(String::len));
                }
            }
            assert_eq!(sizes.len(), 1, "{r} m: cells of lengths {sizes:?}");
            assert!(
                sizes.contains(&6),
                "{r} m: cells of lengths {sizes:?}, not 6"
            );
        }
    }

    #[test]
    fn covering_cells_contain_every_point_of_the_circle() {
        // Radii from a doorstep to beyond the largest a search accepts (30 km), north to
        // south; points on the rim and inside (cells wholly outside the circle are left
        // out, none that reaches it).
        for (lat, lng, r) in [
            (35.2, 136.85, 1500.0),
            (35.2, 136.85, 300.0),
            (43.06, 141.35, 2000.0),
            (26.21, 127.68, 5000.0),
            (35.2, 136.85, 30_000.0),
            (35.2, 136.85, 50_000.0),
        ] {
            let cells = covering_cells(lat, lng, r);
            assert!(!cells.is_empty() && cells.len() <= MAX_CELLS);
            for i in 0..72 {
                for reach in [0.999, 0.7, 0.3] {
                    let bearing = f64::from(i) * 5.0_f64.to_radians();
                    let d = (r * reach / EARTH_RADIUS_M).to_degrees();
                    let (dlat, dlng) = (
                        d * bearing.cos(),
                        d * bearing.sin() / lat.to_radians().cos(),
                    );
                    let hash = encode(lat + dlat, lng + dlng).unwrap();
                    assert!(
                        cells.iter().any(|c| hash.starts_with(c.as_str())),
                        "{r} m: {hash} not covered by {cells:?}"
                    );
                }
            }
        }
    }
}
