/**
 * Times of day in named time zones ("08:00 Europe/Amsterdam"), and where an instant falls in a zone's day.
 * Uses Intl only, so it runs in browsers too; formatters are cached per zone because building one is slow.
 */

export interface TimeOfDay {
  /** Minutes after local midnight. */
  minutes: number;
  zone: string;
  text: string;
}

const PATTERN = /^([01]\d|2[0-3]):([0-5]\d) (\S+)$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, format);
  }
  return format;
}

export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

export function parseTimeOfDay(text: string): TimeOfDay | undefined {
  const match = PATTERN.exec(text);
  if (!match || !isTimeZone(match[3]!)) return undefined;
  return { minutes: Number(match[1]) * 60 + Number(match[2]), zone: match[3]!, text };
}

/** The last answer per zone: within one minute the wall clock shows the same minute, and Intl is slow. */
const lastMinute = new Map<string, { epochMinute: number; minuteOfDay: number }>();

/** Minutes after midnight of `instant` on the wall clock of `zone`. */
export function minuteOfDay(instant: Date, zone: string): number {
  const epochMinute = Math.floor(instant.getTime() / 60_000);
  const last = lastMinute.get(zone);
  if (last?.epochMinute === epochMinute) return last.minuteOfDay;
  const value = wallClockMinute(instant, zone);
  lastMinute.set(zone, { epochMinute, minuteOfDay: value });
  return value;
}

function wallClockMinute(instant: Date, zone: string): number {
  let hour = 0;
  let minute = 0;
  for (const part of formatter(zone).formatToParts(instant)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

/**
 * Whether `instant` falls in the daily window [after, before). Either bound may be absent. When the bounds
 * are in different zones, `before` is moved onto `after`'s clock first; a window whose end comes before its
 * start (22:00 to 06:00) spans midnight.
 */
export function inDailyWindow(
  instant: Date,
  after: TimeOfDay | undefined,
  before: TimeOfDay | undefined,
): boolean {
  if (!after && !before) return true;
  if (!after) return minuteOfDay(instant, before!.zone) < before!.minutes;
  const now = minuteOfDay(instant, after.zone);
  if (!before) return now >= after.minutes;
  const end =
    before.zone === after.zone
      ? before.minutes
      : (((before.minutes + now - minuteOfDay(instant, before.zone)) % 1440) + 1440) % 1440;
  if (after.minutes <= end) return now >= after.minutes && now < end;
  return now >= after.minutes || now < end;
}
