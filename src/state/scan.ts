/**
 * Paged scans of a {@link KvMap} that continue in a later message: timers walk every client in pages, a budget's
 * worth per message, while other messages add and remove entries in between. A StableBTreeMap has no seek, only
 * positional pages, so a cursor keeps the last key seen and its position: the next page starts at the first key
 * after it, found from the position (two one-entry reads when nothing moved, a galloping search when entries were
 * added or removed before it). No entry is skipped or visited twice however the map changed.
 */
import { compareBytes } from '../bytes';
import type { KvMap } from './kv';

/** Where a scan continues: after key `after`, which was at about `position`. */
export type ScanCursor = { after: Uint8Array; position: number };

/** A page of a scan: entries with the cursor just after each of them. */
export type ScanPage = { key: Uint8Array; value: Uint8Array; cursor: ScanCursor }[];

/**
 * Up to `count` entries after `cursor` (from the first entry without one), in key order.
 *
 * @example
 * for (let page = scanPage(map, undefined, 64); page.length > 0; page = scanPage(map, page.at(-1)!.cursor, 64)) { … }
 */
export function scanPage(map: KvMap, cursor: ScanCursor | undefined, count: number): ScanPage {
    const start = cursor === undefined ? 0 : positionAfter(map, cursor.after, cursor.position);
    return map.page(start, count).map(([key, value], i) => ({ key, value, cursor: { after: key, position: start + i + 1 } }));
}

/**
 * Up to `count` keys after `cursor` (from the first key without one), values not read, and the position of the
 * first of them: the cursor after `keys[i]` is `{ after: keys[i], position: start + i + 1 }`.
 *
 * @example
 * const { keys, start } = scanKeys(map, cursor, 1_024);
 */
export function scanKeys(map: KvMap, cursor: ScanCursor | undefined, count: number): { keys: Uint8Array[]; start: number } {
    const start = cursor === undefined ? 0 : positionAfter(map, cursor.after, cursor.position);
    return { keys: map.keys(start, count), start };
}

/** The position of the first key greater than `after`, searched from `hint`. */
function positionAfter(map: KvMap, after: Uint8Array, hint: number): number {
    const length = map.len();
    const greater = (position: number) => compareBytes(map.page(position, 1)[0][0], after) > 0;
    let position = Math.min(Math.max(hint, 0), length);
    if (position > 0 && greater(position - 1)) {
        // Entries were added before the cursor: gallop left to a key ≤ after (or the start), then bisect.
        let high = position - 1;
        let step = 1;
        let low = high - step;
        while (low >= 0 && greater(low)) {
            high = low;
            step *= 2;
            low = high - step;
        }
        return bisect(greater, Math.max(low, -1), high);
    }
    if (position < length && !greater(position)) {
        // Entries were removed before the cursor: gallop right to a greater key (or the end), then bisect.
        let low = position;
        let step = 1;
        let high = low + step;
        while (high < length && !greater(high)) {
            low = high;
            step *= 2;
            high = low + step;
        }
        return high >= length ? (greater(length - 1) ? bisect(greater, low, length - 1) : length) : bisect(greater, low, high);
    }
    return position;
}

/** The smallest position in `(low, high]` that is greater, knowing `low` is not (or -1) and `high` is. */
function bisect(greater: (position: number) => boolean, low: number, high: number): number {
    while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (greater(middle)) high = middle;
        else low = middle;
    }
    return high;
}
