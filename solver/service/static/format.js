// Times and amounts as the engine's reports write them (Tue 24 Nov 10:10, 1d 2h 30m).

import { toMs } from "./gantt.js";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n) => String(n).padStart(2, "0");

function day(date) {
  return `${DAYS[date.getUTCDay()]} ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]}`;
}

/** `Tue 24 Nov 10:10`; a midnight reads 24:00 of the day before, as a due date means it,
 * unless `start` (a moment something begins). */
export function moment(iso, start = false) {
  if (!iso) return "-";
  const date = new Date(toMs(iso));
  if (!start && date.getUTCHours() === 0 && date.getUTCMinutes() === 0) {
    return `${day(new Date(date.getTime() - 86400000))} 24:00`;
  }
  return `${day(date)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

/** A span of hours as `1d 2h 30m`. */
export function span(hours) {
  if (hours === null || hours === undefined) return "-";
  let minutes = Math.round(Math.abs(hours) * 60);
  const days = Math.floor(minutes / 1440);
  minutes -= days * 1440;
  const h = Math.floor(minutes / 60);
  const m = minutes - h * 60;
  const parts = [days && `${days}d`, h && `${h}h`, m && `${m}m`].filter(Boolean);
  return (hours < 0 ? "-" : "") + (parts.join(" ") || "0m");
}

/** An amount of money, whole units with thousands separators. */
export function money(value, currency) {
  if (value === null || value === undefined) return "-";
  const text = Number(value).toLocaleString("en-GB", { maximumFractionDigits: 0 });
  return currency ? `${text} ${currency}` : text;
}

/** A server timestamp (UTC, ISO) as `2026-12-02 03:50 UTC`. */
export function stamp(iso) {
  return iso ? `${String(iso).slice(0, 16).replace("T", " ")} UTC` : "-";
}

/** The value of a datetime-local input for an ISO datetime. */
export function localInput(iso) {
  return iso ? String(iso).slice(0, 16) : "";
}
