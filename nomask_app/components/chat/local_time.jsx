// A moment shown in the person's time zone, e.g. "5 Dec, 14:05".
// `zone` is the IANA name the server accepted (it asked this browser for it);
// while it is unknown the browser's own zone is used, which is the same one.
// Should the browser not know that zone, the moment shows in UTC, so marked.
import { useEffect } from "react";

const FORMAT = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false };

// Building a formatter costs far more than using one, and every message shows a
// time: one formatter per zone serves them all (issue 18: a reply re-renders
// the whole list, 500 formatters a render with 500 messages on the page).
const formatters = new Map();

function formatter(zone) {
  if (!formatters.has(zone)) {
    const options = zone ? { ...FORMAT, timeZone: zone } : FORMAT;
    formatters.set(zone, new Intl.DateTimeFormat("en-GB", options));
  }
  return formatters.get(zone);
}

function format(iso, zone) {
  try {
    return formatter(zone).format(new Date(iso));
  } catch {
    try {
      return `${formatter("UTC").format(new Date(iso))} UTC`;
    } catch {
      return "";
    }
  }
}

export function LocalTime({ iso = "", zone = "" }) {
  const text = format(iso, zone);
  return (
    <time dateTime={iso} className="nm-time">
      {text}
    </time>
  );
}

// Tells the server the browser's time zone once, when mounted (the sidebar's
// date groups follow it). A component, not `call_function`: the callback of
// that event is a string Reflex evaluates, which the CSP refuses.
export function BrowserZone({ onZone, known = "" }) {
  useEffect(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // Each page that mounts this would say it again: only a zone the server lacks is sent.
    if (onZone && zone !== known) onZone(zone);
  }, []);
  return null;
}
